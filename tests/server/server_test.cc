// mendd over real gRPC on 127.0.0.1 with a real RocksDB directory: every RPC's
// success path and its error statuses.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include "crypto/chain_verifier.h"
#include "server/admin_socket.h"
#include "server/server_state.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

using grpc::StatusCode;

class ServerTest : public ::testing::Test {
 protected:
  TestServer server;
  std::string addr = server.address();
};

TEST_F(ServerTest, GetInfoDescribesTheServer) {
  TestMember m(addr, crypto::Identity::Generate());
  mend::v1::GetInfoResponse info;
  grpc::ClientContext ctx;
  ASSERT_TRUE(m.info->GetInfo(&ctx, {}, &info).ok());
  EXPECT_EQ(info.server_id().size(), 16u);
  EXPECT_EQ(info.max_entry_bytes(), 64u * 1024);
  EXPECT_TRUE(info.registration_open());
}

TEST_F(ServerTest, GetInfoSaysTheServersTimeForAClientToMeasureItsSkew) {
  server.clock.now = 1'800'000'000'123;
  TestMember m(addr, crypto::Identity::Generate());
  mend::v1::GetInfoResponse info;
  grpc::ClientContext ctx;
  ASSERT_TRUE(m.info->GetInfo(&ctx, {}, &info).ok());
  EXPECT_EQ(info.server_unix_ms(), 1'800'000'000'123);
}

