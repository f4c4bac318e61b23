// The embedded RocksDB LogStore. Column families (PROTOCOL.md is silent on
// server storage; this is the layout):
//   couples  couple_id -> CoupleRecord
//   members  member id -> couple_id
//   entries  couple_id || u64be(seq) -> Entry bytes
//   heads    couple_id -> HeadRecord
//   invites  invite_id -> InviteRecord
//   grants   couple_id || u32be(epoch) || member -> KeyGrant
//   meta     "server_id" -> 16 bytes; "auth_key" -> 32 secret bytes;
//            "reg/" || BLAKE2b(code) -> ""
#ifndef MEND_SERVER_ROCKSDB_LOG_STORE_H_
#define MEND_SERVER_ROCKSDB_LOG_STORE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/log_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace mend::server {

class RocksDbLogStore final : public LogStore {
 public:
  // Opens (creating when missing) the store in `dir`.
  static absl::StatusOr<std::unique_ptr<RocksDbLogStore>> Open(const std::string& dir);
  ~RocksDbLogStore() override;

  const Bytes& server_id() const override { return server_id_; }
  const crypto::SecretBytes& auth_key() const override { return auth_key_; }
  absl::StatusOr<std::optional<mend::v1::CoupleRecord>> GetCouple(const Bytes& couple_id) override;
  absl::StatusOr<std::optional<Bytes>> GetMemberCouple(const Bytes& member) override;
  absl::StatusOr<std::optional<mend::v1::InviteRecord>> GetInvite(const Bytes& invite_id) override;
  absl::Status Apply(const CoupleUpdate& update) override;
  absl::StatusOr<std::vector<mend::v1::KeyGrant>> GetGrants(const Bytes& couple_id,
                                                            const Bytes& member) override;
  absl::StatusOr<mend::v1::HeadRecord> GetHead(const Bytes& couple_id) override;
  absl::StatusOr<std::vector<WriteOutcome>> AppendEntries(
      const std::vector<EntryWrite>& writes) override;
  absl::StatusOr<std::vector<Bytes>> ReadEntries(const Bytes& couple_id, uint64_t after_seq,
                                                 size_t limit, size_t max_bytes) override;
  absl::StatusOr<uint64_t> DeleteExpiredInvites(int64_t now_unix_ms) override;
  absl::Status AddRegistrationCode(const Bytes& code_hash) override;
  absl::StatusOr<bool> HasRegistrationCode(const Bytes& code_hash) override;
  absl::StatusOr<std::vector<Bytes>> ClosedCouples(int64_t closed_before_unix_ms) override;
  absl::StatusOr<uint64_t> PurgeCouple(const Bytes& couple_id) override;
  absl::StatusOr<uint64_t> CountCoupleKeys(const Bytes& couple_id) override;
  absl::StatusOr<StoreStats> Stats() override;
  absl::Status Checkpoint(const std::string& dir) override;

  // Flushes the memtables and waits until no compaction is pending or
  // running: the steady state of a long-lived store, for benchmarks that
  // load a large history and then measure.
  absl::Status Settle();

 private:
  enum Family {
    kDefault,
    kCouples,
    kMembers,
    kEntries,
    kHeads,
    kInvites,
    kGrants,
    kMeta,
    kFamilies
  };

  RocksDbLogStore() = default;
  // The meta value under `key`, or a fresh random one of `random_bytes`, written durably.
  absl::StatusOr<Bytes> GetOrCreateMeta(std::string_view key, size_t random_bytes);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  Bytes server_id_;
  crypto::SecretBytes auth_key_;
  std::mutex append_mu_;  // AppendEntries: a head's read and its move, together
};

}  // namespace mend::server

#endif  // MEND_SERVER_ROCKSDB_LOG_STORE_H_
