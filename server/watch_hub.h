// Who is watching which couple, and waking them when its log grows. A
// watcher is a Listener (EntryStream), not a thread: the hub only holds a
// pointer to it and calls it, so an idle watcher costs memory only.
// Thread-safe. Listeners are called outside the hub's lock.
#ifndef MEND_SERVER_WATCH_HUB_H_
#define MEND_SERVER_WATCH_HUB_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace mend::server {

class WatchHub {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // The couple's log now holds entries up to `seq` (durably). Called on the
    // committer thread: must not block.
    virtual void OnAppended(uint64_t seq) = 0;
    // The server is shutting down.
    virtual void OnClose() = 0;
    // True when the client is known to be gone. Called under the hub's lock
    // (so before the listener's Unsubscribe can return).
    virtual bool Gone() const = 0;
    // End the stream now (its client is gone). Called outside the hub's lock.
    virtual void End() = 0;
  };

  WatchHub(uint32_t max_per_couple, uint32_t max_total)
      : max_per_couple_(max_per_couple), max_total_(max_total) {}

  // ResourceExhausted when the couple or the server has its maximum of
  // watchers; Unavailable after CloseAll. A full couple first ends those of
  // its streams whose clients are gone: a stream that missed its
  // cancellation must not hold a slot until the server restarts.
  absl::Status Subscribe(const std::string& couple_id, std::shared_ptr<Listener> listener);
  void Unsubscribe(const std::string& couple_id, const Listener* listener);

  void Notify(const std::string& couple_id, uint64_t seq);
  // Wakes every listener to read again from what it last delivered: an
  // append feed that lost its connection may have missed some.
  void NotifyEveryCouple();
  // Tells every listener the server is stopping; later subscriptions fail.
  void CloseAll();

  size_t watchers();

 private:
  absl::Status SubscribeLocked(const std::string& couple_id, std::shared_ptr<Listener> listener,
                               std::vector<std::shared_ptr<Listener>>* gone);

  const uint32_t max_per_couple_;
  const uint32_t max_total_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Listener>>> listeners_
      ABSL_GUARDED_BY(mu_);
  size_t total_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace mend::server

#endif  // MEND_SERVER_WATCH_HUB_H_
