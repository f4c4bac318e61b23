// When this device first saw each entry of the log (PROTOCOL.md "Time"): the
// one time a partner cannot set, since it is this device's own clock at the
// moment the entry arrived. The quiet-partner warning and the report's
// "first seen" use it.
//
// The file `seen` beside the replica holds 16-byte records u64be(seq) ||
// u64be(unix ms), appended as entries arrive. It is this device's own
// observation, unauthenticated: whoever can edit it can also read the profile.
// A torn last record is ignored; where a seq appears twice the earliest wins.
#ifndef MEND_CLIENT_CORE_FIRST_SEEN_H_
#define MEND_CLIENT_CORE_FIRST_SEEN_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mend::client {

using FirstSeenTimes = std::map<uint64_t, int64_t>;

// An absent file is an empty map.
absl::StatusOr<FirstSeenTimes> LoadFirstSeen(const std::string& path);
// The records after the first `offset` bytes of the file (FirstSeenBytes at
// some earlier moment): the sightings since.
absl::StatusOr<FirstSeenTimes> LoadFirstSeenFrom(const std::string& path, uint64_t offset);
// The size of the file's whole records; 0 when it is absent.
uint64_t FirstSeenBytes(const std::string& path);
// Appends (seq, unix ms) records; mode 0600.
absl::Status AppendFirstSeen(const std::string& path,
                             const std::vector<std::pair<uint64_t, int64_t>>& seen);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_FIRST_SEEN_H_
