#include "client/core/first_seen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/big_endian.h"
#include "crypto/bytes.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr size_t kRecordBytes = 16;

}  // namespace

absl::StatusOr<FirstSeenTimes> LoadFirstSeen(const std::string& path) {
  return LoadFirstSeenFrom(path, 0);
}

absl::StatusOr<FirstSeenTimes> LoadFirstSeenFrom(const std::string& path, uint64_t offset) {
  FirstSeenTimes out;
  offset -= offset % kRecordBytes;
  auto file = base::ReadFileFrom(path, offset);
  if (!file.ok()) {
    // Shorter than before (cut back by hand): what is left of it is all there is.
    if (absl::IsOutOfRange(file.status())) return LoadFirstSeenFrom(path, 0);
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

namespace mend::client {

uint64_t FirstSeenBytes(const std::string& path) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  return error ? 0 : size - size % kRecordBytes;
}

}  // namespace mend::client
