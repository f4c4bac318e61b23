// Crash-safe file replacement: write a temporary file beside the target,
// fsync it, rename it over the target, fsync the directory. A crash at any
// moment leaves either the old file or the new one, never a mix.
#ifndef MEND_BASE_ATOMIC_FILE_H_
#define MEND_BASE_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mend::base {

// Replaces `path` with `contents`, created with permission `mode` (e.g. 0600).
// REQUIRES: the parent directory exists.
absl::Status AtomicWriteFile(const std::string& path, std::string_view contents, int mode);
// Reads a whole file; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace mend::base

#endif  // MEND_BASE_ATOMIC_FILE_H_
