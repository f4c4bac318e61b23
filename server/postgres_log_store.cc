#include "server/postgres_log_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "base/big_endian.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "crypto/entry_codec.h"
#include "fmt/format.h"
#include "server/postgres_sql.h"

namespace mend::server {
namespace {

using pg::Bin;
using pg::Connect;
using pg::ErrorOf;
using pg::Exec;
using pg::ExecScript;
using pg::GetBytes;
using pg::GetInt;
using pg::Int;
using pg::Param;
using pg::Result;
using pg::RowsAffected;

// Serializes concurrent `mendd admin migrate` runs (pg_advisory_xact_lock).
constexpr int64_t kMigrationLock = 0x6d656e64;  // "mend"

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE couples (couple_id bytea PRIMARY KEY, record bytea NOT NULL, closed_unix_ms bigint);
CREATE TABLE members (member bytea PRIMARY KEY, couple_id bytea NOT NULL);
CREATE INDEX members_by_couple ON members (couple_id);
CREATE TABLE heads (couple_id bytea PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL,
                    stored_bytes bigint NOT NULL);
CREATE TABLE entries (couple_id bytea NOT NULL, seq bigint NOT NULL, entry bytea NOT NULL,
                      PRIMARY KEY (couple_id, seq));
CREATE TABLE invites (invite_id bytea PRIMARY KEY, couple_id bytea NOT NULL, record bytea NOT NULL,
                      expires_unix_ms bigint NOT NULL);
CREATE INDEX invites_by_couple ON invites (couple_id);
CREATE INDEX invites_by_expiry ON invites (expires_unix_ms);
CREATE TABLE grants (couple_id bytea NOT NULL, epoch bigint NOT NULL, member bytea NOT NULL,
                     grant_bytes bytea NOT NULL, PRIMARY KEY (couple_id, epoch, member));
CREATE TABLE registration_codes (code_hash bytea PRIMARY KEY);
CREATE TABLE used_nonces (nonce bytea PRIMARY KEY, expires_unix_ms bigint NOT NULL);
)sql";

// The schema version recorded in the database; 0 when it has none.
absl::StatusOr<int> SchemaVersion(PGconn* conn) {
  ASSIGN_OR_RETURN(Result exists, Exec(conn, "SELECT to_regclass('schema_version') IS NOT NULL"));
  if (PQgetvalue(exists.get(), 0, 0)[0] == 0) return 0;
  ASSIGN_OR_RETURN(Result v,
                   Exec(conn, "SELECT coalesce(max(version), 0)::bigint FROM schema_version"));
  return static_cast<int>(GetInt(v.get(), 0, 0));
}

// A database written by a newer mendd: this one must not touch it.
absl::Status NewerSchema(int version) {
  return absl::FailedPreconditionError(
      fmt::format("the database has mend schema version {}, newer than this mendd's {}: upgrade "
                  "mendd",
                  version, PostgresLogStore::kSchemaVersion));
}

// The one row of `sql` (one bytea column, keyed by $1) parsed as a Message;
// nullopt when there is none.
template <typename Message>
absl::StatusOr<std::optional<Message>> ReadRecord(PGconn* conn, const char* sql, const Bytes& key,
                                                  const char* what) {
  ASSIGN_OR_RETURN(Result r, Exec(conn, sql, {Bin(key)}));
  if (PQntuples(r.get()) == 0) return std::nullopt;
  Message message;
  if (!message.ParseFromString(GetBytes(r.get(), 0, 0)))
    return absl::DataLossError(fmt::format("{} in PostgreSQL does not parse", what));
  return message;
}

}  // namespace

absl::Status PostgresLogStore::CheckConninfo(const std::string& conninfo) {
  if (conninfo.empty()) {
    return absl::InvalidArgumentError(
        "the PostgreSQL store needs a connection string (--postgres, or [store] postgres)");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    std::replace(message.begin(), message.end(), '\n', ' ');
    return absl::InvalidArgumentError("the PostgreSQL connection string does not parse: " +
                                      message);
  }
  bool password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && o->val[0] != 0)
      password = true;
  }
  PQconninfoFree(options);
  if (password) {
    return absl::InvalidArgumentError(
        "the PostgreSQL connection string holds a password: put it in a password file "
        "(PGPASSFILE, or passfile=FILE in the connection string), so that it is on no command "
        "line, in no config and in no log");
  }
  return absl::OkStatus();
}

