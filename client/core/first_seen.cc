#include "client/core/first_seen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/atomic_file.h"
#include "base/big_endian.h"
#include "crypto/bytes.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr size_t kRecordBytes = 16;

}  // namespace

absl::StatusOr<FirstSeenTimes> LoadFirstSeen(const std::string& path) {
  FirstSeenTimes out;
  auto file = base::ReadWholeFile(path);
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) return out;
    return file.status();
  }
  std::string_view rest = *file;
  for (; rest.size() >= kRecordBytes; rest.remove_prefix(kRecordBytes)) {
    const uint64_t seq = base::ReadU64(rest.substr(0, 8));
    const auto ms = static_cast<int64_t>(base::ReadU64(rest.substr(8, 8)));
    out.emplace(seq, ms);  // the earliest record of a seq stays
  }
  return out;
}

absl::Status AppendFirstSeen(const std::string& path,
                             const std::vector<std::pair<uint64_t, int64_t>>& seen) {
  if (seen.empty()) return absl::OkStatus();
  std::string data;
  for (const auto& [seq, ms] : seen) {
    base::AppendU64(&data, seq);
    base::AppendU64(&data, static_cast<uint64_t>(ms));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return absl::InternalError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  // A torn earlier append would shift every later record: cut it first.
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0 && size % static_cast<off_t>(kRecordBytes) != 0) {
    if (::ftruncate(fd, size - size % static_cast<off_t>(kRecordBytes)) != 0) {
      ::close(fd);
      return absl::InternalError(fmt::format("cannot repair {}: {}", path, std::strerror(errno)));
    }
  }
  ssize_t n = ::write(fd, data.data(), data.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) {
    return absl::InternalError(fmt::format("cannot write {}", path));
  }
  return absl::OkStatus();
}

}  // namespace mend::client
