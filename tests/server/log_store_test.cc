// The LogStore conformance suite: what every store must do, whatever it is
// built on. Each test runs against each store (INSTANTIATE below); a new
// store is one more line there, and passes these before mendd may use it.
// The compare-and-swap is tested on the store alone, with no AppendCommitter
// and no couple lock: on a store several mendd nodes share, it is the store
// that keeps two entries from one seq.
#include "server/log_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/entry_codec.h"
#include "server/postgres_log_store.h"
#include "server/rocksdb_log_store.h"
#include "tests/server/postgres_instance.h"
#include "tests/server/test_server.h"

namespace mend::server {
namespace {

struct StoreKind {
  std::string name;
  // Opens the store kept in `dir` (creating it when empty).
  std::function<absl::StatusOr<std::unique_ptr<LogStore>>(const std::string& dir)> open;
};

void PrintTo(const StoreKind& kind, std::ostream* out) { *out << kind.name; }

class LogStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    dir_ = mend::testing::TempDir("mend-store").string();
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto opened = GetParam().open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
  }

  // The write of entry `seq` of `couple` on `prev`, whose hash is `hash`.
  static EntryWrite Write(const Bytes& couple, uint64_t seq, const Bytes& prev, const Bytes& hash,
                          uint64_t stored_bytes = 0) {
    mend::v1::HeadRecord head;
    head.set_seq(seq);
    head.set_hash(hash);
    head.set_stored_bytes(stored_bytes);
    return {couple, seq, prev, "entry " + std::to_string(seq) + " of " + hash, head};
  }
  std::vector<WriteOutcome> Append(const std::vector<EntryWrite>& writes) {
    auto outcomes = store_->AppendEntries(writes);
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    EXPECT_EQ(outcomes.ok() ? outcomes->size() : 0, writes.size());
    return outcomes.ok() ? *outcomes : std::vector<WriteOutcome>(writes.size());
  }
  std::vector<Bytes> Entries(const Bytes& couple) {
    auto read = store_->ReadEntries(couple, 0, 1000, 1 << 20);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : std::vector<Bytes>{};
  }

  std::string dir_;
  std::unique_ptr<LogStore> store_;
  const Bytes couple_ = crypto::RandomBytes(16);
  const Bytes genesis_ = crypto::GenesisPrevHash(couple_);
};

TEST_P(LogStoreTest, AnEmptyLogTakesEntryOneOnTheGenesisPrevHash) {
  auto head = CurrentHead(store_.get(), couple_);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq(), 0u);
  EXPECT_EQ(head->hash(), genesis_);
  auto out = Append({Write(couple_, 1, genesis_, "h1", 40)});
  EXPECT_TRUE(out[0].accepted);
  head = CurrentHead(store_.get(), couple_);
  EXPECT_EQ(head->seq(), 1u);
  EXPECT_EQ(head->hash(), "h1");
  EXPECT_EQ(head->stored_bytes(), 40u);
  EXPECT_EQ(Entries(couple_), std::vector<Bytes>{"entry 1 of h1"});
}

TEST_P(LogStoreTest, AWriteThatDoesNotBuildOnTheHeadIsRefusedAndNamesTheHead) {
  ASSERT_TRUE(Append({Write(couple_, 1, genesis_, "h1")})[0].accepted);
  // The next seq on another hash, a skipped seq, and the same seq again.
  for (const EntryWrite& w : {Write(couple_, 2, "not h1", "x2"), Write(couple_, 3, "h1", "x3"),
                              Write(couple_, 1, genesis_, "x1")}) {
    auto out = Append({w});
    EXPECT_FALSE(out[0].accepted) << w.seq << " on " << w.prev_hash;
    EXPECT_EQ(out[0].current_head.seq(), 1u);
    EXPECT_EQ(out[0].current_head.hash(), "h1");
  }
  EXPECT_EQ(Entries(couple_), std::vector<Bytes>{"entry 1 of h1"});
  EXPECT_EQ(CurrentHead(store_.get(), couple_)->hash(), "h1");
}

