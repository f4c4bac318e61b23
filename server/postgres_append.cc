// The append path of the PostgreSQL store: the heads the committer checks a
// batch against, and the batch's write. Both cost one round trip whatever
// the batch holds: across a network, round trips and not rows are what an
// append pays for (issue 17's benchmark: five round trips an append held
// mend at a fraction of PostgreSQL's own insert rate).
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "base/hex.h"
#include "base/status_macros.h"
#include "crypto/entry_codec.h"
#include "fmt/format.h"
#include "server/postgres_log_store.h"
#include "server/postgres_sql.h"

namespace mend::server {
namespace {

using pg::Bin;
using pg::Exec;
using pg::GetBytes;
using pg::GetInt;
using pg::Int;
using pg::Result;

absl::StatusOr<mend::v1::HeadRecord> ReadHead(PGconn* conn, const Bytes& couple_id) {
  ASSIGN_OR_RETURN(Result r,
                   Exec(conn, "SELECT seq, hash, stored_bytes FROM heads WHERE couple_id = $1",
                        {Bin(couple_id)}));
  mend::v1::HeadRecord head;
  if (PQntuples(r.get()) == 0) return head;
  head.set_seq(static_cast<uint64_t>(GetInt(r.get(), 0, 0)));
  head.set_hash(GetBytes(r.get(), 0, 1));
  head.set_stored_bytes(static_cast<uint64_t>(GetInt(r.get(), 0, 2)));
  return head;
}

// The couple ids as one text parameter, hex, comma-separated: the queries
// below unnest it, so one statement serves any batch.
pg::Param IdList(const std::vector<Bytes>& ids) {
  std::string list;
  for (const Bytes& id : ids) {
    if (!list.empty()) list += ',';
    list += base::ToHex(id);
  }
  return {list, false};
}

// A write moves its couple's head row from (seq - 1, prev_hash) to itself and
// inserts the entry only if it did: one statement, so that the entry exists
// exactly when the head moved. Seq 1 creates the head row instead.
constexpr const char* kMoveAndInsert =
    "WITH moved AS (UPDATE heads SET seq = $2::bigint, hash = $3, stored_bytes = $4::bigint "
    "WHERE couple_id = $1 AND seq = $5::bigint AND hash = $6 RETURNING 1) "
    "INSERT INTO entries (couple_id, seq, entry) SELECT $1, $2::bigint, $7 FROM moved";
// (Its $5 and $6, seq 0 and the genesis hash, already checked, are named only
// so that both statements take the same parameters.)
constexpr const char* kCreateAndInsert =
    "WITH moved AS (INSERT INTO heads (couple_id, seq, hash, stored_bytes) "
    "SELECT $1, 1, $3, $4::bigint WHERE $5::bigint = 0 AND $6::bytea IS NOT NULL "
    "ON CONFLICT (couple_id) DO NOTHING RETURNING 1) "
    "INSERT INTO entries (couple_id, seq, entry) SELECT $1, $2::bigint, $7 FROM moved";
// NOTIFY (delivered at COMMIT, so only what is durable is announced) when the
// couple's last write of the batch is its head, that is, when it was accepted.
constexpr const char* kNotifyIfHead =
    "SELECT pg_notify('mend_appends', $4) FROM heads WHERE couple_id = $1 AND seq = $2::bigint "
    "AND hash = $3";

// Leaves pipeline mode when done. A connection left mid-pipeline (results
// unread after an error) is not idle, and the pool closes it.
class Pipeline {
 public:
  explicit Pipeline(PGconn* conn) : conn_(conn), entered_(PQenterPipelineMode(conn) == 1) {}
  ~Pipeline() {
    if (entered_) PQexitPipelineMode(conn_);  // fails with results pending: see above
  }
  bool entered() const { return entered_; }

  // The next statement's result; its trailing NULL consumed.
  Result Next() {
    Result r(PQgetResult(conn_), &PQclear);
    if (r) PQclear(PQgetResult(conn_));
    return r;
  }

