// The PostgreSQL LogStore, for hosts that run several mendd nodes on one
// database (README "Scaling out"). Tables (schema version kSchemaVersion,
// created by Migrate):
//   meta                (key text, value bytea)   server_id, auth_key
//   couples             couple_id -> CoupleRecord bytes, closed_unix_ms
//   members             member -> couple_id
//   heads               couple_id -> seq, hash, stored_bytes
//   entries             (couple_id, seq) -> Entry bytes
//   invites             invite_id -> couple_id, InviteRecord bytes, expires_unix_ms
//   grants              (couple_id, epoch, member) -> KeyGrant bytes
//   registration_codes  BLAKE2b(code)
//   used_nonces         nonce -> expires_unix_ms (logins and destructive calls)
// The compare-and-swap of an append is one conditional UPDATE of the couple's
// head row inside the transaction that inserts the entry, and (couple_id, seq)
// is the entries' primary key: whichever nodes race, a seq is written once.
// Every change commits with synchronous_commit on (the server's default), so
// an acknowledged append is durable on the primary and, where a synchronous
// standby is configured, on the standby too.
#ifndef MEND_SERVER_POSTGRES_LOG_STORE_H_
#define MEND_SERVER_POSTGRES_LOG_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/log_store.h"

typedef struct pg_conn PGconn;

namespace mend::server {

class PostgresLogStore final : public LogStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // InvalidArgument when `conninfo` is empty, does not parse, or holds a
  // password: a password belongs in a password file (PGPASSFILE, or
  // passfile= in the conninfo), never on a command line, in a config or a log.
  static absl::Status CheckConninfo(const std::string& conninfo);
  // Brings the database at `conninfo` to kSchemaVersion (`mendd admin
  // migrate`). Idempotent; refuses a database whose schema is newer.
  static absl::Status Migrate(const std::string& conninfo);
  // Opens the store. InvalidArgument as CheckConninfo; FailedPrecondition
  // when the schema is missing, older
  // (migrate first) or newer (this mendd is older than the database).
  static absl::StatusOr<std::unique_ptr<PostgresLogStore>> Open(const std::string& conninfo);
  ~PostgresLogStore() override;

  const Bytes& server_id() const override { return server_id_; }
  const crypto::SecretBytes& auth_key() const override { return auth_key_; }
  absl::StatusOr<std::optional<mend::v1::CoupleRecord>> GetCouple(const Bytes& couple_id) override;
  absl::StatusOr<std::optional<Bytes>> GetMemberCouple(const Bytes& member) override;
  absl::StatusOr<std::optional<mend::v1::InviteRecord>> GetInvite(const Bytes& invite_id) override;
  absl::Status Apply(const CoupleUpdate& update) override;
  absl::StatusOr<std::vector<mend::v1::KeyGrant>> GetGrants(const Bytes& couple_id,
                                                            const Bytes& member) override;
  absl::StatusOr<mend::v1::HeadRecord> GetHead(const Bytes& couple_id) override;
  // One query for the whole batch (postgres_append.cc).
  absl::StatusOr<std::map<Bytes, CoupleState>> GetCoupleStates(
      const std::vector<Bytes>& couple_ids) override;
  // One round trip for the whole batch: every statement goes out in a libpq
  // pipeline, COMMIT included (postgres_append.cc).
  absl::StatusOr<std::vector<WriteOutcome>> AppendEntries(
      const std::vector<EntryWrite>& writes) override;
  absl::StatusOr<std::vector<Bytes>> ReadEntries(const Bytes& couple_id, uint64_t after_seq,
                                                 size_t limit, size_t max_bytes) override;
  // Also forgets the used nonces that have expired.
  absl::StatusOr<uint64_t> DeleteExpiredInvites(int64_t now_unix_ms) override;
  // A session advisory lock, held on a connection of its own for as long as
  // this store is open (PostgreSQL frees it when the connection ends).
  absl::StatusOr<bool> LeadMaintenance() override;
  absl::StatusOr<bool> ClaimNonce(const Bytes& nonce, int64_t expires_unix_ms) override;
  absl::Status AddRegistrationCode(const Bytes& code_hash) override;
  absl::StatusOr<bool> HasRegistrationCode(const Bytes& code_hash) override;
  absl::StatusOr<std::vector<Bytes>> ClosedCouples(int64_t closed_before_unix_ms) override;
  absl::StatusOr<uint64_t> PurgeCouple(const Bytes& couple_id) override;
  absl::StatusOr<uint64_t> CountCoupleKeys(const Bytes& couple_id) override;
  absl::StatusOr<StoreStats> Stats() override;
  // Unimplemented: a PostgreSQL store is backed up with PostgreSQL's own
  // tools (pg_dump, base backups), README "Scaling out".
  absl::Status Checkpoint(const std::string& dir) override;
  // One LISTEN connection on its own thread: every append committed through
  // any node NOTIFYs its couple and seq (in the committing transaction, so
  // only what is durable is announced). After a lost connection it says so
  // (`missed`) and listens again.
  absl::StatusOr<std::unique_ptr<AppendFeed>> FollowAppends(AppendFeedCallbacks callbacks) override;

 private:
  class Connection;
  class Lease;
  explicit PostgresLogStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  // After a connection lost around an append batch's COMMIT: what was
  // written, read back; `lost` when nothing was (postgres_append.cc).
  absl::StatusOr<std::vector<WriteOutcome>> ResolveLostCommit(const std::vector<EntryWrite>& writes,
                                                              std::optional<int64_t> xid,
                                                              const absl::Status& lost);
  // A connection from the pool (a new one when none is idle).
  absl::StatusOr<Lease> Acquire();
  void Release(PGconn* conn);
  void Close(PGconn* conn);
  // The meta value under `key`, or a fresh random one of `random_bytes`.
  absl::StatusOr<Bytes> GetOrCreateMeta(const std::string& key, size_t random_bytes);

  const std::string conninfo_;
  std::mutex pool_mu_;
  std::vector<PGconn*> idle_;
  // Pooled connections holding the append statements (prepared on a
  // connection's first batch; forgotten when it is closed).
  std::set<PGconn*> prepared_;
  Bytes server_id_;
  crypto::SecretBytes auth_key_;
  std::mutex maintenance_mu_;
  PGconn* maintenance_conn_ = nullptr;  // holds the maintenance lock once taken
  bool leading_ = false;
};

// A pooled connection, back to the pool (or closed, when broken or inside a
// failed transaction) when it goes out of scope.
class PostgresLogStore::Lease {
 public:
  Lease(PostgresLogStore* store, PGconn* conn) : store_(store), conn_(conn) {}
  Lease(Lease&& other) noexcept
      : store_(other.store_), conn_(std::exchange(other.conn_, nullptr)) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (conn_ != nullptr) store_->Release(conn_);
  }
  PGconn* get() const { return conn_; }
  // Closes the connection instead of pooling it (after a failed pipeline,
  // whose prepared statements and state are not worth trusting).
  void Discard() {
    if (conn_ != nullptr) store_->Close(std::exchange(conn_, nullptr));
  }

 private:
  PostgresLogStore* store_;
  PGconn* conn_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_POSTGRES_LOG_STORE_H_
