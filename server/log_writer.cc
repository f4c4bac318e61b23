#include "server/log_writer.h"

#include <algorithm>
#include <mutex>

#include "crypto/entry_codec.h"
#include "crypto/status_macros.h"
#include "fmt/format.h"

namespace mend::server {

LogWriter::LogWriter(LogStore* store, Registry* registry, CoupleLocks* locks, WatchHub* hub,
                     const ServerLimits& limits, Clock clock)
    : store_(store),
      registry_(registry),
      locks_(locks),
      hub_(hub),
      limits_(limits),
      append_rate_(limits.append_rate_per_second, limits.append_burst, std::move(clock)) {}

absl::StatusOr<mend::v1::Head> LogWriter::CurrentHead(const Bytes& couple_id) {
  ASSIGN_OR_RETURN(mend::v1::Head head, store_->GetHead(couple_id));
  if (head.seq() == 0) head.set_hash(crypto::GenesisPrevHash(couple_id));
  return head;
}

absl::StatusOr<mend::v1::Head> LogWriter::Append(const Bytes& caller, const mend::v1::Entry& entry,
                                                 std::optional<mend::v1::Head>* stale_head) {
  const size_t size = entry.ByteSizeLong();
  if (size > limits_.max_entry_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("entry is {} bytes; the limit is {}", size, limits_.max_entry_bytes));
  }
  mend::v1::EntryHeader header;
  if (auto failure = crypto::ParseHeader(entry, 0, &header)) {
    return absl::InvalidArgumentError(fmt::format("bad entry header: {}", failure->detail));
  }
  if (header.seq() == 0) return absl::InvalidArgumentError("bad entry header: seq must be at least 1");
  if (header.author() != caller) {
    return absl::PermissionDeniedError("the entry's author must be the logged-in member");
  }
  if (!append_rate_.Allow(caller)) {
    return absl::ResourceExhaustedError("too many appends; slow down and retry in a few seconds");
  }
  const Bytes& couple_id = header.couple_id();
  // Check the signature before taking the couple's lock: it is the costly part.
  if (!crypto::EntrySignatureValid(entry, caller)) {
    return absl::InvalidArgumentError("the entry's signature does not verify");
  }
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, registry_->MemberRecord(caller, couple_id, false));
  if (record.closed()) {
    return absl::FailedPreconditionError("the couple's log is closed: a member has left");
  }
  const auto& epochs = record.epochs();
  if (std::find(epochs.begin(), epochs.end(), header.key_epoch()) == epochs.end()) {
    return absl::FailedPreconditionError(
        fmt::format("unknown key epoch {}: write the key grants for it first", header.key_epoch()));
  }
  ASSIGN_OR_RETURN(mend::v1::Head head, CurrentHead(couple_id));
  if (header.seq() != head.seq() + 1 || header.prev_hash() != head.hash()) {
    *stale_head = head;
    return absl::FailedPreconditionError(fmt::format(
        "stale head: the log is at seq {}; sync and rebuild the entry", head.seq()));
  }
  mend::v1::Head new_head;
  new_head.set_seq(header.seq());
  new_head.set_hash(crypto::EntryHash(entry.header(), entry.ciphertext()));
  RETURN_IF_ERROR(store_->AppendEntry(couple_id, header.seq(), entry.SerializeAsString(), new_head));
  hub_->Notify(couple_id, new_head.seq());
  return new_head;
}

absl::StatusOr<std::vector<Bytes>> LogWriter::Fetch(const Bytes& caller, const Bytes& couple_id,
                                                    uint64_t after_seq, uint32_t limit) {
  RETURN_IF_ERROR(registry_->MemberRecord(caller, couple_id, true).status());
  uint32_t page = limit == 0 ? limits_.max_fetch_page : std::min(limit, limits_.max_fetch_page);
  return store_->ReadEntries(couple_id, after_seq, page);
}

absl::StatusOr<mend::v1::Head> LogWriter::Head(const Bytes& caller, const Bytes& couple_id) {
  RETURN_IF_ERROR(registry_->MemberRecord(caller, couple_id, true).status());
  return CurrentHead(couple_id);
}

}  // namespace mend::server
