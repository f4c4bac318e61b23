// The couple log on the server side: compare-and-swap appends that are
// fsynced before they are acknowledged, reads, and head lookups. The server
// checks what it can without the couple key (membership, header, author,
// signature, epoch, size, chain position); clients verify everything else.
// Thread-safe; appends of one couple are serialized by its lock, different
// couples proceed in parallel and share fsyncs through RocksDB group commit.
#ifndef MEND_SERVER_LOG_WRITER_H_
#define MEND_SERVER_LOG_WRITER_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "server/couple_locks.h"
#include "server/limits.h"
#include "server/log_store.h"
#include "server/rate_limiter.h"
#include "server/registry.h"
#include "server/watch_hub.h"

namespace mend::server {

class LogWriter {
 public:
  LogWriter(LogStore* store, Registry* registry, CoupleLocks* locks, WatchHub* hub,
            const ServerLimits& limits, Clock clock);

  // On a stale head, returns FailedPrecondition and sets *stale_head to the
  // current head (other FailedPrecondition answers leave it empty).
  absl::StatusOr<mend::v1::Head> Append(const Bytes& caller, const mend::v1::Entry& entry,
                                        std::optional<mend::v1::Head>* stale_head);
  absl::StatusOr<std::vector<Bytes>> Fetch(const Bytes& caller, const Bytes& couple_id,
                                           uint64_t after_seq, uint32_t limit);
  absl::StatusOr<mend::v1::Head> Head(const Bytes& caller, const Bytes& couple_id);

 private:
  // The head with the genesis prev hash filled in for an empty log.
  absl::StatusOr<mend::v1::Head> CurrentHead(const Bytes& couple_id);

  LogStore* const store_;
  Registry* const registry_;
  CoupleLocks* const locks_;
  WatchHub* const hub_;
  const ServerLimits limits_;
  RateLimiter append_rate_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_LOG_WRITER_H_