 private:
  PGconn* conn_;
  bool entered_;
};

// Each refused write of a committed batch gets the head it missed (rare:
// conflicts). A head that cannot be read fails that write alone: the
// batch's accepted writes are durable whatever happens here.
void ReadMissedHeads(PGconn* conn, const std::vector<EntryWrite>& writes,
                     std::vector<WriteOutcome>* outcomes) {
  for (size_t i = 0; i < writes.size(); ++i) {
    WriteOutcome& out = (*outcomes)[i];
    if (out.accepted) continue;
    auto head = ReadHead(conn, writes[i].couple_id);
    if (head.ok()) {
      out.current_head = WithGenesisPrevHash(*std::move(head), writes[i].couple_id);
    } else {
      out.unread_head = absl::UnavailableError(fmt::format(
          "the entry was not written (the log moved on), and the new head could not be read: {}",
          std::string(head.status().message())));
    }
  }
}

}  // namespace

absl::StatusOr<mend::v1::HeadRecord> PostgresLogStore::GetHead(const Bytes& couple_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return ReadHead(conn.get(), couple_id);
}

absl::StatusOr<std::map<Bytes, CoupleState>> PostgresLogStore::GetCoupleStates(
    const std::vector<Bytes>& couple_ids) {
  std::map<Bytes, CoupleState> states;
  for (const Bytes& id : couple_ids) states[id];
  if (couple_ids.empty()) return states;
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(Result r, Exec(conn.get(),
                                  "SELECT c.couple_id, c.record, h.seq, h.hash, h.stored_bytes "
                                  "FROM couples c LEFT JOIN heads h USING (couple_id) "
                                  "WHERE c.couple_id IN (SELECT decode(id, 'hex') FROM "
                                  "unnest(string_to_array($1, ',')) AS id)",
                                  {IdList(couple_ids)}));
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    auto state = states.find(GetBytes(r.get(), row, 0));
    if (state == states.end()) continue;
    mend::v1::CoupleRecord record;
    if (!record.ParseFromString(GetBytes(r.get(), row, 1))) {
      return absl::DataLossError("a couple record in PostgreSQL does not parse");
    }
    state->second.record = std::move(record);
    if (!PQgetisnull(r.get(), row, 2)) {
      state->second.head.set_seq(static_cast<uint64_t>(GetInt(r.get(), row, 2)));
      state->second.head.set_hash(GetBytes(r.get(), row, 3));
      state->second.head.set_stored_bytes(static_cast<uint64_t>(GetInt(r.get(), row, 4)));
    }
  }
  return states;
}

absl::StatusOr<std::vector<WriteOutcome>> PostgresLogStore::AppendEntries(
    const std::vector<EntryWrite>& writes) {
  std::vector<WriteOutcome> outcomes(writes.size());
  if (writes.empty()) return outcomes;
  // Couples in one order for every node (each couple's writes in their own
  // order): transactions that lock several head rows cannot deadlock.
  std::vector<size_t> order(writes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return writes[a].couple_id < writes[b].couple_id; });
  // Each couple's last write: the one whose acceptance NOTIFYs.
  std::map<Bytes, size_t> last;
  for (size_t i : order) last[writes[i].couple_id] = i;

  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PGconn* c = conn.get();
  bool sent_commit = false;
  std::optional<int64_t> xid;
  {
    Pipeline pipeline(c);
    if (!pipeline.entered()) {
      return absl::UnavailableError(fmt::format("PostgreSQL: {}", pg::ErrorOf(c)));
    }
    bool prepare;
    {
      std::lock_guard lock(pool_mu_);
      prepare = prepared_.count(c) == 0;
    }
    auto send = [&]() -> absl::Status {
      // Prepared once a connection: parsed and planned once, not per entry.
      if (prepare) {
        RETURN_IF_ERROR(pg::SendPrepare(c, "mend_create", kCreateAndInsert, 7));
        RETURN_IF_ERROR(pg::SendPrepare(c, "mend_move", kMoveAndInsert, 7));
        RETURN_IF_ERROR(pg::SendPrepare(c, "mend_notify", kNotifyIfHead, 4));
      }
      RETURN_IF_ERROR(pg::Send(c, "BEGIN", {}));
      // The transaction's id: after a lost connection, txid_status says
      // whether it committed.
      RETURN_IF_ERROR(pg::Send(c, "SELECT txid_current()", {}));
      for (size_t i : order) {
        const EntryWrite& w = writes[i];
        // A first entry that does not build on the genesis hash cannot be
        // accepted: the statement still goes out (so results stay in step)
        // and moves nothing.
        const bool first = w.seq == 1 && w.prev_hash == crypto::GenesisPrevHash(w.couple_id);
        RETURN_IF_ERROR(pg::SendPrepared(
            c, first ? "mend_create" : "mend_move",
            {Bin(w.couple_id), Int(static_cast<int64_t>(w.seq)), Bin(w.new_head.hash()),
             Int(static_cast<int64_t>(w.new_head.stored_bytes())),
             Int(static_cast<int64_t>(w.seq - 1)), Bin(w.prev_hash), Bin(w.entry_bytes)}));
      }
      for (const auto& [couple_id, i] : last) {
        const EntryWrite& w = writes[i];
        RETURN_IF_ERROR(
            pg::SendPrepared(c, "mend_notify",
                             {Bin(couple_id),
                              Int(static_cast<int64_t>(w.seq)),
                              Bin(w.new_head.hash()),
                              {fmt::format("{}:{}", base::ToHex(couple_id), w.seq), false}}));
      }
      RETURN_IF_ERROR(pg::Send(c, "COMMIT", {}));
      sent_commit = true;
      if (PQpipelineSync(c) != 1) {
        return absl::UnavailableError(fmt::format("PostgreSQL: {}", pg::ErrorOf(c)));
      }
      return absl::OkStatus();
    };
    absl::Status sent = send();
    // Results in the order sent: BEGIN, one per write, one per couple, COMMIT.
    absl::Status failed = sent;
    auto take = [&](ExecStatusType want) -> Result {
      Result r = pipeline.Next();
      const ExecStatusType got = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
      if (failed.ok() && got != want) {
        const char* result_error = r ? PQresultErrorMessage(r.get()) : "";
        const std::string message =
            fmt::format("PostgreSQL: {}", *result_error != '\0' ? result_error : pg::ErrorOf(c));
        failed = PQstatus(c) != CONNECTION_OK ? absl::UnavailableError(message)
                                              : absl::InternalError(message);
      }
      return r;
    };
    if (sent.ok()) {
      if (prepare) {
        for (int n = 0; n < 3; ++n) take(PGRES_COMMAND_OK);
        // Prepared statements outlive a failed transaction: never twice.
        if (failed.ok()) {
          std::lock_guard lock(pool_mu_);
          prepared_.insert(c);
        }
      }
      take(PGRES_COMMAND_OK);
      Result id = take(PGRES_TUPLES_OK);
      if (failed.ok() && id && PQntuples(id.get()) == 1) xid = GetInt(id.get(), 0, 0);
      for (size_t i : order) {
        Result r = take(PGRES_COMMAND_OK);
        outcomes[i].accepted = failed.ok() && r && pg::RowsAffected(r.get()) == 1;
      }
      for (size_t n = 0; n < last.size(); ++n) take(PGRES_TUPLES_OK);
      take(PGRES_COMMAND_OK);
      Result sync(PQgetResult(c), &PQclear);  // PGRES_PIPELINE_SYNC
    }
    if (!failed.ok()) {
      conn.Discard();
      if (!sent_commit || !absl::IsUnavailable(failed)) return failed;
      // The connection died with the COMMIT on its way or answered: the
      // transaction either committed whole or not at all.
      return ResolveLostCommit(writes, xid, failed);
    }
  }
  ReadMissedHeads(c, writes, &outcomes);
  return outcomes;
}

