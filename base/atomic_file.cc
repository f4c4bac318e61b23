#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/hex.h"
#include "fmt/format.h"

namespace mend::base {
namespace {

absl::Status Errno(std::string_view what, const std::string& path) {
  int err = errno;
  std::string message = fmt::format("{} {}: {}", what, path, std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// The temporary name only has to avoid a collision with another writer (the
// file is created O_EXCL); it is not a secret.
std::string TempSuffix() {
  std::random_device device;
  std::string bytes;
  for (int i = 0; i < 2; ++i) {
    const uint32_t r = device();
    bytes.append(reinterpret_cast<const char*>(&r), sizeof r);
  }
  return ToHex(bytes);
}

}  // namespace

absl::Status AtomicWriteFile(const std::string& path, std::string_view contents, int mode,
                             Durability durability) {
  const bool durable = durability == Durability::kDurable;
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp-" + TempSuffix())).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Errno("cannot create", tmp);
  absl::Status status = WriteAll(fd, contents, tmp);
  if (status.ok() && durable && ::fsync(fd) != 0) status = Errno("cannot fsync", tmp);
  if (::close(fd) != 0 && status.ok()) status = Errno("cannot close", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    status = Errno("cannot rename onto", path);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  if (!durable) return absl::OkStatus();
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("cannot open directory", dir.string());
  if (::fsync(dir_fd) != 0) status = Errno("cannot fsync directory", dir.string());
  ::close(dir_fd);
  return status;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) { return ReadFileFrom(path, 0); }

absl::StatusOr<std::string> ReadFileFrom(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    absl::Status status = Errno("cannot stat", path);
    ::close(fd);
    return status;
  }
  if (offset > static_cast<uint64_t>(st.st_size)) {
    ::close(fd);
    return absl::OutOfRangeError(
        fmt::format("{} has {} bytes, fewer than {}", path, st.st_size, offset));
  }
  if (offset > 0 && ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    absl::Status status = Errno("cannot seek in", path);
    ::close(fd);
    return status;
  }
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size) - offset);
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = Errno("cannot read", path);
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace mend::base
