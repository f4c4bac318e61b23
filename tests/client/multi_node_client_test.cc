// A client that names several mendd nodes (issue 17 item 5): gRPC's ipv4:
// list with round-robin, two nodes on one PostgreSQL database. When one node
// stops, the partners go on through the other.
#include <gtest/gtest.h>

#include "fmt/format.h"
#include "server/postgres_log_store.h"
#include "tests/client/two_partners.h"
#include "tests/server/postgres_instance.h"

namespace mend::client {
namespace {

class TwoNodesPartnersTest : public TwoPartnersTest {
 protected:
  void StartServer() override {
    auto db = mend::testing::PostgresInstance::NewDatabase("mend_client");
    ASSERT_TRUE(db.ok()) << db.status();
    const std::string conninfo = *db;
    ASSERT_TRUE(server::PostgresLogStore::Migrate(conninfo).ok());
    for (auto* node : {&one_, &two_}) {
      *node =
          std::make_unique<TestServer>(server::RegistrationMode::kOpen, TestServer::TestLimits(),
                                       std::filesystem::path(), server::ProxyConfig(), conninfo);
    }
    address_ = fmt::format("ipv4:{},{}", one_->address(), two_->address());
  }
  void TearDown() override {
    TwoPartnersTest::TearDown();
    one_.reset();
    two_.reset();
  }
  std::unique_ptr<TestServer> one_, two_;
};

TEST_F(TwoNodesPartnersTest, PartnersGoOnThroughOneNodeWhenTheOtherStops) {
  const uint64_t before = CheckIn(*alex_, 5);
  ASSERT_TRUE(sam_->Sync().ok());
  EXPECT_EQ(sam_->head().seq, before);
  one_.reset();  // node one stops; its store stays
  for (uint32_t mood = 1; mood <= 4; ++mood) {
    auto seq = alex_->Append([&] {
      mend::v1::Payload p;
      p.mutable_check_in()->set_mood(mood);
      return p;
    }());
    ASSERT_TRUE(seq.ok()) << "with node one gone: " << seq.status();
  }
  auto synced = sam_->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(sam_->head().seq, before + 4);
  EXPECT_EQ(sam_->head().hash, alex_->head().hash);
}

}  // namespace
}  // namespace mend::client