TEST_P(LogStoreTest, OneCallChainsItsOwnWritesAndRefusesOnlyThoseThatConflict) {
  const Bytes other = crypto::RandomBytes(16);
  const Bytes other_genesis = crypto::GenesisPrevHash(other);
  auto out = Append({Write(couple_, 1, genesis_, "a1"), Write(other, 1, other_genesis, "b1"),
                     Write(couple_, 2, "a1", "a2"), Write(couple_, 2, "a1", "a2 again"),
                     Write(other, 2, "b1", "b2")});
  EXPECT_TRUE(out[0].accepted);
  EXPECT_TRUE(out[1].accepted);
  EXPECT_TRUE(out[2].accepted);
  EXPECT_FALSE(out[3].accepted);  // seq 2 was taken earlier in the same call
  EXPECT_EQ(out[3].current_head.seq(), 2u);
  EXPECT_EQ(out[3].current_head.hash(), "a2");
  EXPECT_TRUE(out[4].accepted);
  EXPECT_EQ(Entries(couple_), (std::vector<Bytes>{"entry 1 of a1", "entry 2 of a2"}));
  EXPECT_EQ(Entries(other), (std::vector<Bytes>{"entry 1 of b1", "entry 2 of b2"}));
}

// Writers racing for the same seqs, with nothing but the store between them:
// every seq is won exactly once, and the log is the winners' chain.
TEST_P(LogStoreTest, WritersRacingForOneSeqWinItExactlyOnce) {
  constexpr int kWriters = 4, kSeqs = 50;
  std::atomic<int> wins{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (;;) {
        auto head = CurrentHead(store_.get(), couple_);
        if (!head.ok() || head->seq() >= kSeqs) return;
        const Bytes hash = "w" + std::to_string(w) + "s" + std::to_string(head->seq() + 1);
        auto out = store_->AppendEntries({Write(couple_, head->seq() + 1, head->hash(), hash)});
        if (out.ok() && (*out)[0].accepted) ++wins;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(wins.load(), kSeqs);
  auto entries = Entries(couple_);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kSeqs));
  // Each entry names its own hash; the head is the last one's.
  const Bytes last = entries.back().substr(entries.back().find(" of ") + 4);
  EXPECT_EQ(CurrentHead(store_.get(), couple_)->hash(), last);
}

TEST_P(LogStoreTest, ReadEntriesPagesByCountAndByBytesButAlwaysReturnsOne) {
  Bytes prev = genesis_;
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    const Bytes hash = "h" + std::to_string(seq);
    ASSERT_TRUE(Append({Write(couple_, seq, prev, hash)})[0].accepted);
    prev = hash;
  }
  auto page = store_->ReadEntries(couple_, 3, 4, 1 << 20);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*page, (std::vector<Bytes>{"entry 4 of h4", "entry 5 of h5", "entry 6 of h6",
                                       "entry 7 of h7"}));
  auto small = store_->ReadEntries(couple_, 0, 100, 20);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->size(), 1u);  // over the byte limit, but the first always comes
  auto none = store_->ReadEntries(couple_, 10, 100, 1 << 20);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(LogStoreTest, IdentityAndKeysSurviveAReopen) {
  const Bytes server_id = store_->server_id();
  const Bytes auth_key(store_->auth_key().view());
  EXPECT_EQ(server_id.size(), 16u);
  EXPECT_EQ(auth_key.size(), 32u);
  ASSERT_TRUE(Append({Write(couple_, 1, genesis_, "h1")})[0].accepted);
  Reopen();
  EXPECT_EQ(store_->server_id(), server_id);
  EXPECT_EQ(Bytes(store_->auth_key().view()), auth_key);
  EXPECT_EQ(Entries(couple_), std::vector<Bytes>{"entry 1 of h1"});
}

TEST_P(LogStoreTest, PurgeRemovesEveryRecordOfTheCoupleAndOnlyThatCouple) {
  const Bytes member = crypto::RandomBytes(32), other = crypto::RandomBytes(16);
  mend::v1::CoupleRecord record;
  record.set_couple_id(couple_);
  record.add_members()->set_member(member);
  CoupleUpdate update;
  update.record = record;
  update.index_members = {member};
  ASSERT_TRUE(store_->Apply(update).ok());
  ASSERT_TRUE(Append({Write(couple_, 1, genesis_, "h1"),
                      Write(other, 1, crypto::GenesisPrevHash(other), "o1")})[1]
                  .accepted);
  EXPECT_EQ(*store_->GetMemberCouple(member), couple_);
  auto purged = store_->PurgeCouple(couple_);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(*store_->CountCoupleKeys(couple_), 0u);
  EXPECT_FALSE(store_->GetCouple(couple_)->has_value());
  EXPECT_FALSE(store_->GetMemberCouple(member)->has_value());
  EXPECT_EQ(Entries(other), std::vector<Bytes>{"entry 1 of o1"});
}

