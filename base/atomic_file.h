// Crash-safe file replacement: write a temporary file beside the target,
// fsync it, rename it over the target, fsync the directory. A crash at any
// moment leaves either the old file or the new one, never a mix.
#ifndef MEND_BASE_ATOMIC_FILE_H_
#define MEND_BASE_ATOMIC_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mend::base {

// Whether a replacement must survive a crash. kCache skips the fsyncs: a crash
// may leave the old file, the new one or an empty one, never a mix; for files
// that are checked on read and rebuilt when they do not pass.
enum class Durability { kDurable, kCache };

// Replaces `path` with `contents`, created with permission `mode` (e.g. 0600).
// REQUIRES: the parent directory exists.
absl::Status AtomicWriteFile(const std::string& path, std::string_view contents, int mode,
                             Durability durability = Durability::kDurable);
// Reads a whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
// The bytes of a file after its first `offset`; OutOfRange when it is shorter.
absl::StatusOr<std::string> ReadFileFrom(const std::string& path, uint64_t offset);

}  // namespace mend::base

#endif  // MEND_BASE_ATOMIC_FILE_H_