absl::Status PostgresLogStore::Migrate(const std::string& conninfo) {
  RETURN_IF_ERROR(CheckConninfo(conninfo));
  ASSIGN_OR_RETURN(PGconn * raw, Connect(conninfo));
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(raw, &PQfinish);
  RETURN_IF_ERROR(Exec(conn.get(), "BEGIN").status());
  RETURN_IF_ERROR(
      Exec(conn.get(), "SELECT pg_advisory_xact_lock($1::bigint)", {Int(kMigrationLock)}).status());
  ASSIGN_OR_RETURN(int version, SchemaVersion(conn.get()));
  if (version > kSchemaVersion) {
    return NewerSchema(version);
  }
  if (version < 1) {
    RETURN_IF_ERROR(
        Exec(conn.get(), "CREATE TABLE schema_version (version integer NOT NULL)").status());
    RETURN_IF_ERROR(ExecScript(conn.get(), kSchemaV1));
    RETURN_IF_ERROR(Exec(conn.get(), "INSERT INTO schema_version VALUES (1)").status());
  }
  return Exec(conn.get(), "COMMIT").status();
}

absl::StatusOr<std::unique_ptr<PostgresLogStore>> PostgresLogStore::Open(
    const std::string& conninfo) {
  RETURN_IF_ERROR(CheckConninfo(conninfo));
  auto store = std::unique_ptr<PostgresLogStore>(new PostgresLogStore(conninfo));
  {
    ASSIGN_OR_RETURN(Lease conn, store->Acquire());
    ASSIGN_OR_RETURN(int version, SchemaVersion(conn.get()));
    if (version == 0) {
      return absl::FailedPreconditionError(
          "the database has no mend schema yet: run `mendd admin migrate` first");
    }
    if (version < kSchemaVersion) {
      return absl::FailedPreconditionError(fmt::format(
          "the database has mend schema version {}, older than this mendd's {}: run `mendd admin "
          "migrate`",
          version, kSchemaVersion));
    }
    if (version > kSchemaVersion) {
      return NewerSchema(version);
    }
  }
  ASSIGN_OR_RETURN(store->server_id_, store->GetOrCreateMeta("server_id", 16));
  ASSIGN_OR_RETURN(Bytes key, store->GetOrCreateMeta("auth_key", 32));
  store->auth_key_ = crypto::SecretBytes::CopyOf(key);
  sodium_memzero(key.data(), key.size());
  return store;
}

PostgresLogStore::~PostgresLogStore() {
  for (PGconn* conn : idle_) PQfinish(conn);
  if (maintenance_conn_ != nullptr) PQfinish(maintenance_conn_);  // frees the lock
}

absl::StatusOr<bool> PostgresLogStore::LeadMaintenance() {
  constexpr int64_t kMaintenanceLock = 0x6d656e6401;
  std::lock_guard lock(maintenance_mu_);
  if (maintenance_conn_ != nullptr && PQstatus(maintenance_conn_) != CONNECTION_OK) {
    PQfinish(maintenance_conn_);  // the lock went with the connection
    maintenance_conn_ = nullptr;
    leading_ = false;
  }
  if (leading_) return true;
  if (maintenance_conn_ == nullptr) {
    ASSIGN_OR_RETURN(maintenance_conn_, Connect(conninfo_));
  }
  ASSIGN_OR_RETURN(Result r, Exec(maintenance_conn_, "SELECT pg_try_advisory_lock($1::bigint)",
                                  {Int(kMaintenanceLock)}));
  leading_ = PQgetvalue(r.get(), 0, 0)[0] != 0;
  return leading_;
}

absl::StatusOr<PostgresLogStore::Lease> PostgresLogStore::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_.empty()) {
      PGconn* conn = idle_.back();
      idle_.pop_back();
      return Lease(this, conn);
    }
  }
  ASSIGN_OR_RETURN(PGconn * conn, Connect(conninfo_));
  return Lease(this, conn);
}

void PostgresLogStore::Release(PGconn* conn) {
  if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE) {
    PQclear(PQexec(conn, "ROLLBACK"));
  }
  if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE ||
      PQpipelineStatus(conn) != PQ_PIPELINE_OFF) {
    Close(conn);
    return;
  }
  std::lock_guard lock(pool_mu_);
  idle_.push_back(conn);
}

void PostgresLogStore::Close(PGconn* conn) {
  {
    std::lock_guard lock(pool_mu_);
    prepared_.erase(conn);
  }
  PQfinish(conn);
}

