#include "client/core/replica.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/atomic_file.h"
#include "base/big_endian.h"
#include "client/core/problem.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr std::string_view kMagic("MENDREP\x01", 8);
constexpr size_t kChecksumBytes = 16;

std::string Record(const mend::v1::Entry& entry) {
  std::string bytes = entry.SerializeAsString();
  std::string len;
  base::AppendU32(&len, static_cast<uint32_t>(bytes.size()));
  return len + bytes + crypto::Blake2b(kChecksumBytes, {len, bytes});
}

}  // namespace

uint64_t Replica::HeaderBytes() { return kMagic.size(); }

uint64_t Replica::RecordBytes(size_t entry_bytes) { return 4 + entry_bytes + kChecksumBytes; }

absl::StatusOr<std::vector<mend::v1::Entry>> Replica::Load() const {
  return LoadFrom(kMagic.size());
}

absl::StatusOr<std::vector<mend::v1::Entry>> Replica::LoadFrom(uint64_t offset) const {
  if (offset < kMagic.size())
    return absl::InvalidArgumentError("a replica offset falls inside its header");
  // From the start, the header is checked; from further on, only the bytes
  // after `offset` are read (their records carry checksums, and the caller
  // verifies the entries against the chain head those bytes followed).
  const bool from_start = offset == kMagic.size();
  auto file = base::ReadFileFrom(path_, from_start ? 0 : offset);
  if (!file.ok()) {
    if (from_start && absl::IsNotFound(file.status())) return std::vector<mend::v1::Entry>{};
    if (absl::IsOutOfRange(file.status()) || absl::IsNotFound(file.status())) {
      return absl::DataLossError(
          fmt::format("{} is shorter than the {} bytes this device wrote", path_, offset));
    }
    return file.status();
  }
  std::string_view rest = *file;
  if (from_start) {
    // Empty, or a crash during the very first append: no entry yet.
    if (rest.size() < kMagic.size() && kMagic.substr(0, rest.size()) == rest) {
      return std::vector<mend::v1::Entry>{};
    }
    if (rest.size() < kMagic.size() || rest.substr(0, kMagic.size()) != kMagic) {
      return absl::DataLossError(fmt::format("{} is not a mend replica", path_));
    }
    rest.remove_prefix(kMagic.size());
  }
  std::vector<mend::v1::Entry> out;
  size_t good = offset;
  while (!rest.empty()) {
    bool torn = rest.size() < 4;
    uint32_t len = torn ? 0 : base::ReadU32(rest);
    torn = torn || rest.size() < 4 + len + kChecksumBytes;
    if (torn && !from_start) {
      // Read from the middle, a torn tail may as well be a record before
      // `offset` that changed length: not ours to repair. The caller reads
      // the whole file instead, which judges (and repairs) it.
      return absl::DataLossError(fmt::format("{} has a torn record after byte {}", path_, offset));
    }
    if (torn) {
      // A crash during the last append: drop the partial record.
      if (::truncate(path_.c_str(), static_cast<off_t>(good)) != 0) {
        return absl::InternalError(
            fmt::format("cannot repair {}: {}", path_, std::strerror(errno)));
      }
      break;
    }
    std::string_view len_bytes = rest.substr(0, 4), body = rest.substr(4, len);
    if (crypto::Blake2b(kChecksumBytes, {len_bytes, body}) !=
        rest.substr(4 + len, kChecksumBytes)) {
      return WithProblem(absl::DataLossError(fmt::format(
                             "the local replica {} is damaged at entry {}", path_, out.size() + 1)),
                         Problem::kReplicaDamaged);
    }
    mend::v1::Entry entry;
    if (!entry.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return absl::DataLossError(
          fmt::format("the local replica has an unreadable entry {}", out.size() + 1));
    }
    out.push_back(std::move(entry));
    rest.remove_prefix(4 + len + kChecksumBytes);
    good += 4 + len + kChecksumBytes;
  }
  return out;
}

absl::Status Replica::Append(const std::vector<mend::v1::Entry>& entries) const {
  if (entries.empty()) return absl::OkStatus();
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::InternalError(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
  off_t size = ::lseek(fd, 0, SEEK_END);
  // What a crash during the first append left of the magic: start again.
  if (size > 0 && size < static_cast<off_t>(kMagic.size()) && ::ftruncate(fd, 0) == 0) size = 0;
  if (size < 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(fmt::format("cannot append to {}: {}", path_, err));
  }
  std::string data;
  if (size == 0) data = kMagic;
  for (const auto& e : entries) data += Record(e);
  // A failed append takes back what it wrote: the caller forgets these
  // entries and will write them again, and a second copy after the first (or
  // after half of it) would leave a replica that no longer verifies.
  auto fail = [&](const std::string& what) {
    std::string err = std::strerror(errno);
    if (::ftruncate(fd, size) == 0) (void)::fsync(fd);
    ::close(fd);
    return absl::InternalError(fmt::format("cannot {} {}: {}", what, path_, err));
  };
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync");
  ::close(fd);
  return absl::OkStatus();
}

absl::Status Replica::Rewrite(const std::vector<mend::v1::Entry>& entries) const {
  std::string data(kMagic);
  for (const auto& e : entries) data += Record(e);
  return base::AtomicWriteFile(path_, data, 0600);
}

}  // namespace mend::client
