// Several mendd nodes on one PostgreSQL database (issue 17): what a client
// did through one node holds on every other, and appends racing through
// different nodes never give one seq twice.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "crypto/entry_codec.h"
#include "server/postgres_log_store.h"
#include "tests/server/postgres_instance.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

using grpc::StatusCode;

class TwoNodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = PostgresInstance::NewDatabase("mend_nodes");
    ASSERT_TRUE(db.ok()) << db.status();
    conninfo_ = *db;
    ASSERT_TRUE(server::PostgresLogStore::Migrate(conninfo_).ok());
    one_ = std::make_unique<TestServer>(server::RegistrationMode::kOpen, TestServer::TestLimits(),
                                        std::filesystem::path(), server::ProxyConfig(), conninfo_);
    two_ = std::make_unique<TestServer>(server::RegistrationMode::kOpen, TestServer::TestLimits(),
                                        std::filesystem::path(), server::ProxyConfig(), conninfo_);
  }
  // `member`'s identity and token, speaking to node two.
  std::unique_ptr<TestMember> ThroughTwo(const TestMember& member) {
    auto other = std::make_unique<TestMember>(two_->address(),
                                              *crypto::Identity::FromSeed(member.identity.seed()));
    other->token = member.token;
    return other;
  }

  std::string conninfo_;
  std::unique_ptr<TestServer> one_, two_;
};

TEST_F(TwoNodesTest, BothNodesAreOneServer) {
  mend::v1::ChallengeResponse c1, c2;
  TestMember probe(one_->address(), crypto::Identity::Generate());
  ASSERT_TRUE(probe.Challenge(&c1).ok());
  TestMember probe2(two_->address(), crypto::Identity::Generate());
  ASSERT_TRUE(probe2.Challenge(&c2).ok());
  EXPECT_EQ(c1.server_id(), c2.server_id());  // one id: clients pin it
}

// A login captured on its way to node one is refused by node two as well:
// the nonce is claimed in the store, not only in node one's memory.
TEST_F(TwoNodesTest, ALoginReplayedThroughTheOtherNodeIsRefused) {
  TestMember alex(one_->address(), crypto::Identity::Generate());
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(alex.Challenge(&c).ok());
  ASSERT_TRUE(alex.AnswerChallenge(c, alex.identity.sign_pk(), alex.identity).ok());
  TestMember replayer(two_->address(), *crypto::Identity::FromSeed(alex.identity.seed()));
  grpc::Status replayed = replayer.AnswerChallenge(c, alex.identity.sign_pk(), alex.identity);
  EXPECT_EQ(replayed.error_code(), StatusCode::UNAUTHENTICATED) << replayed.error_message();
  EXPECT_TRUE(replayer.token.empty());
}

// Paired through node one; the partner writes through node two with the
// token node one gave; node one serves what node two wrote.
TEST_F(TwoNodesTest, PairThroughOneNodeAndAppendThroughTheOther) {
  TestCouple couple(one_->address());
  ASSERT_TRUE(couple.Pair());
  auto alex_two = ThroughTwo(*couple.a);
  mend::v1::Head head;
  grpc::Status s = alex_two->Append(couple.Entry(*alex_two, 1, couple.genesis()), &head);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto fetched = couple.b->Fetch(couple.couple_id, 0);
  ASSERT_EQ(fetched.size(), 1u);
  mend::v1::Head stale;
  s = couple.b->Append(couple.Entry(*couple.b, 1, couple.genesis()), nullptr, &stale);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(stale.seq(), 1u);  // node one knows node two's entry is the head
  EXPECT_EQ(stale.hash(), head.hash());
}

// A watch on node one; the partner writes through node two. Before the
// append feed, node one woke only for appends made through itself.
TEST_F(TwoNodesTest, AWatchOnOneNodeSeesWhatIsWrittenThroughTheOther) {
  TestCouple couple(one_->address());
  ASSERT_TRUE(couple.Pair());
  auto alex_two = ThroughTwo(*couple.a);
  mend::v1::Head first;
  ASSERT_TRUE(alex_two->Append(couple.Entry(*alex_two, 1, couple.genesis()), &first).ok());
  grpc::ClientContext ctx;
  couple.b->Authorize(&ctx, couple.b->token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  mend::v1::WatchRequest req;
  req.set_couple_id(couple.couple_id);
  auto reader = couple.b->log->Watch(&ctx, req);
  mend::v1::Entry e;
  ASSERT_TRUE(reader->Read(&e));  // the backlog
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(alex_two->Append(couple.Entry(*alex_two, 2, first.hash())).ok());
  });
  const bool delivered = reader->Read(&e);
  later.join();
  ASSERT_TRUE(delivered) << "node one never delivered node two's entry";
  mend::v1::EntryHeader h;
  ASSERT_TRUE(h.ParseFromString(e.header()));
  EXPECT_EQ(h.seq(), 2u);
  ctx.TryCancel();
}

// Both partners append as fast as they can, each through a different node,
// each rebuilding on the head a refusal names: every seq is won once, and
// the log both nodes serve is one gap-free chain.
TEST_F(TwoNodesTest, AppendsRacingThroughBothNodesWinEachSeqOnce) {
  TestCouple couple(one_->address());
  ASSERT_TRUE(couple.Pair());
  auto sam_two = ThroughTwo(*couple.b);
  mend::v1::Head first;  // entry 1 is the creator's (the Genesis)
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis()), &first).ok());
  constexpr uint64_t kSeqs = 60;
  std::atomic<int> accepted{1};
  auto writer = [&](TestMember* m) {
    mend::v1::Head head = first;
    while (head.seq() < kSeqs) {
      mend::v1::Head made, stale;
      grpc::Status s = m->Append(couple.Entry(*m, head.seq() + 1, head.hash()), &made, &stale);
      if (s.ok()) {
        ++accepted;
        head = made;
      } else if (s.error_code() == StatusCode::FAILED_PRECONDITION) {
        head = stale;
      } else {
        ADD_FAILURE() << s.error_message();
        return;
      }
    }
  };
  std::thread a(writer, couple.a.get()), b(writer, sam_two.get());
  a.join();
  b.join();
  const auto through_one = couple.a->Fetch(couple.couple_id, 0);
  const auto through_two = sam_two->Fetch(couple.couple_id, 0);
  ASSERT_GE(through_one.size(), kSeqs);
  EXPECT_EQ(static_cast<size_t>(accepted.load()), through_one.size());
  ASSERT_EQ(through_one.size(), through_two.size());
  std::string prev = couple.genesis();
  for (size_t i = 0; i < through_one.size(); ++i) {
    EXPECT_EQ(through_one[i].SerializeAsString(), through_two[i].SerializeAsString());
    mend::v1::EntryHeader header;
    ASSERT_TRUE(header.ParseFromString(through_one[i].header()));
    EXPECT_EQ(header.seq(), i + 1);
    EXPECT_EQ(header.prev_hash(), prev) << "the chain breaks at seq " << i + 1;
    prev = crypto::EntryHash(through_one[i].header(), through_one[i].ciphertext());
  }
}

}  // namespace
}  // namespace mend::testing