absl::StatusOr<Bytes> PostgresLogStore::GetOrCreateMeta(const std::string& key,
                                                        size_t random_bytes) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  // Nodes starting together each offer a value; the first stored is everyone's.
  Bytes fresh = crypto::RandomBytes(random_bytes);
  RETURN_IF_ERROR(Exec(conn.get(),
                       "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                       {{key, false}, Bin(fresh)})
                      .status());
  sodium_memzero(fresh.data(), fresh.size());
  ASSIGN_OR_RETURN(Result r,
                   Exec(conn.get(), "SELECT value FROM meta WHERE key = $1", {{key, false}}));
  if (PQntuples(r.get()) != 1) return absl::InternalError("meta value " + key + " vanished");
  return GetBytes(r.get(), 0, 0);
}

absl::StatusOr<std::optional<mend::v1::CoupleRecord>> PostgresLogStore::GetCouple(
    const Bytes& couple_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return ReadRecord<mend::v1::CoupleRecord>(
      conn.get(), "SELECT record FROM couples WHERE couple_id = $1", couple_id, "a couple record");
}

absl::StatusOr<std::optional<Bytes>> PostgresLogStore::GetMemberCouple(const Bytes& member) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      Result r, Exec(conn.get(), "SELECT couple_id FROM members WHERE member = $1", {Bin(member)}));
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return GetBytes(r.get(), 0, 0);
}

absl::StatusOr<std::optional<mend::v1::InviteRecord>> PostgresLogStore::GetInvite(
    const Bytes& invite_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return ReadRecord<mend::v1::InviteRecord>(
      conn.get(), "SELECT record FROM invites WHERE invite_id = $1", invite_id, "an invite record");
}

absl::Status PostgresLogStore::Apply(const CoupleUpdate& update) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PGconn* c = conn.get();
  RETURN_IF_ERROR(Exec(c, "BEGIN").status());
  if (update.record) {
    const Bytes& id = update.record->couple_id();
    Param closed =
        update.record->closed() ? Int(update.record->closed_unix_ms()) : Param{"", false};
    RETURN_IF_ERROR(Exec(c,
                         "INSERT INTO couples (couple_id, record, closed_unix_ms) VALUES ($1, $2, "
                         "nullif($3, '')::bigint) ON CONFLICT (couple_id) DO UPDATE SET record = "
                         "excluded.record, closed_unix_ms = excluded.closed_unix_ms",
                         {Bin(id), Bin(update.record->SerializeAsString()), closed})
                        .status());
    for (const Bytes& member : update.index_members) {
      RETURN_IF_ERROR(Exec(c,
                           "INSERT INTO members (member, couple_id) VALUES ($1, $2) ON CONFLICT "
                           "(member) DO UPDATE SET couple_id = excluded.couple_id",
                           {Bin(member), Bin(id)})
                          .status());
    }
    for (const Bytes& member : update.unindex_members) {
      RETURN_IF_ERROR(Exec(c, "DELETE FROM members WHERE member = $1", {Bin(member)}).status());
    }
    for (const auto& grant : update.put_grants) {
      RETURN_IF_ERROR(
          Exec(c,
               "INSERT INTO grants (couple_id, epoch, member, grant_bytes) VALUES ($1, "
               "$2::bigint, $3, $4) ON CONFLICT (couple_id, epoch, member) DO UPDATE "
               "SET grant_bytes = excluded.grant_bytes",
               {Bin(id), Int(grant.epoch()), Bin(grant.member()), Bin(grant.SerializeAsString())})
              .status());
    }
  }
  for (const Bytes& invite_id : update.delete_invites) {
    RETURN_IF_ERROR(Exec(c, "DELETE FROM invites WHERE invite_id = $1", {Bin(invite_id)}).status());
  }
  if (update.put_invite) {
    const auto& [invite_id, invite] = *update.put_invite;
    RETURN_IF_ERROR(Exec(c,
                         "INSERT INTO invites (invite_id, couple_id, record, expires_unix_ms) "
                         "VALUES ($1, $2, $3, $4::bigint) ON CONFLICT (invite_id) DO UPDATE SET "
                         "couple_id = excluded.couple_id, record = excluded.record, "
                         "expires_unix_ms = excluded.expires_unix_ms",
                         {Bin(invite_id), Bin(invite.couple_id()), Bin(invite.SerializeAsString()),
                          Int(invite.expires_unix_ms())})
                        .status());
  }
  if (update.consume_registration) {
    RETURN_IF_ERROR(Exec(c, "DELETE FROM registration_codes WHERE code_hash = $1",
                         {Bin(*update.consume_registration)})
                        .status());
  }
  return Exec(c, "COMMIT").status();
}