TEST_F(ServerTest, HealthCheckAnswersServing) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  // grpc.health.v1.Health/Check with an empty HealthCheckRequest: the response
  // is field 1 (status) = 1 (SERVING), i.e. bytes 08 01.
  grpc::ClientContext ctx;
  grpc::ByteBuffer request, response;
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  grpc::CompletionQueue cq;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard l(mu);
                   status = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock l(mu);
  cv.wait(l, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(ServerTest, LoginGivesAToken) {
  TestMember m(addr, crypto::Identity::Generate());
  ASSERT_TRUE(m.Login().ok());
  // "mt1." and hex of member(32) || u64be(expiry) || MAC(32): PROTOCOL.md "Login".
  EXPECT_EQ(m.token.size(), 4u + 2 * 72);
  EXPECT_EQ(m.token.rfind("mt1.", 0), 0u);
}

TEST_F(ServerTest, LoginWithABadSignatureIsUnauthenticated) {
  TestMember m(addr, crypto::Identity::Generate());
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(m.Challenge(&c).ok());
  EXPECT_EQ(m.AnswerChallenge(c, m.identity.sign_pk(), crypto::Identity::Generate()).error_code(),
            StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerTest, ReplayedChallengeIsUnauthenticated) {
  TestMember m(addr, crypto::Identity::Generate());
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(m.Challenge(&c).ok());
  ASSERT_TRUE(m.AnswerChallenge(c, m.identity.sign_pk(), m.identity).ok());
  EXPECT_EQ(m.AnswerChallenge(c, m.identity.sign_pk(), m.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerTest, ExpiredChallengeIsUnauthenticated) {
  TestMember m(addr, crypto::Identity::Generate());
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(m.Challenge(&c).ok());
  server.clock.Advance(61 * 1000);
  EXPECT_EQ(m.AnswerChallenge(c, m.identity.sign_pk(), m.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerTest, MissingBadAndExpiredTokensAreUnauthenticated) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  auto entry = couple.Entry(*couple.a, 1, couple.genesis());
  std::string none, bad(64, 'a');
  EXPECT_EQ(couple.a->Append(entry, nullptr, nullptr, &none).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(couple.a->Append(entry, nullptr, nullptr, &bad).error_code(),
            StatusCode::UNAUTHENTICATED);
  server.clock.Advance(3601 * 1000);
  grpc::Status expired = couple.a->Append(entry);
  EXPECT_EQ(expired.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(expired.error_message(), "authentication failed: log in again");  // no detail leaks
  ASSERT_TRUE(couple.a->Login().ok());
  EXPECT_TRUE(couple.a->Append(entry).ok());
}

TEST_F(ServerTest, AppendBuildsTheChainAndFetchReturnsIt) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    auto e = couple.Entry(seq % 2 ? *couple.a : *couple.b, seq, prev);
    mend::v1::Head head;
    grpc::Status s = (seq % 2 ? couple.a : couple.b)->Append(e, &head);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(head.seq(), seq);
    prev = head.hash();
  }
  auto entries = couple.b->Fetch(couple.couple_id, 0);
  ASSERT_EQ(entries.size(), 5u);
  crypto::KeyRing keys;
  keys[0] = couple.key.Clone();
  crypto::ChainContext ctx{couple.couple_id,
                           {couple.a->identity.sign_pk(), couple.b->identity.sign_pk()},
                           &keys,
                           {0, couple.genesis()}};
  auto r = crypto::VerifyChain(ctx, entries);
  EXPECT_EQ(r.failure, std::nullopt);
  EXPECT_EQ(couple.b->Fetch(couple.couple_id, 3).size(), 2u);
}

TEST_F(ServerTest, StaleHeadIsAFailedPreconditionCarryingTheHead) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  mend::v1::Head head;
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis()), &head).ok());
  mend::v1::Head stale;
  grpc::Status s = couple.b->Append(couple.Entry(*couple.b, 1, couple.genesis()), nullptr, &stale);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(stale.seq(), 1u);
  EXPECT_EQ(stale.hash(), head.hash());
  // Right seq but wrong prev hash is stale too.
  s = couple.b->Append(couple.Entry(*couple.b, 2, std::string(32, 'x')), nullptr, &stale);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
}

TEST_F(ServerTest, NonMemberAndOtherCoupleArePermissionDenied) {
  TestCouple one(addr), two(addr);
  ASSERT_TRUE(one.Pair());
  ASSERT_TRUE(two.Pair());
  // A member of couple two writes an entry claiming couple one.
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(3);
  crypto::EntryPosition pos{one.couple_id, 1, one.genesis(), 0, 1};
  auto intruding = *crypto::SealEntry(pos, p, two.a->identity, one.key);
  EXPECT_EQ(two.a->Append(intruding).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(two.a->Fetch(one.couple_id, 0).empty());
  grpc::Status fetch_status;
  two.a->Fetch(one.couple_id, 0, &fetch_status);
  EXPECT_EQ(fetch_status.error_code(), StatusCode::PERMISSION_DENIED);
  TestMember stranger(addr, crypto::Identity::Generate());
  ASSERT_TRUE(stranger.Login().ok());
  crypto::EntryPosition pos2{one.couple_id, 1, one.genesis(), 0, 1};
  EXPECT_EQ(stranger.Append(*crypto::SealEntry(pos2, p, stranger.identity, one.key)).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, AuthorMismatchIsPermissionDenied) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  // B sends an entry authored (and signed) by A.
  EXPECT_EQ(couple.b->Append(couple.Entry(*couple.a, 1, couple.genesis())).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, BadSignatureIsInvalidArgument) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  auto e = couple.Entry(*couple.a, 1, couple.genesis());
  e.mutable_ciphertext()->at(5) ^= 1;
  grpc::Status s = couple.a->Append(e);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("signature"), std::string::npos);
}

TEST_F(ServerTest, BadHeaderIsInvalidArgument) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  auto e = couple.Entry(*couple.a, 1, couple.genesis());
  e.set_header("not a header");
  EXPECT_EQ(couple.a->Append(e).error_code(), StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, OversizeEntryIsInvalidArgument) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  auto e = couple.Entry(*couple.a, 1, couple.genesis());
  e.mutable_ciphertext()->append(70 * 1024, 'x');
  grpc::Status s = couple.a->Append(e);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("limit"), std::string::npos);
}

TEST_F(ServerTest, RequestOverTheMessageLimitIsResourceExhausted) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  auto e = couple.Entry(*couple.a, 1, couple.genesis());
  e.mutable_ciphertext()->append(300 * 1024, 'x');
  EXPECT_EQ(couple.a->Append(e).error_code(), StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServerTest, UnknownEpochIsFailedPrecondition) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  grpc::Status s = couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis(), /*epoch=*/4));
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("epoch"), std::string::npos);
}

TEST_F(ServerTest, GrantForASkippedEpochIsRejected) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  EXPECT_EQ(
      couple.a->PutGrant(couple.couple_id, 5, couple.key, couple.b->identity.public_identity())
          .error_code(),
      StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      couple.a->PutGrant(couple.couple_id, 1, couple.key, couple.b->identity.public_identity())
          .ok());
  // Epoch 1 has a grant for Sam only: no appends under it until every member has one.
  grpc::Status s = couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis(), 1));
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("no grant for every member"), std::string::npos)
      << s.error_message();
  EXPECT_TRUE(
      couple.a->PutGrant(couple.couple_id, 1, couple.key, couple.a->identity.public_identity())
          .ok());
  EXPECT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis(), 1)).ok());
}

