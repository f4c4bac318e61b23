// Who was lately found a member of which couple, so that the append
// handler's early membership check (a non-member is refused before the
// server verifies their signature) does not read the store on every append:
// on PostgreSQL that read was a round trip per append and halved the append
// rate. Advisory only: the committer's check, under the couple's lock and
// against the store, is the one that decides, so an answer up to kTtlMs old
// is safe. Bounded: a flood of identities costs at most kMaxEntries.
#ifndef MEND_SERVER_RECENT_MEMBERS_H_
#define MEND_SERVER_RECENT_MEMBERS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "server/clock.h"

namespace mend::server {

class RecentMembers {
 public:
  static constexpr int64_t kTtlMs = 10'000;
  static constexpr size_t kMaxEntries = 1 << 16;

  explicit RecentMembers(Clock clock) : clock_(std::move(clock)) {}

  // True when `member` was found a member of `couple_id` in the last kTtlMs.
  bool Contains(const std::string& member, const std::string& couple_id);
  // Remembers that `member` is a member of `couple_id` now.
  void Add(const std::string& member, const std::string& couple_id);

 private:
  struct Seen {
    std::string couple_id;
    int64_t at_ms;
  };
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);  // by member
};

}  // namespace mend::server

#endif  // MEND_SERVER_RECENT_MEMBERS_H_