absl::StatusOr<std::vector<mend::v1::KeyGrant>> PostgresLogStore::GetGrants(const Bytes& couple_id,
                                                                            const Bytes& member) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(Result r, Exec(conn.get(),
                                  "SELECT grant_bytes FROM grants WHERE couple_id = $1 AND member "
                                  "= $2 ORDER BY epoch",
                                  {Bin(couple_id), Bin(member)}));
  std::vector<mend::v1::KeyGrant> out(static_cast<size_t>(PQntuples(r.get())));
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    if (!out[static_cast<size_t>(i)].ParseFromString(GetBytes(r.get(), i, 0)))
      return absl::DataLossError("a key grant in PostgreSQL does not parse");
  }
  return out;
}

absl::StatusOr<std::vector<Bytes>> PostgresLogStore::ReadEntries(const Bytes& couple_id,
                                                                 uint64_t after_seq, size_t limit,
                                                                 size_t max_bytes) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(Result r, Exec(conn.get(),
                                  "SELECT entry FROM entries WHERE couple_id = $1 AND seq > "
                                  "$2::bigint ORDER BY seq LIMIT $3::bigint",
                                  {Bin(couple_id), Int(static_cast<int64_t>(after_seq)),
                                   Int(static_cast<int64_t>(std::min<size_t>(limit, INT32_MAX)))}));
  std::vector<Bytes> out;
  size_t bytes = 0;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    const size_t size = static_cast<size_t>(PQgetlength(r.get(), i, 0));
    if (!out.empty() && bytes + size > max_bytes) break;
    bytes += size;
    out.push_back(GetBytes(r.get(), i, 0));
  }
  return out;
}

absl::StatusOr<bool> PostgresLogStore::ClaimNonce(const Bytes& nonce, int64_t expires_unix_ms) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(Result r, Exec(conn.get(),
                                  "INSERT INTO used_nonces (nonce, expires_unix_ms) VALUES ($1, "
                                  "$2::bigint) ON CONFLICT (nonce) DO NOTHING",
                                  {Bin(nonce), Int(expires_unix_ms)}));
  return RowsAffected(r.get()) == 1;
}

absl::StatusOr<uint64_t> PostgresLogStore::DeleteExpiredInvites(int64_t now_unix_ms) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  RETURN_IF_ERROR(Exec(conn.get(), "DELETE FROM used_nonces WHERE expires_unix_ms <= $1::bigint",
                       {Int(now_unix_ms)})
                      .status());
  ASSIGN_OR_RETURN(Result r,
                   Exec(conn.get(), "DELETE FROM invites WHERE expires_unix_ms <= $1::bigint",
                        {Int(now_unix_ms)}));
  return RowsAffected(r.get());
}

absl::Status PostgresLogStore::AddRegistrationCode(const Bytes& code_hash) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return Exec(conn.get(),
              "INSERT INTO registration_codes (code_hash) VALUES ($1) ON CONFLICT DO NOTHING",
              {Bin(code_hash)})
      .status();
}

absl::StatusOr<bool> PostgresLogStore::HasRegistrationCode(const Bytes& code_hash) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      Result r,
      Exec(conn.get(), "SELECT 1 FROM registration_codes WHERE code_hash = $1", {Bin(code_hash)}));
  return PQntuples(r.get()) == 1;
}

absl::StatusOr<std::vector<Bytes>> PostgresLogStore::ClosedCouples(int64_t closed_before_unix_ms) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      Result r, Exec(conn.get(), "SELECT couple_id FROM couples WHERE closed_unix_ms < $1::bigint",
                     {Int(closed_before_unix_ms)}));
  std::vector<Bytes> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(GetBytes(r.get(), i, 0));
  return out;
}

