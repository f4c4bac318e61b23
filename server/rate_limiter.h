// Token buckets keyed by a string (member id or client address). Thread-safe.
// The number of buckets is bounded: a full bucket is the same as a forgotten
// one, so full buckets are dropped when the table fills; if it is still full
// of active buckets, new keys are refused until some drain (a flood of fresh
// keys is refused, not remembered).
#ifndef MEND_SERVER_RATE_LIMITER_H_
#define MEND_SERVER_RATE_LIMITER_H_

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "server/clock.h"

namespace mend::server {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst, size_t max_keys, Clock clock)
      : rate_(rate_per_second), burst_(burst), max_keys_(max_keys), clock_(std::move(clock)) {}

  // Takes one token for `key`; false when the bucket is empty, or when `key`
  // is new and the table is full of active buckets.
  bool Allow(std::string_view key);

  size_t size();

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  // Drops full buckets, at most once a second (a scan per refused key would
  // let a flood of fresh keys cost a scan each).
  void PruneLocked(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  const size_t max_keys_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  int64_t last_prune_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool pruned_once_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace mend::server

#endif  // MEND_SERVER_RATE_LIMITER_H_
