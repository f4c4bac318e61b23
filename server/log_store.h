// LogStore: everything mendd keeps durably, behind a small interface so that a
// multi-tenant host could move couples onto another store. RocksDbLogStore is
// the embedded default. Implementations are thread-safe, and the
// compare-and-swap on a couple's head is theirs (AppendEntries): a store that
// several mendd nodes share checks it where the data is, so no node's lock is
// what keeps two entries from one seq. tests/server/log_store_test.cc is the
// conformance suite every store passes.
#ifndef MEND_SERVER_LOG_STORE_H_
#define MEND_SERVER_LOG_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

// One entry to append, the head it builds on and the head it makes.
struct EntryWrite {
  Bytes couple_id;
  uint64_t seq = 0;  // must be the head's seq + 1
  Bytes prev_hash;   // must be the head's hash (GenesisPrevHash for an empty log)
  Bytes entry_bytes;
  mend::v1::HeadRecord new_head;
};

// What became of one EntryWrite.
struct WriteOutcome {
  bool accepted = false;
  // Not accepted: the couple's head it did not build on (the genesis prev
  // hash for an empty log)...
  mend::v1::HeadRecord current_head;
  // ...unless that head could not be read (after the batch committed): then
  // this says why, and the write is refused with it.
  absl::Status unread_head;
};

struct StoreStats {
  uint64_t couples = 0;
  uint64_t entries = 0;
  uint64_t invites = 0;
};

// Appends that other processes sharing the store (other mendd nodes) commit,
// as they commit: what lets a watch on one node see an entry written through
// another. Stops when destroyed.
class AppendFeed {
 public:
  virtual ~AppendFeed() = default;
};

struct AppendFeedCallbacks {
  // Couple `couple_id` now holds entries up to `seq`. On the feed's thread.
  std::function<void(const Bytes& couple_id, uint64_t seq)> appended;
  // Notifications may have been missed (the feed lost its connection and is
  // back): every watcher should read again from what it last delivered.
  std::function<void()> missed;
};

// What the append committer reads of a couple before it writes.
struct CoupleState {
  std::optional<mend::v1::CoupleRecord> record;  // nullopt: no such couple
  mend::v1::HeadRecord head;                     // as GetHead
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
  // The record and head of each of `couple_ids` (every id a key of the
  // answer), for the append committer: one call a batch, so that a store
  // across a network pays one round trip for the batch rather than two for
  // each append. The default asks GetCouple and GetHead for each.
  virtual absl::StatusOr<std::map<Bytes, CoupleState>> GetCoupleStates(
      const std::vector<Bytes>& couple_ids);
  // The compare-and-swap of appends. Each write is accepted only if it builds
  // on its couple's head as it stands when the store writes, counting the
  // earlier accepted writes of the same call; the accepted ones become
  // durable together (one synced batch or transaction: couples share a
  // commit), the others are not written and say which head they missed. One
  // outcome per write, in order. An error means none was written.
  virtual absl::StatusOr<std::vector<WriteOutcome>> AppendEntries(
      const std::vector<EntryWrite>& writes) = 0;
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

  // Remembers a login or destructive-call nonce as used until
  // `expires_unix_ms`, for every node: true when no one had used it. A store
  // only one process opens answers true (the Authenticator's cache there
  // sees every use); a store several nodes share remembers it.
  virtual absl::StatusOr<bool> ClaimNonce(const Bytes& /*nonce*/, int64_t /*expires_unix_ms*/) {
    return true;
  }

  // Whether this process runs the maintenance jobs (purging couples closed
  // for 30 days, deleting expired invites) now: on a store several nodes
  // share, one node at a time does, the one holding the store's maintenance
  // lock, which passes to another when that node stops or dies.
  virtual absl::StatusOr<bool> LeadMaintenance() { return true; }

  // Follows the appends other processes commit to this store; nullptr for a
  // store only one process opens (the in-process WatchHub sees every append).
  virtual absl::StatusOr<std::unique_ptr<AppendFeed>> FollowAppends(AppendFeedCallbacks) {
    return nullptr;
  }
};

// `head` as the next entry builds on it: an empty log's hash is the genesis
// prev hash of `couple_id`.
mend::v1::HeadRecord WithGenesisPrevHash(mend::v1::HeadRecord head, const Bytes& couple_id);
// The stored head, WithGenesisPrevHash: what the next entry's prev_hash must be.
absl::StatusOr<mend::v1::HeadRecord> CurrentHead(LogStore* store, const Bytes& couple_id);

}  // namespace mend::server

#endif  // MEND_SERVER_LOG_STORE_H_