absl::StatusOr<uint64_t> PostgresLogStore::PurgeCouple(const Bytes& couple_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PGconn* c = conn.get();
  RETURN_IF_ERROR(Exec(c, "BEGIN").status());
  uint64_t entries = 0;
  for (const char* sql :
       {"DELETE FROM members WHERE couple_id = $1", "DELETE FROM invites WHERE couple_id = $1",
        "DELETE FROM couples WHERE couple_id = $1", "DELETE FROM heads WHERE couple_id = $1",
        "DELETE FROM grants WHERE couple_id = $1", "DELETE FROM entries WHERE couple_id = $1"}) {
    ASSIGN_OR_RETURN(Result r, Exec(c, sql, {Bin(couple_id)}));
    entries = RowsAffected(r.get());  // the last statement's: the entries
  }
  RETURN_IF_ERROR(Exec(c, "COMMIT").status());
  return entries;
}

absl::StatusOr<uint64_t> PostgresLogStore::CountCoupleKeys(const Bytes& couple_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      Result r,
      Exec(conn.get(),
           "SELECT ((SELECT count(*) FROM members WHERE couple_id = $1) + (SELECT count(*) FROM "
           "invites WHERE couple_id = $1) + (SELECT count(*) FROM couples WHERE couple_id = $1) + "
           "(SELECT count(*) FROM heads WHERE couple_id = $1) + (SELECT count(*) FROM grants WHERE "
           "couple_id = $1) + (SELECT count(*) FROM entries WHERE couple_id = $1))::bigint",
           {Bin(couple_id)}));
  return static_cast<uint64_t>(GetInt(r.get(), 0, 0));
}

absl::StatusOr<StoreStats> PostgresLogStore::Stats() {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(Result r, Exec(conn.get(),
                                  "SELECT (SELECT count(*) FROM couples)::bigint, (SELECT count(*) "
                                  "FROM entries)::bigint, (SELECT count(*) FROM invites)::bigint"));
  StoreStats stats;
  stats.couples = static_cast<uint64_t>(GetInt(r.get(), 0, 0));
  stats.entries = static_cast<uint64_t>(GetInt(r.get(), 0, 1));
  stats.invites = static_cast<uint64_t>(GetInt(r.get(), 0, 2));
  return stats;
}

namespace {

class PostgresAppendFeed final : public AppendFeed {
 public:
  PostgresAppendFeed(std::string conninfo, AppendFeedCallbacks callbacks)
      : conninfo_(std::move(conninfo)), callbacks_(std::move(callbacks)) {}
  ~PostgresAppendFeed() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (conn_ != nullptr) PQfinish(conn_);
  }
  absl::Status Start() {
    RETURN_IF_ERROR(Listen());
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

 private:
  absl::Status Listen() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    ASSIGN_OR_RETURN(conn_, Connect(conninfo_));
    return Exec(conn_, "LISTEN mend_appends").status();
  }
  void Run() {
    int backoff_ms = 100;
    while (!stop_) {
      if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
        if (!Listen().ok()) {
          backoff_ms = std::min(backoff_ms * 2, 5000);
          continue;
        }
        backoff_ms = 100;
        callbacks_.missed();  // whatever committed meanwhile was not heard
        continue;
      }
      pollfd fd{PQsocket(conn_), POLLIN, 0};
      if (::poll(&fd, 1, 200) <= 0) continue;    // wakes to check stop_
      if (PQconsumeInput(conn_) == 0) continue;  // the connection broke: reconnect
      while (PGnotify* n = PQnotifies(conn_)) {
        Deliver(n->extra);
        PQfreemem(n);
      }
    }
  }
  // "HEX(couple_id):SEQ"; anything else is ignored.
  void Deliver(std::string_view payload) {
    const size_t colon = payload.find(':');
    if (colon == std::string_view::npos) return;
    auto couple_id = base::FromHex(payload.substr(0, colon));
    if (!couple_id) return;
    uint64_t seq = std::strtoull(std::string(payload.substr(colon + 1)).c_str(), nullptr, 10);
    callbacks_.appended(*couple_id, seq);
  }

  const std::string conninfo_;
  const AppendFeedCallbacks callbacks_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AppendFeed>> PostgresLogStore::FollowAppends(
    AppendFeedCallbacks callbacks) {
  auto feed = std::make_unique<PostgresAppendFeed>(conninfo_, std::move(callbacks));
  RETURN_IF_ERROR(feed->Start());
  return feed;
}

absl::Status PostgresLogStore::Checkpoint(const std::string&) {
  return absl::UnimplementedError(
      "a PostgreSQL store is backed up with PostgreSQL's tools (pg_dump, or a base backup with "
      "pg_basebackup); see README \"Scaling out\"");
}

}  // namespace mend::server
