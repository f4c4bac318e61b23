// Wakes Watch streams when a couple's head moves. Thread-safe.
#ifndef MEND_SERVER_WATCH_HUB_H_
#define MEND_SERVER_WATCH_HUB_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"

namespace mend::server {

class WatchHub {
 public:
  explicit WatchHub(uint32_t max_watchers_per_couple) : max_watchers_(max_watchers_per_couple) {}

  // Records that `couple_id` now has entries up to `seq` and wakes its watchers.
  void Notify(const std::string& couple_id, uint64_t seq);
  // Wakes everyone (shutdown).
  void WakeAll();
  // Blocks until the couple's known head exceeds `after_seq` or `timeout`
  // passes. Returns the known head seq (which may be <= after_seq on timeout).
  uint64_t WaitBeyond(const std::string& couple_id, uint64_t after_seq,
                      std::chrono::milliseconds timeout);

  // RAII registration that bounds watchers per couple.
  class Registration {
   public:
    Registration(WatchHub* hub, std::string couple_id) : hub_(hub), couple_id_(std::move(couple_id)) {}
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() { if (hub_) hub_->Unregister(couple_id_); }
   private:
    WatchHub* hub_;
    std::string couple_id_;
  };
  // False when the couple already has the maximum number of watchers.
  bool TryRegister(const std::string& couple_id);

 private:
  void Unregister(const std::string& couple_id);

  const uint32_t max_watchers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, uint64_t> heads_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, uint32_t> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mend::server

#endif  // MEND_SERVER_WATCH_HUB_H_