// What the append committer reads for a batch, in one call: each couple's
// record and head; a couple with no entries has the empty head, an unknown
// id no record.
TEST_P(LogStoreTest, CoupleStatesGiveEachCouplesRecordAndHeadInOneCall) {
  const Bytes quiet = crypto::RandomBytes(16), unknown = crypto::RandomBytes(16);
  for (const Bytes& id : {couple_, quiet}) {
    mend::v1::CoupleRecord record;
    record.set_couple_id(id);
    record.add_members()->set_member(crypto::RandomBytes(32));
    CoupleUpdate update;
    update.record = record;
    ASSERT_TRUE(store_->Apply(update).ok());
  }
  ASSERT_TRUE(Append({Write(couple_, 1, genesis_, "h1", 40)})[0].accepted);
  ASSERT_TRUE(Append({Write(couple_, 2, "h1", "h2", 90)})[0].accepted);
  auto states = store_->GetCoupleStates({couple_, quiet, unknown});
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 3u);
  const CoupleState& busy = states->at(couple_);
  ASSERT_TRUE(busy.record.has_value());
  EXPECT_EQ(busy.record->couple_id(), couple_);
  EXPECT_EQ(busy.head.seq(), 2u);
  EXPECT_EQ(busy.head.hash(), "h2");
  EXPECT_EQ(busy.head.stored_bytes(), 90u);
  ASSERT_TRUE(states->at(quiet).record.has_value());
  EXPECT_EQ(states->at(quiet).head.seq(), 0u);
  EXPECT_FALSE(states->at(unknown).record.has_value());
  EXPECT_TRUE(store_->GetCoupleStates({}).ok());
}

TEST_P(LogStoreTest, CoupleRecordsInvitesGrantsAndCodesRoundTrip) {
  const Bytes member = crypto::RandomBytes(32), invite_id = crypto::RandomBytes(16);
  const Bytes code = crypto::RandomBytes(32);
  ASSERT_TRUE(store_->AddRegistrationCode(code).ok());
  EXPECT_TRUE(*store_->HasRegistrationCode(code));
  mend::v1::CoupleRecord record;
  record.set_couple_id(couple_);
  record.add_members()->set_member(member);
  mend::v1::InviteRecord invite;
  invite.set_couple_id(couple_);
  invite.set_expires_unix_ms(5000);
  mend::v1::KeyGrant grant;
  grant.set_epoch(0);
  grant.set_member(member);
  grant.set_sealed_key("sealed");
  CoupleUpdate update;
  update.record = record;
  update.index_members = {member};
  update.put_invite = {invite_id, invite};
  update.put_grants = {grant};
  update.consume_registration = code;
  ASSERT_TRUE(store_->Apply(update).ok());
  EXPECT_FALSE(*store_->HasRegistrationCode(code));
  auto got = store_->GetCouple(couple_);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->SerializeAsString(), record.SerializeAsString());
  auto got_invite = store_->GetInvite(invite_id);
  ASSERT_TRUE(got_invite.ok() && got_invite->has_value());
  EXPECT_EQ((*got_invite)->expires_unix_ms(), 5000);
  auto grants = store_->GetGrants(couple_, member);
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].sealed_key(), "sealed");
  EXPECT_TRUE(store_->GetGrants(couple_, crypto::RandomBytes(32))->empty());
  // An invite past its time goes; a couple closed long enough ago is named.
  EXPECT_EQ(*store_->DeleteExpiredInvites(4999), 0u);
  EXPECT_EQ(*store_->DeleteExpiredInvites(5000), 1u);
  EXPECT_FALSE(store_->GetInvite(invite_id)->has_value());
  EXPECT_TRUE(store_->ClosedCouples(1'000'000)->empty());
  record.set_closed(true);
  record.set_closed_unix_ms(7000);
  CoupleUpdate close;
  close.record = record;
  ASSERT_TRUE(store_->Apply(close).ok());
  EXPECT_TRUE(store_->ClosedCouples(7000)->empty());
  EXPECT_EQ(*store_->ClosedCouples(7001), std::vector<Bytes>{couple_});
  auto stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->couples, 1u);
  EXPECT_EQ(stats->invites, 0u);
}