// v1 let a grant be overwritten: a hostile partner (or a second rotation at
// the same moment) could swap the key a member holds for an epoch.
TEST_F(ServerTest, GrantsAreWriteOnceAndSeveralAreStoredAllOrNone) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  crypto::SecretBytes other = crypto::SecretBytes::Random(32);
  EXPECT_EQ(couple.a->PutGrant(couple.couple_id, 0, other, couple.b->identity.public_identity())
                .error_code(),
            StatusCode::ALREADY_EXISTS);
  // Two rotations racing for epoch 1: the first request's grants are stored
  // together, the second is refused as a whole.
  auto grants_for = [&](TestMember& granter, const crypto::SecretBytes& key) {
    mend::v1::PutGrantRequest req;
    req.set_couple_id(couple.couple_id);
    for (TestMember* to : {couple.a.get(), couple.b.get()}) {
      auto* g = req.add_grants();
      g->set_epoch(1);
      g->set_member(to->identity.sign_pk());
      g->set_sealed_key(*crypto::SealCoupleKey(key, to->identity.box_pk()));
      g->set_granter(granter.identity.sign_pk());
      g->set_key_id(crypto::KeyId(key));
      g->set_signature(granter.identity.Sign(crypto::GrantSignatureInput(
          couple.couple_id, 1, to->identity.sign_pk(), g->key_id(), g->sealed_key())));
    }
    mend::v1::PutGrantResponse resp;
    grpc::ClientContext ctx;
    granter.Authorize(&ctx, granter.token);
    return granter.pairing->PutGrant(&ctx, req, &resp);
  };
  crypto::SecretBytes k_alex = crypto::SecretBytes::Random(32),
                      k_sam = crypto::SecretBytes::Random(32);
  EXPECT_TRUE(grants_for(*couple.b, k_sam).ok());
  EXPECT_EQ(grants_for(*couple.a, k_alex).error_code(), StatusCode::ALREADY_EXISTS);
  for (TestMember* m : {couple.a.get(), couple.b.get()}) {
    mend::v1::GetGrantsRequest req;
    req.set_couple_id(couple.couple_id);
    mend::v1::GetGrantsResponse resp;
    grpc::ClientContext ctx;
    m->Authorize(&ctx, m->token);
    ASSERT_TRUE(m->pairing->GetGrants(&ctx, req, &resp).ok());
    for (const auto& g : resp.grants()) {
      if (g.epoch() == 1) {
        EXPECT_EQ(g.key_id(), crypto::KeyId(k_sam));  // one key for epoch 1, for both
      }
    }
  }
}

TEST_F(ServerTest, EntryOneIsWrittenByTheCreator) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  grpc::Status s = couple.b->Append(couple.Entry(*couple.b, 1, couple.genesis()));
  EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis())).ok());
}

TEST_F(ServerTest, ClosedCoupleRefusesAppends) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  ASSERT_TRUE(couple.b->Leave(couple.couple_id).ok());
  grpc::Status s = couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis()));
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("closed"), std::string::npos);
  // The member who left can still read (to take a copy).
  grpc::Status fs;
  couple.b->Fetch(couple.couple_id, 0, &fs);
  EXPECT_TRUE(fs.ok());
}

// The append handler remembers members for a few seconds (RecentMembers);
// the committer's check against the store is what decides, so a partner who
// left is refused at once, though they appended a moment before.
TEST_F(ServerTest, AMemberWhoLeftIsRefusedAtOnceThoughTheyAppendedAMomentAgo) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  mend::v1::Head one, two;
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis()), &one).ok());
  ASSERT_TRUE(couple.b->Append(couple.Entry(*couple.b, 2, one.hash()), &two).ok());
  ASSERT_TRUE(couple.b->Leave(couple.couple_id).ok());
  grpc::Status s = couple.b->Append(couple.Entry(*couple.b, 3, two.hash()));
  EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_NE(s.error_message().find("left"), std::string::npos) << s.error_message();
  EXPECT_EQ(couple.a->Fetch(couple.couple_id, 0).size(), 2u);
}

