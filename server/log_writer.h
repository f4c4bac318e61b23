// The couple log on the server side: appends that are fsynced before they are
// acknowledged, reads, and head lookups. The server checks what it can
// without the couple key (membership, header, author, signature, epoch, size,
// chain position); clients verify everything else.
// Thread-safe. The cheap and the CPU-bound checks (the signature) run on the
// caller's thread; the compare-and-swap on the head and the durable write run
// on the AppendCommitter's thread, which shares one fsync among all couples.
#ifndef MEND_SERVER_LOG_WRITER_H_
#define MEND_SERVER_LOG_WRITER_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "server/append_committer.h"
#include "server/couple_locks.h"
#include "server/limits.h"
#include "server/log_store.h"
#include "server/rate_limiter.h"
#include "server/recent_members.h"
#include "server/registry.h"
#include "server/watch_hub.h"

namespace mend::server {

class LogWriter {
 public:
  LogWriter(LogStore* store, Registry* registry, CoupleLocks* locks, WatchHub* hub,
            const ServerLimits& limits, Clock clock);

  // Checks and appends `entry`; calls `done` exactly once, on this thread
  // when a check fails before the write, otherwise on the committer thread
  // once the entry is durable (or refused). On a stale head the result is
  // FailedPrecondition with stale_head set to the current head (other
  // FailedPrecondition answers leave it empty).
  void AppendAsync(const Bytes& caller, const mend::v1::Entry& entry, AppendDone done);
  // AppendAsync, waiting for the answer: for in-process callers (fuzzing).
  absl::StatusOr<mend::v1::Head> Append(const Bytes& caller, const mend::v1::Entry& entry,
                                        std::optional<mend::v1::Head>* stale_head);
  // Entries after `after_seq` for a member: at most `limit` (0: the server's
  // page) and `max_bytes` (0: the server's page), whichever is smaller.
  absl::StatusOr<std::vector<Bytes>> Fetch(const Bytes& caller, const Bytes& couple_id,
                                           uint64_t after_seq, uint32_t limit,
                                           uint32_t max_bytes = 0);
  absl::StatusOr<mend::v1::Head> Head(const Bytes& caller, const Bytes& couple_id);

 private:
  // The checks that need no lock; the pending append when they pass.
  absl::StatusOr<PendingAppend> Precheck(const Bytes& caller, const mend::v1::Entry& entry);

  LogStore* const store_;
  Registry* const registry_;
  const ServerLimits limits_;
  RateLimiter append_rate_;
  RecentMembers recent_members_;
  AppendCommitter committer_;  // last: stops (committing what is pending) first
};

}  // namespace mend::server

#endif  // MEND_SERVER_LOG_WRITER_H_