// After a connection lost around COMMIT. Whether the transaction committed
// is txid_status's answer once it is no longer in progress (its backend may
// still be running the COMMIT it had received); without the id (lost before
// it was read), the entries are read back, as a transaction commits whole or
// not at all. Committed on the primary is not yet acknowledged: a commit of
// our own, made after it, returns once the synchronous standby (where one is
// configured) holds the log past it. Anything unsure answers `lost`, which
// the client meets as Unavailable, and its retry finds its entry at the head.
absl::StatusOr<std::vector<WriteOutcome>> PostgresLogStore::ResolveLostCommit(
    const std::vector<EntryWrite>& writes, std::optional<int64_t> xid, const absl::Status& lost) {
  auto acquired = Acquire();
  if (!acquired.ok()) return lost;
  Lease again = *std::move(acquired);
  PGconn* c = again.get();
  if (xid) {
    std::string status = "in progress";
    for (int attempt = 0; attempt < 50 && status == "in progress"; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto r = Exec(c, "SELECT txid_status($1::bigint)", {Int(*xid)});
      if (!r.ok()) return lost;
      status = PQgetisnull(r->get(), 0, 0) ? "" : GetBytes(r->get(), 0, 0);
    }
    if (status != "committed") return lost;
  }
  std::vector<WriteOutcome> outcomes(writes.size());
  bool any = false;
  for (size_t i = 0; i < writes.size(); ++i) {
    const EntryWrite& w = writes[i];
    auto r = Exec(c, "SELECT entry FROM entries WHERE couple_id = $1 AND seq = $2::bigint",
                  {Bin(w.couple_id), Int(static_cast<int64_t>(w.seq))});
    if (!r.ok()) return lost;
    outcomes[i].accepted = PQntuples(r->get()) == 1 && GetBytes(r->get(), 0, 0) == w.entry_bytes;
    any = any || outcomes[i].accepted;
  }
  if (!xid && !any) return lost;
  if (!Exec(c, "BEGIN").ok() || !Exec(c, "SELECT txid_current()").ok() || !Exec(c, "COMMIT").ok()) {
    return lost;
  }
  ReadMissedHeads(c, writes, &outcomes);
  return outcomes;
}

}  // namespace mend::server
