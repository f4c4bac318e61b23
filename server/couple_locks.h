// One mutex per couple, created on first use, so that appends and membership
// changes of one couple are serialized while different couples run in parallel.
#ifndef MEND_SERVER_COUPLE_LOCKS_H_
#define MEND_SERVER_COUPLE_LOCKS_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"

namespace mend::server {

class CoupleLocks {
 public:
  // The couple's mutex; lives as long as this object.
  std::mutex& For(const std::string& couple_id) {
    std::lock_guard lock(mu_);
    auto& slot = locks_[couple_id];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<std::mutex>> locks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mend::server

#endif  // MEND_SERVER_COUPLE_LOCKS_H_
