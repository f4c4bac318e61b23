// The folded state without its history: what the payload rules and the
// everyday commands read (members, epoch, commitments, triggers, questions,
// space, sealed reflections, preferences, where the fold stands), as the
// message the client keeps between runs (facts.proto). Folding more entries
// onto a state restored from its facts gives the facts a whole fold would.
#ifndef MEND_CLIENT_STATE_FACTS_H_
#define MEND_CLIENT_STATE_FACTS_H_

#include "absl/status/statusor.h"
#include "client/state/fold.h"
#include "mend/v1/facts.pb.h"

namespace mend::client {

// Everything in `state` but `entries`.
mend::v1::FoldedFacts FactsOf(const CoupleState& state);

// A state with these facts and no entries. InvalidArgument when the message
// names a commitment state this version does not know.
absl::StatusOr<CoupleState> StateFromFacts(const mend::v1::FoldedFacts& facts);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_FACTS_H_
