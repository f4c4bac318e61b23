#include "client/core/doctor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "crypto/entry_codec.h"

namespace mend::client {
namespace {

// Looks at `path` without following a link; nullopt when it is this user's
// and grants group and others none of the `forbidden` permission bits.
std::optional<ExposedPath> Exposure(const std::string& path, mode_t forbidden) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;  // gone: nothing to expose
  ExposedPath found;
  found.path = path;
  found.mode = st.st_mode & 07777;
  found.directory = S_ISDIR(st.st_mode);
  found.symlink = S_ISLNK(st.st_mode);
  found.owner = st.st_uid;
  found.foreign_owner = st.st_uid != ::geteuid();
  // A link's own bits mean nothing; what it stands in for is the finding.
  const bool open_to_others = !found.symlink && (st.st_mode & forbidden) != 0;
  if (!open_to_others && !found.symlink && !found.foreign_owner) return std::nullopt;
  return found;
}

}  // namespace

std::vector<ExposedPath> FindExposedPaths(const Profile& profile, size_t* checked) {
  std::vector<std::string> paths = {profile.dir()};
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(profile.dir(), ec)) {
    paths.push_back(item.path().string());
  }
  if (std::filesystem::exists(std::filesystem::symlink_status(profile.config_path(), ec)))
    paths.push_back(profile.config_path());
  std::vector<ExposedPath> exposed;
  for (const std::string& path : paths) {
    if (auto found = Exposure(path, 077)) exposed.push_back(*std::move(found));
  }
  // The folders that hold the profile and the settings may be seen into,
  // but whoever may write there could swap the profile for one of theirs.
  std::vector<std::string> parents = {std::filesystem::path(profile.dir()).parent_path().string()};
  const std::string config_dir =
      std::filesystem::path(profile.config_path()).parent_path().string();
  if (config_dir != parents.front()) parents.push_back(config_dir);
  for (const std::string& path : parents) {
    if (auto found = Exposure(path, 022)) {
      found->holds_profile = true;
      exposed.insert(exposed.begin(), *std::move(found));
    }
  }
  if (checked) *checked = paths.size() + parents.size();
  return exposed;
}

std::optional<ClockReading> ReadClock(int64_t sent_ms, int64_t server_ms, int64_t received_ms) {
  if (server_ms == 0) return std::nullopt;
  if (received_ms < sent_ms) received_ms = sent_ms;  // the clock was set back meanwhile
  const int64_t midpoint = sent_ms + (received_ms - sent_ms) / 2;
  return ClockReading{midpoint - server_ms, (received_ms - sent_ms + 1) / 2};
}

int64_t ClockSkewAllowedMs() { return kClockSkewMs / 2; }

absl::StatusOr<ServerLogCheck> CompareServerLog(Session& session) {
  ASSIGN_OR_RETURN(Connection * conn, session.connection());
  const Bytes& couple_id = session.state().couple_id;
  ASSIGN_OR_RETURN(mend::v1::Head server, conn->GetHead(couple_id));
  // The head this device verified: the replica's, or the one state.json
  // records when the replica lost a torn tail since (sync fetches it again).
  crypto::ChainHead local = session.head();
  if (session.state().verified_seq > local.seq)
    local = {session.state().verified_seq, session.state().verified_hash};
  ServerLogCheck check;
  check.server_seq = server.seq();
  check.local_seq = local.seq;
  if (server.seq() < local.seq) {
    check.verdict = ServerLogCheck::Verdict::kRolledBack;
    return check;
  }
  Bytes server_hash_at_local = server.hash();
  if (server.seq() > local.seq && local.seq > 0) {
    ASSIGN_OR_RETURN(std::vector<mend::v1::Entry> at, conn->Fetch(couple_id, local.seq - 1, 1));
    if (at.empty()) {
      check.verdict = ServerLogCheck::Verdict::kRolledBack;  // announced, then not sent
      return check;
    }
    server_hash_at_local = crypto::EntryHash(at.front().header(), at.front().ciphertext());
  }
  const bool same_entry =
      local.seq == 0 || crypto::ConstantTimeEquals(server_hash_at_local, local.hash);
  if (!same_entry) {
    check.verdict = ServerLogCheck::Verdict::kForked;
  } else {
    check.verdict = server.seq() == local.seq ? ServerLogCheck::Verdict::kSame
                                              : ServerLogCheck::Verdict::kAhead;
  }
  return check;
}

}  // namespace mend::client
