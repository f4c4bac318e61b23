// The family files of client/state/kinds/, each giving the records of its
// kinds, and the helpers their rules share. Only for this folder.
#ifndef MEND_CLIENT_STATE_KINDS_FAMILIES_H_
#define MEND_CLIENT_STATE_KINDS_FAMILIES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/state/fold.h"
#include "client/state/kinds/kind.h"

namespace mend::client::kinds {

std::vector<KindRecord> Membership();
std::vector<KindRecord> CheckIns();
std::vector<KindRecord> Commitments();
std::vector<KindRecord> TriggersAndAcknowledgements();
std::vector<KindRecord> QuestionsAndAnswers();
std::vector<KindRecord> Letters();
std::vector<KindRecord> DisclosuresAndPreferences();
std::vector<KindRecord> Space();
std::vector<KindRecord> Reflections();
std::vector<KindRecord> TalkNotes();

// An entry that does not fit the log as it stands.
inline absl::Status Broken(const std::string& why) { return absl::FailedPreconditionError(why); }

// The commitment proposed at `seq`, or nullptr.
inline const Commitment* FindCommitment(const CoupleState& state, uint64_t seq) {
  auto it = state.commitments.find(seq);
  return it == state.commitments.end() ? nullptr : &it->second;
}

}  // namespace mend::client::kinds

#endif  // MEND_CLIENT_STATE_KINDS_FAMILIES_H_
