// The authorization matrix: every authenticated RPC called on couple ONE with
// no token, a garbage token, an expired token, a token of a member of another
// couple, and a token of a member who has left. Each gets the right status and
// no data of couple ONE.
#include <gtest/gtest.h>

#include <functional>

#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

using grpc::StatusCode;

// Calls one RPC on couple `id` with `token`; returns the status and whether
// the response carried any data.
using Call = std::function<std::pair<grpc::Status, bool>(TestMember&, const std::string& token,
                                                         const TestCouple& one)>;

template <typename Stub, typename Req, typename Resp, typename Method>
std::pair<grpc::Status, bool> Unary(TestMember& m, const std::string& token, Stub* stub,
                                    Method method, const Req& req) {
  Resp resp;
  grpc::ClientContext ctx;
  m.Authorize(&ctx, token);
  grpc::Status s = (stub->*method)(&ctx, req, &resp);
  return {s, resp.ByteSizeLong() > 0};
}

std::map<std::string, Call> Rpcs() {
  std::map<std::string, Call> rpcs;
  rpcs["Pairing.PostInvite"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::PostInviteRequest r;
    r.set_couple_id(one.couple_id);
    r.set_invite_id(crypto::RandomBytes(16));
    r.set_offer_ct("x");
    r.set_ttl_seconds(600);
    return Unary<mend::v1::Pairing::Stub, mend::v1::PostInviteRequest,
                 mend::v1::PostInviteResponse>(m, t, m.pairing.get(),
                                               &mend::v1::Pairing::Stub::PostInvite, r);
  };
  rpcs["Pairing.GetJoin"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::GetJoinRequest r;
    r.set_couple_id(one.couple_id);
    return Unary<mend::v1::Pairing::Stub, mend::v1::GetJoinRequest, mend::v1::GetJoinResponse>(
        m, t, m.pairing.get(), &mend::v1::Pairing::Stub::GetJoin, r);
  };
  rpcs["Pairing.ConfirmMember"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::ConfirmMemberRequest r;
    r.set_couple_id(one.couple_id);
    r.set_member(m.identity.sign_pk());
    return Unary<mend::v1::Pairing::Stub, mend::v1::ConfirmMemberRequest,
                 mend::v1::ConfirmMemberResponse>(m, t, m.pairing.get(),
                                                  &mend::v1::Pairing::Stub::ConfirmMember, r);
  };
  rpcs["Pairing.PutGrant"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::PutGrantRequest r;
    r.set_couple_id(one.couple_id);
    auto* g = r.mutable_grant();
    g->set_epoch(0);
    g->set_member(m.identity.sign_pk());
    g->set_sealed_key(std::string(80, 'k'));
    g->set_granter(m.identity.sign_pk());
    g->set_key_id(std::string(32, 'i'));
    g->set_signature(m.identity.Sign(crypto::GrantSignatureInput(
        one.couple_id, 0, m.identity.sign_pk(), g->key_id(), g->sealed_key())));
    return Unary<mend::v1::Pairing::Stub, mend::v1::PutGrantRequest, mend::v1::PutGrantResponse>(
        m, t, m.pairing.get(), &mend::v1::Pairing::Stub::PutGrant, r);
  };
  rpcs["Pairing.GetGrants"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::GetGrantsRequest r;
    r.set_couple_id(one.couple_id);
    return Unary<mend::v1::Pairing::Stub, mend::v1::GetGrantsRequest, mend::v1::GetGrantsResponse>(
        m, t, m.pairing.get(), &mend::v1::Pairing::Stub::GetGrants, r);
  };
  rpcs["Pairing.GetMembership"] = [](TestMember& m, const std::string& t, const TestCouple&) {
    mend::v1::GetMembershipRequest r;  // names no couple: it asks about the caller
    return Unary<mend::v1::Pairing::Stub, mend::v1::GetMembershipRequest,
                 mend::v1::GetMembershipResponse>(m, t, m.pairing.get(),
                                                  &mend::v1::Pairing::Stub::GetMembership, r);
  };
  rpcs["Pairing.GetCouple"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::GetCoupleRequest r;
    r.set_couple_id(one.couple_id);
    return Unary<mend::v1::Pairing::Stub, mend::v1::GetCoupleRequest, mend::v1::GetCoupleResponse>(
        m, t, m.pairing.get(), &mend::v1::Pairing::Stub::GetCouple, r);
  };
  rpcs["Log.Append"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::AppendRequest r;
    *r.mutable_entry() = one.Entry(m, 2, std::string(32, 'p'));
    return Unary<mend::v1::Log::Stub, mend::v1::AppendRequest, mend::v1::AppendResponse>(
        m, t, m.log.get(), &mend::v1::Log::Stub::Append, r);
  };
  rpcs["Log.GetHead"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::GetHeadRequest r;
    r.set_couple_id(one.couple_id);
    return Unary<mend::v1::Log::Stub, mend::v1::GetHeadRequest, mend::v1::Head>(
        m, t, m.log.get(), &mend::v1::Log::Stub::GetHead, r);
  };
  rpcs["Log.Fetch"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::FetchRequest r;
    r.set_couple_id(one.couple_id);
    grpc::ClientContext ctx;
    m.Authorize(&ctx, t);
    auto reader = m.log->Fetch(&ctx, r);
    mend::v1::Entry e;
    bool data = false;
    while (reader->Read(&e)) data = true;
    return std::make_pair(reader->Finish(), data);
  };
  rpcs["Log.Watch"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::WatchRequest r;
    r.set_couple_id(one.couple_id);
    grpc::ClientContext ctx;
    m.Authorize(&ctx, t);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    auto reader = m.log->Watch(&ctx, r);
    mend::v1::Entry e;
    bool data = reader->Read(&e);
    if (data) ctx.TryCancel();
    grpc::Status s = reader->Finish();
    // A watch that delivered data and was then cancelled by us counts as allowed.
    return std::make_pair(data ? grpc::Status::OK : s, data);
  };
  rpcs["Couple.Leave"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::LeaveRequest r;
    r.set_couple_id(one.couple_id);
    m.SignCall(crypto::kLeaveLabel, &r);
    return Unary<mend::v1::Couple::Stub, mend::v1::LeaveRequest, mend::v1::LeaveResponse>(
        m, t, m.couple.get(), &mend::v1::Couple::Stub::Leave, r);
  };
  rpcs["Couple.Purge"] = [](TestMember& m, const std::string& t, const TestCouple& one) {
    mend::v1::PurgeRequest r;
    r.set_couple_id(one.couple_id);
    m.SignCall(crypto::kPurgeLabel, &r);
    return Unary<mend::v1::Couple::Stub, mend::v1::PurgeRequest, mend::v1::PurgeResponse>(
        m, t, m.couple.get(), &mend::v1::Couple::Stub::Purge, r);
  };
  return rpcs;
}

class AuthzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(one.Pair());
    ASSERT_TRUE(two.Pair());
    ASSERT_TRUE(one.a->Append(one.Entry(*one.a, 1, one.genesis())).ok());
  }
  TestServer server;
  std::string addr = server.address();
  TestCouple one{addr}, two{addr};
};

TEST_F(AuthzTest, NoGarbageOrExpiredTokenIsUnauthenticatedEverywhere) {
  for (auto& [name, call] : Rpcs()) {
    for (const std::string& token :
         {std::string(), std::string("not-a-token"), std::string(64, 'f')}) {
      auto [status, data] = call(*one.a, token, one);
      EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED)
          << name << " with token '" << token << "'";
      EXPECT_FALSE(data) << name;
    }
  }
  std::string old_token = one.a->token;
  server.clock.Advance(3601 * 1000);
  for (auto& [name, call] : Rpcs()) {
    auto [status, data] = call(*one.a, old_token, one);
    EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED) << name << " with an expired token";
    EXPECT_FALSE(data) << name;
  }
}

TEST_F(AuthzTest, AnotherCouplesMemberGetsNothing) {
  for (auto& [name, call] : Rpcs()) {
    // It names no couple: it answers about the caller's own, and only that.
    if (name == "Pairing.GetMembership") continue;
    auto [status, data] = call(*two.a, two.a->token, one);
    EXPECT_FALSE(status.ok()) << name;
    EXPECT_TRUE(status.error_code() == StatusCode::PERMISSION_DENIED ||
                status.error_code() == StatusCode::FAILED_PRECONDITION)
        << name << ": " << status.error_code() << " " << status.error_message();
    EXPECT_FALSE(data) << name << " leaked data of another couple";
  }
  // And couple ONE is untouched.
  EXPECT_EQ(one.b->Fetch(one.couple_id, 0).size(), 1u);
}

TEST_F(AuthzTest, MemberWhoLeftMayReadAndPurgeButNotWrite) {
  ASSERT_TRUE(one.b->Leave(one.couple_id).ok());
  const std::set<std::string> reads = {"Log.Fetch",         "Log.Watch",
                                       "Log.GetHead",       "Pairing.GetGrants",
                                       "Pairing.GetCouple", "Pairing.GetMembership"};
  for (auto& [name, call] : Rpcs()) {
    if (name == "Couple.Purge") continue;  // checked last: it deletes everything
    auto [status, data] = call(*one.b, one.b->token, one);
    if (reads.count(name)) {
      EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    } else {
      EXPECT_FALSE(status.ok()) << name << " allowed after leaving";
    }
  }
  auto [purged, data] = Rpcs()["Couple.Purge"](*one.b, one.b->token, one);
  EXPECT_TRUE(purged.ok()) << purged.error_message();
}

TEST_F(AuthzTest, ForgedLoginSignatureGetsNoToken) {
  TestMember forger(addr, crypto::Identity::Generate());
  const std::string alex = one.a->identity.sign_pk();  // claims to be Alex of couple ONE
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(forger.Challenge(&c, alex).ok());
  EXPECT_EQ(forger.AnswerChallenge(c, alex, forger.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(forger.token.empty());
}

}  // namespace
}  // namespace mend::testing
