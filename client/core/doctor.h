// What `mend doctor` examines, as facts: who else could read or replace the
// profile's files, how this device's clock stands against the server's, and
// whether the server's log still holds the head this device verified. The
// other checks (the key file opens, the local copy verifies, the server
// answers) are Session::Open, Session::LoadHistory and Connection::GetInfo
// themselves. The CLI (commands_doctor.cc) runs the checks in order and says
// what each finding means and how to fix it.
#ifndef MEND_CLIENT_CORE_DOCTOR_H_
#define MEND_CLIENT_CORE_DOCTOR_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/core/profile.h"
#include "client/core/session.h"

namespace mend::client {

// A path of the profile that someone other than its owner could read, write
// or replace.
struct ExposedPath {
  std::string path;
  mode_t mode = 0;  // the permission bits
  bool directory = false;
  bool symlink = false;  // a symbolic link where mend keeps a file of its own
  uid_t owner = 0;       // when it is not the user running mend
  bool foreign_owner = false;
  bool holds_profile = false;  // a folder holding the profile or the settings
};

// The profile's directory, everything directly in it, and config.toml, where
// group or others have any permission, or the owner is another user, or a
// symbolic link stands in for the file; and the folders holding the profile
// and config.toml where group or others may write, or the owner is another
// user. Empty when all are this user's alone. Also counts, in `*checked`,
// the paths it looked at.
std::vector<ExposedPath> FindExposedPaths(const Profile& profile, size_t* checked);

// This device's clock against the server's, from one ServerInfo call made at
// `sent_ms` and answered at `received_ms` (this device's clock) with
// `server_ms` (the server's): positive skew means this device is ahead. The
// server answered somewhere in that round trip, so the skew is known to
// within half of it.
struct ClockReading {
  int64_t skew_ms = 0;
  int64_t uncertainty_ms = 0;
};
// nullopt when the server does not say its time (mendd 0.1 answers 0).
std::optional<ClockReading> ReadClock(int64_t sent_ms, int64_t server_ms, int64_t received_ms);
// The furthest a device's clock may stand from the server's: two partners
// within it of one server are within kClockSkewMs of each other, the point
// at which the fold flags an entry's time (PROTOCOL.md "Time").
int64_t ClockSkewAllowedMs();

// The server's log against this device's verified copy, without taking
// anything from it: the server's head, and whether its entry at the head
// this device verified (state.json's, when the replica has lost a torn tail
// since) is the one verified here.
struct ServerLogCheck {
  enum class Verdict {
    kSame,        // the server's head is this device's
    kAhead,       // the server holds this device's head and entries after it
    kRolledBack,  // the server's log ends before this device's head
    kForked,      // the server's entry at this device's head is another one
  };
  Verdict verdict = Verdict::kSame;
  uint64_t server_seq = 0;
  uint64_t local_seq = 0;
};
// REQUIRES: the session is paired.
absl::StatusOr<ServerLogCheck> CompareServerLog(Session& session);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_DOCTOR_H_