TEST_F(ServerTest, ExpiredAndReusedInvitesAreNotFound) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());  // used the invite
  TestMember late(addr, crypto::Identity::Generate());
  mend::v1::GetInviteRequest req;
  req.set_invite_id(couple.invite_id);
  mend::v1::GetInviteResponse resp;
  grpc::ClientContext c1;
  EXPECT_EQ(late.pairing->GetInvite(&c1, req, &resp).error_code(), StatusCode::NOT_FOUND);

  TestMember solo(addr, crypto::Identity::Generate());
  ASSERT_TRUE(solo.Login().ok());
  std::string couple_id = crypto::RandomBytes(16), invite_id = crypto::RandomBytes(16);
  ASSERT_TRUE(solo.CreateCouple(couple_id).ok());
  ASSERT_TRUE(solo.PostInvite(couple_id, invite_id, 60).ok());
  server.clock.Advance(61 * 1000);
  req.set_invite_id(invite_id);
  grpc::ClientContext c3;
  grpc::Status s = late.pairing->GetInvite(&c3, req, &resp);
  EXPECT_EQ(s.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("expired"), std::string::npos);
}

TEST_F(ServerTest, InviteLifetimeOverADayIsRejected) {
  TestMember solo(addr, crypto::Identity::Generate());
  ASSERT_TRUE(solo.Login().ok());
  std::string couple_id = crypto::RandomBytes(16);
  ASSERT_TRUE(solo.CreateCouple(couple_id).ok());
  EXPECT_EQ(solo.PostInvite(couple_id, crypto::RandomBytes(16), 86401).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, PendingMemberCannotReadBeforeConfirmation) {
  TestMember a(addr, crypto::Identity::Generate()), b(addr, crypto::Identity::Generate());
  ASSERT_TRUE(a.Login().ok());
  ASSERT_TRUE(b.Login().ok());
  std::string couple_id = crypto::RandomBytes(16), invite_id = crypto::RandomBytes(16);
  ASSERT_TRUE(a.CreateCouple(couple_id).ok());
  ASSERT_TRUE(a.PostInvite(couple_id, invite_id, 600).ok());
  ASSERT_TRUE(b.JoinCouple(invite_id).ok());
  grpc::Status s;
  b.Fetch(couple_id, 0, &s);
  EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED);
  // Only the creator confirms.
  mend::v1::ConfirmMemberRequest confirm;
  confirm.set_couple_id(couple_id);
  confirm.set_member(b.identity.sign_pk());
  mend::v1::ConfirmMemberResponse cr;
  grpc::ClientContext c3;
  b.Authorize(&c3, b.token);
  EXPECT_EQ(b.pairing->ConfirmMember(&c3, confirm, &cr).error_code(),
            StatusCode::PERMISSION_DENIED);
}

// A joiner the creator turned away could not tell that from waiting: every
// call about the couple said PERMISSION_DENIED either way.
TEST_F(ServerTest, MembershipTellsAJoinerWhetherItWaitsOrWasTurnedAway) {
  TestMember a(addr, crypto::Identity::Generate()), b(addr, crypto::Identity::Generate());
  ASSERT_TRUE(a.Login().ok());
  ASSERT_TRUE(b.Login().ok());
  mend::v1::GetMembershipResponse m;
  ASSERT_TRUE(b.GetMembership(&m).ok());
  EXPECT_TRUE(m.couple_id().empty());
  std::string couple_id = crypto::RandomBytes(16), invite_id = crypto::RandomBytes(16);
  ASSERT_TRUE(a.CreateCouple(couple_id).ok());
  ASSERT_TRUE(a.GetMembership(&m).ok());
  EXPECT_EQ(m.couple_id(), couple_id);
  EXPECT_EQ(m.state(), mend::v1::MEMBER_STATE_ACTIVE);
  ASSERT_TRUE(a.PostInvite(couple_id, invite_id, 600).ok());
  ASSERT_TRUE(b.JoinCouple(invite_id).ok());
  ASSERT_TRUE(b.GetMembership(&m).ok());
  EXPECT_EQ(m.couple_id(), couple_id);
  EXPECT_EQ(m.state(), mend::v1::MEMBER_STATE_PENDING);
  mend::v1::RejectPendingRequest reject;
  reject.set_couple_id(couple_id);
  reject.set_member(b.identity.sign_pk());
  mend::v1::RejectPendingResponse rr;
  grpc::ClientContext c3;
  a.Authorize(&c3, a.token);
  ASSERT_TRUE(a.pairing->RejectPending(&c3, reject, &rr).ok());
  ASSERT_TRUE(b.GetMembership(&m).ok());
  EXPECT_TRUE(m.couple_id().empty()) << "turned away, yet still named a member";
  EXPECT_EQ(m.state(), mend::v1::MEMBER_STATE_UNSPECIFIED);
}

