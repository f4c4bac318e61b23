#include "server/rocksdb_log_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>

#include <chrono>
#include <thread>
#include <unordered_map>

#include "base/big_endian.h"
#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "fmt/format.h"

namespace mend::server {
namespace {

const char* const kFamilyNames[] = {"default", "couples", "members", "entries",
                                    "heads",   "invites", "grants",  "meta"};
constexpr std::string_view kServerIdKey = "server_id";
constexpr std::string_view kAuthKeyKey = "auth_key";
constexpr std::string_view kRegistrationPrefix = "reg/";

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string message = fmt::format("storage: {}: {}", what, s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsIOError() && s.subcode() == rocksdb::Status::kNoSpace) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::UnavailableError(message);
}

Bytes EntryKey(const Bytes& couple_id, uint64_t seq) {
  Bytes key = couple_id;
  base::AppendU64(&key, seq);
  return key;
}

template <typename Message>
absl::StatusOr<std::optional<Message>> GetMessage(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                  const Bytes& key, std::string_view what) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, what));
  Message m;
  if (!m.ParseFromString(value))
    return absl::DataLossError(fmt::format("storage: {} record does not parse", what));
  return m;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbLogStore>> RocksDbLogStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Acknowledged means fsynced: every write that matters uses sync = true, and
  // the WAL is never disabled. Concurrent synced writes share fsyncs through
  // RocksDB's group commit.
  options.enable_pipelined_write = true;
  options.IncreaseParallelism(2);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kFamilyNames) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  auto store = std::unique_ptr<RocksDbLogStore>(new RocksDbLogStore());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &store->handles_, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::FailedPreconditionError(
          fmt::format("the data directory {} is in use by another mendd (RocksDB lock held)", dir));
    }
    return FromRocks(s, "open " + dir);
  }
  store->db_.reset(raw);
  ASSIGN_OR_RETURN(store->server_id_, store->GetOrCreateMeta(kServerIdKey, 16));
  ASSIGN_OR_RETURN(std::string auth_key, store->GetOrCreateMeta(kAuthKeyKey, 32));
  store->auth_key_ = crypto::SecretBytes::CopyOf(auth_key);
  sodium_memzero(auth_key.data(), auth_key.size());
  return store;
}

absl::StatusOr<Bytes> RocksDbLogStore::GetOrCreateMeta(std::string_view key, size_t random_bytes) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], std::string(key), &value);
  if (s.IsNotFound()) {
    value = crypto::RandomBytes(random_bytes);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    RETURN_IF_ERROR(FromRocks(db_->Put(wo, handles_[kMeta], std::string(key), value),
                              fmt::format("write {}", key)));
    return value;
  }
  RETURN_IF_ERROR(FromRocks(s, fmt::format("read {}", key)));
  if (value.size() != random_bytes)
    return absl::DataLossError(fmt::format("storage: {} has the wrong length", key));
  return value;
}

RocksDbLogStore::~RocksDbLogStore() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::StatusOr<std::optional<mend::v1::CoupleRecord>> RocksDbLogStore::GetCouple(
    const Bytes& couple_id) {
  return GetMessage<mend::v1::CoupleRecord>(db_.get(), handles_[kCouples], couple_id, "couple");
}

absl::StatusOr<std::optional<Bytes>> RocksDbLogStore::GetMemberCouple(const Bytes& member) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMembers], member, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "member"));
  return value;
}

absl::StatusOr<std::optional<mend::v1::InviteRecord>> RocksDbLogStore::GetInvite(
    const Bytes& invite_id) {
  return GetMessage<mend::v1::InviteRecord>(db_.get(), handles_[kInvites], invite_id, "invite");
}

absl::Status RocksDbLogStore::Apply(const CoupleUpdate& update) {
  rocksdb::WriteBatch batch;
  if (update.record) {
    const Bytes& id = update.record->couple_id();
    batch.Put(handles_[kCouples], id, update.record->SerializeAsString());
    for (const Bytes& member : update.index_members) batch.Put(handles_[kMembers], member, id);
    for (const Bytes& member : update.unindex_members) batch.Delete(handles_[kMembers], member);
    for (const auto& grant : update.put_grants) {
      Bytes key = id;
      base::AppendU32(&key, grant.epoch());
      key += grant.member();
      batch.Put(handles_[kGrants], key, grant.SerializeAsString());
    }
  }
  for (const Bytes& invite_id : update.delete_invites) batch.Delete(handles_[kInvites], invite_id);
  if (update.put_invite) {
    batch.Put(handles_[kInvites], update.put_invite->first,
              update.put_invite->second.SerializeAsString());
  }
  if (update.consume_registration) {
    batch.Delete(handles_[kMeta], Bytes(kRegistrationPrefix) + *update.consume_registration);
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "write couple update");
}

absl::StatusOr<std::vector<mend::v1::KeyGrant>> RocksDbLogStore::GetGrants(const Bytes& couple_id,
                                                                           const Bytes& member) {
  std::vector<mend::v1::KeyGrant> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kGrants]));
  for (it->Seek(couple_id); it->Valid() && it->key().starts_with(couple_id); it->Next()) {
    mend::v1::KeyGrant grant;
    if (!grant.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("storage: grant record does not parse");
    }
    if (grant.member() == member) out.push_back(std::move(grant));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "read grants"));
  return out;
}

absl::StatusOr<mend::v1::HeadRecord> RocksDbLogStore::GetHead(const Bytes& couple_id) {
  ASSIGN_OR_RETURN(
      auto head, GetMessage<mend::v1::HeadRecord>(db_.get(), handles_[kHeads], couple_id, "head"));
  return head.value_or(mend::v1::HeadRecord());
}

