#include "server/recent_members.h"

namespace mend::server {

bool RecentMembers::Contains(const std::string& member, const std::string& couple_id) {
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  auto it = seen_.find(member);
  if (it == seen_.end()) return false;
  if (it->second.couple_id == couple_id && now - it->second.at_ms < kTtlMs &&
      now >= it->second.at_ms) {
    return true;
  }
  seen_.erase(it);
  return false;
}

void RecentMembers::Add(const std::string& member, const std::string& couple_id) {
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  // Starting over is simpler than evicting one by one, and only costs reads.
  if (seen_.size() >= kMaxEntries) seen_.clear();
  seen_[member] = {couple_id, now};
}

}  // namespace mend::server