TEST(ServerRegistration, CreatingACoupleNeedsAOneTimeCode) {
  TestServer server(server::RegistrationMode::kCode);
  std::string addr = server.address();
  TestMember m(addr, crypto::Identity::Generate());
  ASSERT_TRUE(m.Login().ok());
  grpc::Status s = m.CreateCouple(crypto::RandomBytes(16));
  EXPECT_EQ(s.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("registration code"), std::string::npos);
  EXPECT_EQ(m.CreateCouple(crypto::RandomBytes(16), "reg-made-up").error_code(),
            StatusCode::PERMISSION_DENIED);
  auto code =
      server::AdminSocket::Request((server.dir() / "admin.sock").string(), "registration-code");
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_TRUE(m.CreateCouple(crypto::RandomBytes(16), *code).ok());
  TestMember other(addr, crypto::Identity::Generate());
  ASSERT_TRUE(other.Login().ok());
  EXPECT_EQ(other.CreateCouple(crypto::RandomBytes(16), *code).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, AdminStatsAndBackupWork) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis())).ok());
  auto stats = server::AdminSocket::Request((server.dir() / "admin.sock").string(), "stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_NE(stats->find("\"entries\":1"), std::string::npos) << *stats;
  auto backup_dir = TempDir("mendd-backup") / "copy";
  auto backup = server::AdminSocket::Request((server.dir() / "admin.sock").string(),
                                             "backup " + backup_dir.string());
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_TRUE(std::filesystem::exists(backup_dir / "CURRENT"));
  std::filesystem::remove_all(backup_dir.parent_path());
}

TEST_F(ServerTest, PurgeRemovesEveryKeyOfTheCoupleAndOnlyThatCouple) {
  TestCouple one(addr), two(addr);
  ASSERT_TRUE(one.Pair());
  ASSERT_TRUE(two.Pair());
  ASSERT_TRUE(one.a->Append(one.Entry(*one.a, 1, one.genesis())).ok());
  ASSERT_TRUE(two.a->Append(two.Entry(*two.a, 1, two.genesis())).ok());
  auto* store = server.get()->state()->store.get();
  ASSERT_GT(*store->CountCoupleKeys(one.couple_id), 0u);
  mend::v1::PurgeRequest req;
  req.set_couple_id(one.couple_id);
  mend::v1::PurgeResponse resp;
  {
    // v1 deleted a couple on a bearer token alone (one a proxy's log or a
    // stolen laptop's memory could hold).
    grpc::ClientContext ctx;
    one.b->Authorize(&ctx, one.b->token);
    grpc::Status s = one.b->couple->Purge(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), StatusCode::UNAUTHENTICATED);
    ASSERT_GT(*store->CountCoupleKeys(one.couple_id), 0u);
  }
  mend::v1::PurgeRequest signed_by_a = req;
  one.a->SignCall(crypto::kPurgeLabel, &signed_by_a);
  {
    // Signed by the other member, sent with this one's token: refused.
    grpc::ClientContext ctx;
    one.b->Authorize(&ctx, one.b->token);
    EXPECT_EQ(one.b->couple->Purge(&ctx, signed_by_a, &resp).error_code(),
              StatusCode::UNAUTHENTICATED);
  }
  one.b->SignCall(crypto::kPurgeLabel, &req);
  grpc::ClientContext ctx;
  one.b->Authorize(&ctx, one.b->token);
  ASSERT_TRUE(one.b->couple->Purge(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.entries_deleted(), 1u);
  EXPECT_EQ(*store->CountCoupleKeys(one.couple_id), 0u);
  EXPECT_FALSE(store->GetMemberCouple(one.a->identity.sign_pk())->has_value());
  EXPECT_FALSE(store->GetMemberCouple(one.b->identity.sign_pk())->has_value());
  EXPECT_GT(*store->CountCoupleKeys(two.couple_id), 0u);
  EXPECT_EQ(two.a->Fetch(two.couple_id, 0).size(), 1u);
}

TEST_F(ServerTest, ClosedCouplesArePurgedAfterThirtyDays) {
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis())).ok());
  ASSERT_TRUE(
      server.get()->state()->registry.Leave(couple.a->identity.sign_pk(), couple.couple_id).ok());
  auto& registry = server.get()->state()->registry;
  EXPECT_EQ(*registry.PurgeExpiredClosedCouples(), 0u);
  server.clock.Advance(31LL * 24 * 3600 * 1000);
  EXPECT_EQ(*registry.PurgeExpiredClosedCouples(), 1u);
  EXPECT_EQ(*server.get()->state()->store->CountCoupleKeys(couple.couple_id), 0u);
}

}  // namespace
}  // namespace mend::testing
