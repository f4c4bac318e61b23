// Per-couple mutual exclusion from a fixed array of mutexes. A couple's
// appends and membership changes take its stripe, so they are serialized
// while most other couples run in parallel. The array never grows: a client
// that names a million couple ids costs no memory (a map of one mutex per id
// grew without bound under exactly that). The stripe is picked by SipHash
// under a key drawn at start, so a client cannot aim many couples at one
// stripe. Two couples may share a stripe; that only serializes them.
#ifndef MEND_SERVER_COUPLE_LOCKS_H_
#define MEND_SERVER_COUPLE_LOCKS_H_

#include <array>
#include <mutex>
#include <string_view>

namespace mend::server {

class CoupleLocks {
 public:
  static constexpr size_t kStripes = 1024;

  CoupleLocks();
  CoupleLocks(const CoupleLocks&) = delete;
  CoupleLocks& operator=(const CoupleLocks&) = delete;

  // The couple's mutex; lives as long as this object.
  std::mutex& For(std::string_view couple_id);

 private:
  unsigned char key_[16];
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_COUPLE_LOCKS_H_
