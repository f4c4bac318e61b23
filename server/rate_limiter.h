// Token buckets keyed by a string (member id or peer address). Thread-safe.
#ifndef MEND_SERVER_RATE_LIMITER_H_
#define MEND_SERVER_RATE_LIMITER_H_

#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "server/clock.h"

namespace mend::server {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst, Clock clock)
      : rate_(rate_per_second), burst_(burst), clock_(std::move(clock)) {}

  // Takes one token for `key`; false when the bucket is empty.
  bool Allow(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  const double rate_;
  const double burst_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mend::server

#endif  // MEND_SERVER_RATE_LIMITER_H_
