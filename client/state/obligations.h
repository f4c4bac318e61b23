// What each partner owes the other right now, derived from the folded log:
// acknowledgements, answers, responses to proposals, commitment reports due
// under their cadence, reviews whose date has passed, sealed reflections to
// answer. Local only: nothing of this reaches the server.
#ifndef MEND_CLIENT_STATE_OBLIGATIONS_H_
#define MEND_CLIENT_STATE_OBLIGATIONS_H_

#include <string>
#include <vector>

#include "client/state/fold.h"

namespace mend::client {

struct Obligation {
  bool mine = false;  // owed by me (else by the partner)
  std::string kind;   // ack, answer, respond, report, review, reflect
  uint64_t seq = 0;   // the entry it concerns
  std::string text;   // "acknowledge trigger #9"
};

// `today` is the local date YYYY-MM-DD of `now_unix_ms`.
std::vector<Obligation> Obligations(const CoupleState& couple, const Bytes& me,
                                    const std::string& today, int64_t now_unix_ms);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_OBLIGATIONS_H_
