#include "server/rate_limiter.h"

#include <algorithm>

namespace mend::server {

void RateLimiter::PruneLocked(int64_t now) {
  if (pruned_once_ && now >= last_prune_ms_ && now - last_prune_ms_ < 1000) return;
  pruned_once_ = true;
  last_prune_ms_ = now;
  std::erase_if(buckets_, [&](const auto& kv) {
    return kv.second.tokens + static_cast<double>(now - kv.second.last_ms) * rate_ / 1000.0 >=
           burst_;
  });
}

bool RateLimiter::Allow(std::string_view key) {
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) PruneLocked(now);
    if (buckets_.size() >= max_keys_) return false;
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.last_ms) * rate_ / 1000.0);
  b.last_ms = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

size_t RateLimiter::size() {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace mend::server
