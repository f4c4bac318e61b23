#include "server/rate_limiter.h"

#include <algorithm>

namespace mend::server {

bool RateLimiter::Allow(const std::string& key) {
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  // Bound memory: forget idle buckets once the map grows large (a full bucket
  // and a forgotten one behave the same).
  if (buckets_.size() > 100000) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + (now - kv.second.last_ms) * rate_ / 1000.0 >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + (now - b.last_ms) * rate_ / 1000.0);
  b.last_ms = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace mend::server
