// AppendCommitter: the one thread that makes appends durable. Handlers hand it
// appends whose size, header, author and signature they have checked; it
// takes everything pending, checks each against its couple's membership, key
// epochs, storage quota and head under the couple's lock, writes the accepted ones in one
// synced RocksDB batch, and only then answers each of them.
//
// Why one thread: acknowledged must mean fsynced, and an fsync costs the same
// for one entry as for a thousand. Blocking a handler thread per append made
// gRPC's synchronous server spawn and retire a thread per in-flight call, and
// the threads cost more than the disk. Here the handlers never wait on the
// disk, and every couple with an append pending shares the next fsync.
// (Answering on a second thread, so that the next batch starts before the
// replies are sent, measured no faster on 2 cores: the work is CPU-bound.)
#ifndef MEND_SERVER_APPEND_COMMITTER_H_
#define MEND_SERVER_APPEND_COMMITTER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "server/couple_locks.h"
#include "server/log_store.h"
#include "server/registry.h"
#include "server/watch_hub.h"

namespace mend::server {

struct AppendResult {
  absl::StatusOr<mend::v1::Head> head;
  // Set, with a FailedPrecondition `head`, when the entry did not build on
  // the current head: the current head, for the client to rebuild on.
  std::optional<mend::v1::Head> stale_head;
};
using AppendDone = std::function<void(AppendResult)>;

struct PendingAppend {
  Bytes caller;
  mend::v1::EntryHeader header;
  Bytes entry_bytes;  // the serialized Entry
  Bytes entry_hash;   // its chain hash, the new head's hash
  AppendDone done;    // called once, on the committer thread
};

// The wire form of a stored head.
mend::v1::Head ToHead(const mend::v1::HeadRecord& record);

class AppendCommitter {
 public:
  // At most this many appends share one batch, so that one batch's latency
  // stays bounded under any load.
  static constexpr size_t kMaxBatch = 1024;

  // `quota_bytes`: the most entry bytes one couple may store.
  AppendCommitter(LogStore* store, CoupleLocks* locks, WatchHub* hub, uint64_t quota_bytes);
  // Commits everything already submitted, then stops.
  ~AppendCommitter();
  AppendCommitter(const AppendCommitter&) = delete;
  AppendCommitter& operator=(const AppendCommitter&) = delete;

  void Submit(PendingAppend append);

 private:
  void Run();
  void Commit(std::vector<PendingAppend>& batch);

  LogStore* const store_;
  CoupleLocks* const locks_;
  WatchHub* const hub_;
  const uint64_t quota_bytes_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingAppend> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace mend::server

#endif  // MEND_SERVER_APPEND_COMMITTER_H_
