#include "server/log_writer.h"

#include <algorithm>
#include <future>

#include "base/status_macros.h"
#include "crypto/entry_codec.h"
#include "fmt/format.h"

namespace mend::server {

LogWriter::LogWriter(LogStore* store, Registry* registry, CoupleLocks* locks, WatchHub* hub,
                     const ServerLimits& limits, Clock clock)
    : store_(store),
      registry_(registry),
      limits_(limits),
      append_rate_(limits.append_rate_per_second, limits.append_burst, limits.max_rate_keys, clock),
      recent_members_(clock),
      committer_(store, locks, hub, limits.couple_quota_bytes) {}

absl::StatusOr<PendingAppend> LogWriter::Precheck(const Bytes& caller,
                                                  const mend::v1::Entry& entry) {
  const size_t size = entry.ByteSizeLong();
  if (size > limits_.max_entry_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("entry is {} bytes; the limit is {}", size, limits_.max_entry_bytes));
  }
  PendingAppend pending;
  if (auto failure = crypto::ParseHeader(entry, 0, &pending.header)) {
    return absl::InvalidArgumentError(fmt::format("bad entry header: {}", failure->detail));
  }
  if (pending.header.seq() == 0)
    return absl::InvalidArgumentError("bad entry header: seq must be at least 1");
  if (pending.header.author() != caller) {
    return absl::PermissionDeniedError("the entry's author must be the logged-in member");
  }
  if (!append_rate_.Allow(caller)) {
    return absl::ResourceExhaustedError("too many appends; slow down and retry in a few seconds");
  }
  // Members only, before the signature check and the committer's lock. The
  // committer checks again, under the lock, where it cannot change; this
  // early check may use what the store said a few seconds ago
  // (RecentMembers), which spares a store read per append.
  const Bytes& couple_id = pending.header.couple_id();
  if (!recent_members_.Contains(caller, couple_id)) {
    RETURN_IF_ERROR(registry_->MemberRecord(caller, couple_id, false).status());
    recent_members_.Add(caller, couple_id);
  }
  // The costly check, here on the handler's thread so that signatures are
  // verified in parallel and never while a couple's lock is held.
  pending.entry_hash = crypto::EntryHash(entry.header(), entry.ciphertext());
  if (!crypto::EntrySignatureValid(entry, caller, pending.entry_hash)) {
    return absl::InvalidArgumentError("the entry's signature does not verify");
  }
  pending.caller = caller;
  pending.entry_bytes = entry.SerializeAsString();
  return pending;
}

void LogWriter::AppendAsync(const Bytes& caller, const mend::v1::Entry& entry, AppendDone done) {
  auto pending = Precheck(caller, entry);
  if (!pending.ok()) {
    done(AppendResult{pending.status(), std::nullopt});
    return;
  }
  pending->done = std::move(done);
  committer_.Submit(*std::move(pending));
}

absl::StatusOr<mend::v1::Head> LogWriter::Append(const Bytes& caller, const mend::v1::Entry& entry,
                                                 std::optional<mend::v1::Head>* stale_head) {
  std::promise<AppendResult> answer;
  auto result = answer.get_future();
  AppendAsync(caller, entry, [&answer](AppendResult r) { answer.set_value(std::move(r)); });
  AppendResult r = result.get();
  *stale_head = r.stale_head;
  return r.head;
}

absl::StatusOr<std::vector<Bytes>> LogWriter::Fetch(const Bytes& caller, const Bytes& couple_id,
                                                    uint64_t after_seq, uint32_t limit,
                                                    uint32_t max_bytes) {
  RETURN_IF_ERROR(registry_->MemberRecord(caller, couple_id, true).status());
  const uint32_t page =
      limit == 0 ? limits_.max_fetch_page : std::min(limit, limits_.max_fetch_page);
  const uint32_t bytes = max_bytes == 0 ? limits_.max_fetch_page_bytes
                                        : std::min(max_bytes, limits_.max_fetch_page_bytes);
  return store_->ReadEntries(couple_id, after_seq, page, bytes);
}

absl::StatusOr<mend::v1::Head> LogWriter::Head(const Bytes& caller, const Bytes& couple_id) {
  RETURN_IF_ERROR(registry_->MemberRecord(caller, couple_id, true).status());
  ASSIGN_OR_RETURN(mend::v1::HeadRecord head, CurrentHead(store_, couple_id));
  return ToHead(head);
}

}  // namespace mend::server