absl::StatusOr<std::vector<WriteOutcome>> RocksDbLogStore::AppendEntries(
    const std::vector<EntryWrite>& writes) {
  // One call at a time, so that no write lands between a head's read and
  // the batch that moves it (mendd has one committer thread: it never waits).
  std::lock_guard lock(append_mu_);
  std::vector<WriteOutcome> outcomes(writes.size());
  std::unordered_map<Bytes, mend::v1::HeadRecord> heads;  // with this call's accepted writes
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < writes.size(); ++i) {
    const EntryWrite& w = writes[i];
    auto head = heads.find(w.couple_id);
    if (head == heads.end()) {
      ASSIGN_OR_RETURN(mend::v1::HeadRecord stored, CurrentHead(this, w.couple_id));
      head = heads.emplace(w.couple_id, std::move(stored)).first;
    }
    if (w.seq != head->second.seq() + 1 || w.prev_hash != head->second.hash()) {
      outcomes[i].current_head = head->second;
      continue;
    }
    outcomes[i].accepted = true;
    head->second = w.new_head;
    batch.Put(handles_[kEntries], EntryKey(w.couple_id, w.seq), w.entry_bytes);
    // A later write of the same couple in the batch overwrites this head.
    batch.Put(handles_[kHeads], w.couple_id, w.new_head.SerializeAsString());
  }
  if (batch.Count() == 0) return outcomes;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "append entry"));
  return outcomes;
}

absl::StatusOr<std::vector<Bytes>> RocksDbLogStore::ReadEntries(const Bytes& couple_id,
                                                                uint64_t after_seq, size_t limit,
                                                                size_t max_bytes) {
  std::vector<Bytes> out;
  size_t bytes = 0;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kEntries]));
  for (it->Seek(EntryKey(couple_id, after_seq + 1));
       it->Valid() && it->key().starts_with(couple_id) && out.size() < limit; it->Next()) {
    if (!out.empty() && bytes + it->value().size() > max_bytes) break;
    bytes += it->value().size();
    out.emplace_back(it->value().ToString());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "read entries"));
  return out;
}

absl::Status RocksDbLogStore::AddRegistrationCode(const Bytes& code_hash) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, handles_[kMeta], Bytes(kRegistrationPrefix) + code_hash, ""),
                   "add registration code");
}

absl::StatusOr<bool> RocksDbLogStore::HasRegistrationCode(const Bytes& code_hash) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta],
                               Bytes(kRegistrationPrefix) + code_hash, &value);
  if (s.IsNotFound()) return false;
  RETURN_IF_ERROR(FromRocks(s, "registration code"));
  return true;
}

absl::StatusOr<uint64_t> RocksDbLogStore::DeleteExpiredInvites(int64_t now_unix_ms) {
  rocksdb::WriteBatch batch;
  uint64_t deleted = 0;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kInvites]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    mend::v1::InviteRecord invite;
    if (!invite.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        invite.expires_unix_ms() <= now_unix_ms) {
      batch.Delete(handles_[kInvites], it->key());
      ++deleted;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scan invites"));
  if (deleted == 0) return deleted;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "delete expired invites"));
  return deleted;
}

absl::StatusOr<std::vector<Bytes>> RocksDbLogStore::ClosedCouples(int64_t closed_before_unix_ms) {
  std::vector<Bytes> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kCouples]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    mend::v1::CoupleRecord record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (record.closed() && record.closed_unix_ms() < closed_before_unix_ms) {
      out.push_back(record.couple_id());
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scan couples"));
  return out;
}

absl::StatusOr<uint64_t> RocksDbLogStore::PurgeCouple(const Bytes& couple_id) {
  rocksdb::WriteBatch batch;
  uint64_t entries = 0;
  ASSIGN_OR_RETURN(auto record, GetCouple(couple_id));
  if (record) {
    for (const auto& m : record->members()) batch.Delete(handles_[kMembers], m.member());
    for (const auto& invite : record->open_invites())
      batch.Delete(handles_[kInvites], invite.invite_id());
  }
  batch.Delete(handles_[kCouples], couple_id);
  batch.Delete(handles_[kHeads], couple_id);
  for (Family f : {kEntries, kGrants}) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[f]));
    for (it->Seek(couple_id); it->Valid() && it->key().starts_with(couple_id); it->Next()) {
      batch.Delete(handles_[f], it->key());
      if (f == kEntries) ++entries;
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "scan for purge"));
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "purge couple"));
  return entries;
}

absl::StatusOr<uint64_t> RocksDbLogStore::CountCoupleKeys(const Bytes& couple_id) {
  uint64_t count = 0;
  for (int f = kCouples; f < kFamilies; ++f) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().ToString().find(couple_id) != std::string::npos ||
          it->value().ToString().find(couple_id) != std::string::npos) {
        ++count;
      }
    }
  }
  return count;
}

absl::StatusOr<StoreStats> RocksDbLogStore::Stats() {
  StoreStats stats;
  auto count = [&](Family f) {
    uint64_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  };
  stats.couples = count(kCouples);
  stats.entries = count(kEntries);
  stats.invites = count(kInvites);
  return stats;
}

absl::Status RocksDbLogStore::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "create checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(dir), "write checkpoint to " + dir);
}

absl::Status RocksDbLogStore::Settle() {
  RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_), "flush"));
  for (int waited_ms = 0; waited_ms < 300'000; waited_ms += 100) {
    uint64_t pending = 0, running = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kCompactionPending, &pending);
    db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
    if (pending == 0 && running == 0) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError("compactions still running after 5 minutes");
}

}  // namespace mend::server
