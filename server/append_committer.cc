#include "server/append_committer.h"

#include <algorithm>
#include <functional>

#include "base/status_macros.h"
#include "crypto/entry_codec.h"
#include "fmt/format.h"

namespace mend::server {
namespace {

// Membership, closed log and key epoch: what may change under the couple's
// lock between the handler's checks and the write.
// `creator` is set to the member who created the couple (who writes entry 1).
absl::Status CheckMembership(const std::optional<mend::v1::CoupleRecord>& stored,
                             const PendingAppend& a, Bytes* creator) {
  ASSIGN_OR_RETURN(auto record, Registry::MemberRecordOf(stored, a.caller, false));
  if (record.closed()) {
    return absl::FailedPreconditionError("the couple's log is closed: a member has left");
  }
  // An epoch takes appends once every active member holds a grant for it:
  // an entry under a key its reader was never given could not be read.
  const mend::v1::EpochGrants* granted = nullptr;
  for (const auto& g : record.granted()) {
    if (g.epoch() == a.header.key_epoch()) granted = &g;
  }
  for (const auto& m : record.members()) {
    if (m.state() != mend::v1::MEMBER_STATE_ACTIVE) continue;
    if (granted == nullptr || std::find(granted->members().begin(), granted->members().end(),
                                        m.member()) == granted->members().end()) {
      return absl::FailedPreconditionError(fmt::format(
          "key epoch {} has no grant for every member yet: write the key grants for it first",
          a.header.key_epoch()));
    }
  }
  if (!record.members().empty()) *creator = record.members(0).member();
  return absl::OkStatus();
}

}  // namespace

mend::v1::Head ToHead(const mend::v1::HeadRecord& record) {
  mend::v1::Head head;
  head.set_seq(record.seq());
  head.set_hash(record.hash());
  return head;
}

AppendCommitter::AppendCommitter(LogStore* store, CoupleLocks* locks, WatchHub* hub,
                                 uint64_t quota_bytes)
    : store_(store), locks_(locks), hub_(hub), quota_bytes_(quota_bytes), thread_([this] {
        Run();
      }) {}

AppendCommitter::~AppendCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AppendCommitter::Submit(PendingAppend append) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(append));
  }
  cv_.notify_one();
}

void AppendCommitter::Run() {
  std::vector<PendingAppend> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      const size_t n = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    Commit(batch);
    batch.clear();
  }
}

void AppendCommitter::Commit(std::vector<PendingAppend>& batch) {
  // Every couple's lock, each once: membership changes of these couples wait
  // until the batch is durable. Only this thread ever holds more than one
  // couple lock, so the order cannot deadlock.
  std::vector<std::mutex*> couple_locks;
  for (const auto& a : batch) couple_locks.push_back(&locks_->For(a.header.couple_id()));
  std::sort(couple_locks.begin(), couple_locks.end(), std::less<std::mutex*>());
  couple_locks.erase(std::unique(couple_locks.begin(), couple_locks.end()), couple_locks.end());
  for (std::mutex* m : couple_locks) m->lock();

  std::vector<AppendResult> results(batch.size());
  std::vector<EntryWrite> writes;
  std::vector<size_t> written;  // indexes into batch
  // Every couple's record and head in one read (one round trip on a store
  // across a network); each head then moves with this batch's earlier entries.
  std::vector<Bytes> couple_ids;
  for (const auto& a : batch) {
    if (Registry::CheckCoupleId(a.header.couple_id()).ok()) {
      couple_ids.push_back(a.header.couple_id());
    }
  }
  std::sort(couple_ids.begin(), couple_ids.end());
  couple_ids.erase(std::unique(couple_ids.begin(), couple_ids.end()), couple_ids.end());
  auto states = store_->GetCoupleStates(couple_ids);
  for (size_t i = 0; i < batch.size(); ++i) {
    const PendingAppend& a = batch[i];
    const Bytes& couple_id = a.header.couple_id();
    if (!states.ok()) {
      results[i].head = states.status();
      continue;
    }
    auto state = states->find(couple_id);
    if (state == states->end()) {
      // Only an id of the wrong length is not looked up.
      absl::Status bad = Registry::CheckCoupleId(couple_id);
      results[i].head = bad.ok() ? absl::InternalError("the couple was not read") : bad;
      continue;
    }
    Bytes creator;
    if (absl::Status s = CheckMembership(state->second.record, a, &creator); !s.ok()) {
      results[i].head = s;
      continue;
    }
    state->second.head = WithGenesisPrevHash(std::move(state->second.head), couple_id);
    const mend::v1::HeadRecord& head = state->second.head;
    if (a.header.seq() != head.seq() + 1 || a.header.prev_hash() != head.hash()) {
      results[i].stale_head = ToHead(head);
      results[i].head = absl::FailedPreconditionError(
          fmt::format("stale head: the log is at seq {}; sync and rebuild the entry", head.seq()));
      continue;
    }
    // The inviter writes entry 1 (the Genesis): a joiner who wrote first
    // would wedge the couple for good.
    if (a.header.seq() == 1 && a.caller != creator) {
      results[i].head =
          absl::PermissionDeniedError("entry 1 is written by the partner who created the couple");
      continue;
    }
    const uint64_t stored = head.stored_bytes() + a.entry_bytes.size();
    if (stored > quota_bytes_) {
      results[i].head = absl::ResourceExhaustedError(
          fmt::format("this couple's log has reached the server's storage quota ({} MiB, [limits] "
                      "couple_quota_bytes); "
                      "export it, and ask the operator to raise the quota",
                      quota_bytes_ >> 20));
      continue;
    }
    mend::v1::HeadRecord new_head;
    new_head.set_seq(a.header.seq());
    new_head.set_hash(a.entry_hash);
    new_head.set_stored_bytes(stored);
    state->second.head = new_head;
    results[i].head = ToHead(new_head);
    writes.push_back({couple_id, a.header.seq(), a.header.prev_hash(),
                      std::move(batch[i].entry_bytes), new_head});
    written.push_back(i);
  }
  // The store checks each head again as it writes: here that is what the
  // couple locks already ensure; on a store several nodes share, it is what
  // keeps two entries from one seq.
  absl::StatusOr<std::vector<WriteOutcome>> durable =
      writes.empty() ? std::vector<WriteOutcome>{} : store_->AppendEntries(writes);
  for (std::mutex* m : couple_locks) m->unlock();

  for (size_t w = 0; w < written.size(); ++w) {
    const size_t i = written[w];
    if (!durable.ok()) {
      results[i].head = durable.status();
    } else if (!(*durable)[w].unread_head.ok()) {
      results[i].head = (*durable)[w].unread_head;
    } else if (!(*durable)[w].accepted) {
      const mend::v1::HeadRecord& current = (*durable)[w].current_head;
      results[i].stale_head = ToHead(current);
      results[i].head = absl::FailedPreconditionError(fmt::format(
          "stale head: the log is at seq {}; sync and rebuild the entry", current.seq()));
    } else {
      hub_->Notify(batch[i].header.couple_id(), batch[i].header.seq());
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

}  // namespace mend::server
