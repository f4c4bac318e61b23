// LogStore: everything mendd keeps durably, behind a small interface so that a
// multi-tenant host could move couples onto another store. RocksDbLogStore is
// the embedded default. Implementations are thread-safe; the compare-and-swap
// on a couple's head is the caller's job (AppendCommitter holds the couples' locks).
#ifndef MEND_SERVER_LOG_STORE_H_
#define MEND_SERVER_LOG_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/secret_bytes.h"
#include "mend/v1/envelope.pb.h"
#include "mend/v1/service.pb.h"
#include "mend/v1/store.pb.h"

namespace mend::server {

using Bytes = std::string;

// A change to couple metadata applied atomically.
struct CoupleUpdate {
  std::optional<mend::v1::CoupleRecord> record;  // written when set
  std::vector<Bytes> index_members;              // member id -> couple id index entries to add
  std::vector<Bytes> unindex_members;            // member index entries to delete
  std::vector<Bytes> delete_invites;             // invite ids to delete
  std::optional<Bytes> consume_registration;     // registration code hash to delete
  std::optional<std::pair<Bytes, mend::v1::InviteRecord>> put_invite;  // invite id, record
  std::vector<mend::v1::KeyGrant> put_grants;                          // for record->couple_id()
};

// One entry to append and the head it makes.
struct EntryWrite {
  Bytes couple_id;
  uint64_t seq = 0;
  Bytes entry_bytes;
  mend::v1::HeadRecord new_head;
};

struct StoreStats {
  uint64_t couples = 0;
  uint64_t entries = 0;
  uint64_t invites = 0;
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  // 16 bytes, created on first open and fixed for the store's life.
  virtual const Bytes& server_id() const = 0;
  // 32 secret bytes, created on first open: the key of login challenges and
  // bearer tokens (Authenticator). Every node sharing the store shares it.
  virtual const crypto::SecretBytes& auth_key() const = 0;

  virtual absl::StatusOr<std::optional<mend::v1::CoupleRecord>> GetCouple(
      const Bytes& couple_id) = 0;
  virtual absl::StatusOr<std::optional<Bytes>> GetMemberCouple(const Bytes& member) = 0;
  virtual absl::StatusOr<std::optional<mend::v1::InviteRecord>> GetInvite(
      const Bytes& invite_id) = 0;
  virtual absl::Status Apply(const CoupleUpdate& update) = 0;

  // All grants of a couple for one member.
  virtual absl::StatusOr<std::vector<mend::v1::KeyGrant>> GetGrants(const Bytes& couple_id,
                                                                    const Bytes& member) = 0;

  // The head and the couple's stored bytes; {0, "", 0} for an empty log.
  virtual absl::StatusOr<mend::v1::HeadRecord> GetHead(const Bytes& couple_id) = 0;
  // Writes every entry and its new head in one synced batch: all or none, and
  // one fsync for the lot (group commit across couples).
  // REQUIRES: the caller holds the lock of each couple and checked its head.
  virtual absl::Status AppendEntries(const std::vector<EntryWrite>& writes) = 0;
  // Serialized entries with seq > after_seq, in order: at most `limit`, and
  // no more than `max_bytes` of them, except that the first is always
  // returned whatever its size.
  virtual absl::StatusOr<std::vector<Bytes>> ReadEntries(const Bytes& couple_id, uint64_t after_seq,
                                                         size_t limit, size_t max_bytes) = 0;

  virtual absl::Status AddRegistrationCode(const Bytes& code_hash) = 0;
  virtual absl::StatusOr<bool> HasRegistrationCode(const Bytes& code_hash) = 0;

  // Deletes invites that expired before `now_unix_ms`; returns how many.
  virtual absl::StatusOr<uint64_t> DeleteExpiredInvites(int64_t now_unix_ms) = 0;

  // Couples closed before `closed_before_unix_ms`.
  virtual absl::StatusOr<std::vector<Bytes>> ClosedCouples(int64_t closed_before_unix_ms) = 0;
  // Deletes every record of the couple in every column family; returns the number of entries
  // deleted.
  virtual absl::StatusOr<uint64_t> PurgeCouple(const Bytes& couple_id) = 0;
  // Number of keys of any kind that mention the couple (for tests of purge).
  virtual absl::StatusOr<uint64_t> CountCoupleKeys(const Bytes& couple_id) = 0;

  virtual absl::StatusOr<StoreStats> Stats() = 0;
  // A consistent copy of the store in `dir` (which must not exist).
  virtual absl::Status Checkpoint(const std::string& dir) = 0;
};

}  // namespace mend::server

#endif  // MEND_SERVER_LOG_STORE_H_
