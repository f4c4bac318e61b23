// What went wrong, as a fact the command line can advise on. core/ puts a
// Problem on an error status (a status payload, like VerificationError) and
// says in the message only what is true; client/cli/hint.cc turns the
// Problem into advice ("mend: hint: ..."). Advice is never chosen by
// searching a message's words, and never written here.
#ifndef MEND_CLIENT_CORE_PROBLEM_H_
#define MEND_CLIENT_CORE_PROBLEM_H_

#include <optional>

#include "absl/status/status.h"

namespace mend::client {

enum class Problem {
  kNoProfile,                // no key file for this profile name
  kProfileFromOlderMend,     // state.json of protocol v1
  kWrongPassphrase,          // the key file does not open with it
  kKeyFileDamaged,           // the key file fails its checksum or format
  kKeyFileUnreadable,        // the key file cannot be read (permissions, a newer format, memory)
  kNoServerConfigured,       // the profile names no server
  kServerIdChanged,          // the server is not the one this profile first met
  kReplicaDamaged,           // a record of the local replica fails its checksum
  kNotPaired,                // no couple yet
  kPartnerNotJoined,         // invited; nobody has joined
  kNotConfirmedYet,          // joined; the inviter has not confirmed us
  kPairingUnfinished,        // Genesis or Joined not on the log yet
  kSafetyNumberNotCompared,  // this device has not confirmed the safety number
  kPartnerWaitsForYou,       // a joiner waits for this inviter's comparison
  kNoKeyForEpoch,            // the partner's grant of the current key has not arrived
  kHoldNoKey,                // rotate: this member holds none of the announced keys
  kKeyNotAnnounced,          // the granted key is not the one the log announces
  kRotationRace,             // the partner is rotating at the same moment
  kPairingComplete,          // a pairing step asked for after pairing finished
  kNoReminderSummary,        // owed.json missing or damaged
};
// Every Problem, for the test that each has its advice.
inline constexpr Problem kAllProblems[] = {
    Problem::kNoProfile,
    Problem::kProfileFromOlderMend,
    Problem::kWrongPassphrase,
    Problem::kKeyFileDamaged,
    Problem::kKeyFileUnreadable,
    Problem::kNoServerConfigured,
    Problem::kServerIdChanged,
    Problem::kReplicaDamaged,
    Problem::kNotPaired,
    Problem::kPartnerNotJoined,
    Problem::kNotConfirmedYet,
    Problem::kPairingUnfinished,
    Problem::kSafetyNumberNotCompared,
    Problem::kPartnerWaitsForYou,
    Problem::kNoKeyForEpoch,
    Problem::kHoldNoKey,
    Problem::kKeyNotAnnounced,
    Problem::kRotationRace,
    Problem::kPairingComplete,
    Problem::kNoReminderSummary,
};

// `status` (not OK) carrying `problem`.
absl::Status WithProblem(absl::Status status, Problem problem);
// The problem `status` carries, if any.
std::optional<Problem> ProblemOf(const absl::Status& status);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_PROBLEM_H_
