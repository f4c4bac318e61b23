// What a daily reminder may know without the passphrase: the list of what
// this partner owes, as of their last sync, written next to the replica
// (`owed.json`, mode 0600). It holds what is owed as kinds, entry numbers and
// review dates, and the partner's display name, never a word of any entry
// (no commitment title, no prompt id), so a reminder needs no passphrase file
// lying around. Someone with the laptop can read it: SECURITY.md says so.
#ifndef MEND_CLIENT_CORE_REMINDER_SUMMARY_H_
#define MEND_CLIENT_CORE_REMINDER_SUMMARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/core/profile.h"
#include "client/state/fold.h"
#include "client/state/obligations.h"

namespace mend::client {

struct ReminderSummary {
  int64_t as_of_unix_ms = 0;
  std::string partner;           // display name
  std::vector<Obligation> owed;  // mine, without subjects
};

std::string ReminderSummaryPath(const Profile& profile);
// Computes and writes the summary for `couple` as of `now_unix_ms`.
absl::Status WriteReminderSummary(const Profile& profile, const ProfileState& state,
                                  const CoupleState& couple, int64_t now_unix_ms);
// NotFound before the first sync that wrote one.
absl::StatusOr<ReminderSummary> ReadReminderSummary(const Profile& profile);

// When the reminder (`mend status --notify`) last ran, kept in the file
// `reminded` next to the summary, for `mend doctor`. 0 when it never has.
absl::Status RecordReminderRun(const Profile& profile, int64_t now_unix_ms);
int64_t LastReminderRun(const Profile& profile);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_REMINDER_SUMMARY_H_
