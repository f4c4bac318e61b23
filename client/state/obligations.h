// What each partner owes the other right now, derived from the folded log:
// acknowledgements, answers, responses to proposals, outcomes of commitments
// due under their cadence, reviews whose date has passed, sealed reflections
// to write or reveal. Facts only: views/obligation_text.h says them in words,
// and the CLI adds the command that settles one. Local only: nothing of this
// reaches the server.
#ifndef MEND_CLIENT_STATE_OBLIGATIONS_H_
#define MEND_CLIENT_STATE_OBLIGATIONS_H_

#include <string>
#include <vector>

#include "client/state/fold.h"

namespace mend::client {

enum class Owed {
  kAcknowledgement,  // of a trigger
  kAnswer,           // to a question
  kResponse,         // to a proposal
  kOutcome,          // kept or slipped, for a commitment due under its cadence
  kReview,           // of a commitment whose review date has passed
  kReflection,       // a sealed reflection not yet written
  kReveal,           // a sealed reflection written and not yet revealed
};

struct Obligation {
  bool mine = false;  // owed by me (else by the partner)
  Owed what = Owed::kAcknowledgement;
  uint64_t seq = 0;  // the entry it concerns
  // kOutcome, kReview: the commitment's title; kReflection, kReveal: the
  // prompt id. A partner's words: shown escaped, never written to disk.
  std::string subject;
  std::string review_date;  // kReview: YYYY-MM-DD
};

// The word for `what` in owed.json and in --json output: "acknowledgement", ...
const char* ObligationWord(Owed what);
// The inverse of ObligationWord; false for a word it does not know.
bool ParseObligationWord(const std::string& word, Owed* what);

// `today` is the local date YYYY-MM-DD of `now_unix_ms`.
std::vector<Obligation> Obligations(const CoupleState& couple, const Bytes& me,
                                    const std::string& today, int64_t now_unix_ms);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_OBLIGATIONS_H_
