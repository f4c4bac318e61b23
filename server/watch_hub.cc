#include "server/watch_hub.h"

namespace mend::server {

void WatchHub::Notify(const std::string& couple_id, uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    uint64_t& head = heads_[couple_id];
    if (seq > head) head = seq;
  }
  cv_.notify_all();
}

void WatchHub::WakeAll() { cv_.notify_all(); }

uint64_t WatchHub::WaitBeyond(const std::string& couple_id, uint64_t after_seq,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] {
    auto it = heads_.find(couple_id);
    return it != heads_.end() && it->second > after_seq;
  });
  auto it = heads_.find(couple_id);
  return it == heads_.end() ? 0 : it->second;
}

bool WatchHub::TryRegister(const std::string& couple_id) {
  std::lock_guard lock(mu_);
  uint32_t& n = watchers_[couple_id];
  if (n >= max_watchers_) return false;
  ++n;
  return true;
}

void WatchHub::Unregister(const std::string& couple_id) {
  std::lock_guard lock(mu_);
  auto it = watchers_.find(couple_id);
  if (it != watchers_.end() && --it->second == 0) watchers_.erase(it);
}

}  // namespace mend::server
