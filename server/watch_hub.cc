#include "server/watch_hub.h"

#include <algorithm>

#include "fmt/format.h"

namespace mend::server {

absl::Status WatchHub::Subscribe(const std::string& couple_id, std::shared_ptr<Listener> listener) {
  std::vector<std::shared_ptr<Listener>> gone;
  absl::Status status = SubscribeLocked(couple_id, std::move(listener), &gone);
  for (const auto& l : gone) l->End();  // they unsubscribe as their calls end
  return status;
}

absl::Status WatchHub::SubscribeLocked(const std::string& couple_id,
                                       std::shared_ptr<Listener> listener,
                                       std::vector<std::shared_ptr<Listener>>* gone) {
  std::lock_guard lock(mu_);
  if (closed_) return absl::UnavailableError("server is shutting down; reconnect");
  auto& list = listeners_[couple_id];
  if (list.size() >= max_per_couple_) {
    for (const auto& l : list) {
      if (l->Gone()) gone->push_back(l);
    }
    if (list.empty()) listeners_.erase(couple_id);
    return absl::ResourceExhaustedError(
        fmt::format("this couple already has {} watchers; close one", max_per_couple_));
  }
  if (total_ >= max_total_) {
    if (list.empty()) listeners_.erase(couple_id);
    return absl::ResourceExhaustedError(
        "this server has as many watchers as it takes; retry later");
  }
  list.push_back(std::move(listener));
  ++total_;
  return absl::OkStatus();
}

void WatchHub::Unsubscribe(const std::string& couple_id, const Listener* listener) {
  std::shared_ptr<Listener> last_reference;  // released after the lock
  std::lock_guard lock(mu_);
  auto it = listeners_.find(couple_id);
  if (it == listeners_.end()) return;
  auto& list = it->second;
  auto found =
      std::find_if(list.begin(), list.end(), [&](const auto& l) { return l.get() == listener; });
  if (found == list.end()) return;
  last_reference = std::move(*found);
  list.erase(found);
  --total_;
  if (list.empty()) listeners_.erase(it);
}

void WatchHub::Notify(const std::string& couple_id, uint64_t seq) {
  std::vector<std::shared_ptr<Listener>> wake;
  {
    std::lock_guard lock(mu_);
    auto it = listeners_.find(couple_id);
    if (it == listeners_.end()) return;
    wake = it->second;
  }
  for (const auto& l : wake) l->OnAppended(seq);
}

void WatchHub::NotifyEveryCouple() {
  std::vector<std::shared_ptr<Listener>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, list] : listeners_) all.insert(all.end(), list.begin(), list.end());
  }
  for (const auto& l : all) l->OnAppended(0);
}

void WatchHub::CloseAll() {
  std::vector<std::shared_ptr<Listener>> all;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (const auto& [id, list] : listeners_) all.insert(all.end(), list.begin(), list.end());
  }
  for (const auto& l : all) l->OnClose();
}

size_t WatchHub::watchers() {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace mend::server