absl::StatusOr<std::unique_ptr<LogStore>> OpenRocksDb(const std::string& dir) {
  auto store = RocksDbLogStore::Open(dir);
  if (!store.ok()) return store.status();
  return std::unique_ptr<LogStore>(*std::move(store));
}

// One database of the test process's PostgreSQL per test directory, migrated.
absl::StatusOr<std::unique_ptr<LogStore>> OpenPostgres(const std::string& dir) {
  auto pg = mend::testing::PostgresInstance::Shared();
  if (!pg.ok()) return pg.status();
  std::string db = std::filesystem::path(dir).filename().string();
  std::replace(db.begin(), db.end(), '-', '_');
  auto conninfo = (*pg)->Database(db);
  if (!conninfo.ok()) return conninfo.status();
  if (auto s = PostgresLogStore::Migrate(*conninfo); !s.ok()) return s;
  auto store = PostgresLogStore::Open(*conninfo);
  if (!store.ok()) return store.status();
  return std::unique_ptr<LogStore>(*std::move(store));
}

INSTANTIATE_TEST_SUITE_P(Stores, LogStoreTest,
                         ::testing::Values(StoreKind{"rocksdb", OpenRocksDb},
                                           StoreKind{"postgres", OpenPostgres}),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param.name;
                         });

// A password on the command line stays in the shell history and `ps`; in a
// config or a log it is read by whoever reads those. mendd refuses it.
TEST(PostgresSchema, AConnectionStringWithAPasswordIsRefused) {
  for (const char* with : {"host=/run/postgresql dbname=mend password=hunter2",
                           "postgresql://mend:hunter2@db.example/mend"}) {
    absl::Status s = PostgresLogStore::CheckConninfo(with);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << with;
    EXPECT_NE(s.message().find("password file"), std::string::npos) << s;
    EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s;
  }
  EXPECT_EQ(PostgresLogStore::CheckConninfo("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PostgresLogStore::CheckConninfo("host='unclosed").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(PostgresLogStore::CheckConninfo("host=/run/postgresql dbname=mend").ok());
  EXPECT_TRUE(
      PostgresLogStore::CheckConninfo("postgresql://mend@db.example/mend?passfile=/etc/mend/pgpass")
          .ok());
}

// Two nodes on one database: one runs the maintenance jobs; when it stops,
// the other takes over.
TEST(PostgresSchema, OneNodeAtATimeLeadsTheMaintenance) {
  auto db = mend::testing::PostgresInstance::NewDatabase("mend_lead");
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string conninfo = *db;
  ASSERT_TRUE(PostgresLogStore::Migrate(conninfo).ok());
  auto one = PostgresLogStore::Open(conninfo);
  auto two = PostgresLogStore::Open(conninfo);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_TRUE(*(*one)->LeadMaintenance());
  EXPECT_TRUE(*(*one)->LeadMaintenance());  // and keeps it
  EXPECT_FALSE(*(*two)->LeadMaintenance());
  one->reset();  // node one stops
  // PostgreSQL frees the lock once its backend sees the connection end:
  // soon, not at once.
  bool took_over = false;
  for (int i = 0; i < 100 && !took_over; ++i) {
    took_over = *(*two)->LeadMaintenance();
    if (!took_over) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(took_over);
}

// A database without mend's tables, or with a newer schema than this mendd
// knows, is refused with what to do, before anything is read or written.
TEST(PostgresSchema, OpenRefusesAMissingOrNewerSchema) {
  auto db = mend::testing::PostgresInstance::NewDatabase("mend_schema");
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string conninfo = *db;
  auto missing = PostgresLogStore::Open(conninfo);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("mendd admin migrate"), std::string::npos)
      << missing.status();
  ASSERT_TRUE(PostgresLogStore::Migrate(conninfo).ok());
  ASSERT_TRUE(PostgresLogStore::Migrate(conninfo).ok());  // again: nothing to do
  ASSERT_TRUE(PostgresLogStore::Open(conninfo).ok());
  {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    PQclear(PQexec(conn, "INSERT INTO schema_version VALUES (99)"));
    PQfinish(conn);
  }
  auto newer = PostgresLogStore::Open(conninfo);
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("upgrade mendd"), std::string::npos) << newer.status();
  EXPECT_FALSE(PostgresLogStore::Migrate(conninfo).ok());
}

}  // namespace
}  // namespace mend::server
