// Session::MoveServer (`mend server set`): a profile follows its server to a
// new address or transport, and never to another server.
#include <gtest/gtest.h>

#include "client/core/problem.h"
#include "tests/client/two_partners.h"

namespace mend::client {
namespace {

class MoveServerTest : public TwoPartnersTest {
 protected:
  ServerConfig Saved(const std::string& name) {
    bool had_mac = false;
    auto config = Profile::Locate(name).LoadServerConfig(LocalKeyOf(name), &had_mac);
    EXPECT_TRUE(config.ok()) << config.status();
    EXPECT_TRUE(had_mac);
    return config.value_or(ServerConfig{});
  }
};

TEST_F(MoveServerTest, TheSameServerAtAnotherAddressIsFollowed) {
  const std::string moved = "ipv4:" + address_;  // another spelling of the same place
  ASSERT_TRUE(sam_->MoveServer({moved, "", false}).ok());
  EXPECT_EQ(sam_->server().address, moved);
  EXPECT_EQ(Saved("sam").address, moved);
  auto conn = sam_->connection();
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ((*conn)->address(), moved);  // not the connection made before the move
  CheckIn(*alex_, 7);
  auto synced = sam_->Sync();  // over the new connection
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(synced->head_seq, 3u);
  EXPECT_EQ(Open("sam")->server().address, moved);
}

TEST_F(MoveServerTest, AnotherServerIsRefusedAndNothingChanges) {
  const auto other_data = TempDir("mendd-other");
  TestServer other(server::RegistrationMode::kOpen, TestServer::TestLimits(), other_data);
  auto moved = sam_->MoveServer({other.address(), "", false});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(ProblemOf(moved), Problem::kServerIdChanged);
  EXPECT_TRUE(IsVerificationError(moved));
  EXPECT_EQ(sam_->server().address, address_);
  EXPECT_EQ(Saved("sam").address, address_);
  EXPECT_TRUE(sam_->Sync().ok());
  std::filesystem::remove_all(other_data);
}

TEST_F(MoveServerTest, AProfileThatHasMetNoServerYetMayMoveToAny) {
  ASSERT_TRUE(Session::Init(Profile::Locate("new"), "New", {"127.0.0.1:1", "", false}, pass_, false,
                            crypto::KdfLimits::MinimumForTests())
                  .ok());
  auto fresh = Open("new");
  ASSERT_TRUE(fresh->state().server_id.empty());
  ASSERT_TRUE(fresh->MoveServer({address_, "", false}).ok());
  EXPECT_EQ(Saved("new").address, address_);
  EXPECT_TRUE(fresh->state().server_id.empty());  // pinned at the first login, as ever
}

TEST_F(MoveServerTest, AnAddressWhereNothingAnswersIsRefusedAndNothingChanges) {
  auto moved = sam_->MoveServer({"127.0.0.1:1", "", false});
  ASSERT_FALSE(moved.ok());
  EXPECT_TRUE(absl::IsUnavailable(moved)) << moved;
  EXPECT_EQ(Saved("sam").address, address_);
}

TEST_F(MoveServerTest, InsecureAndAPrivateCaExcludeEachOther) {
  auto moved = sam_->MoveServer({address_, "/etc/ssl/certs/ca-certificates.crt", true});
  EXPECT_TRUE(absl::IsInvalidArgument(moved)) << moved;
  EXPECT_EQ(Saved("sam").address, address_);
}

}  // namespace
}  // namespace mend::client
