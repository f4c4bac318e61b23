// mendd under hostile clients, in process (the flood suite, against a real
// mendd process, is tests/hostile/): ids of the wrong length are refused
// before any work, challenges and tokens cost no memory, limits are fair
// behind a proxy and cannot lock a member out, quotas hold, registration is
// atomic, and watchers hold no thread.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "base/hex.h"
#include "server/client_address.h"
#include "server/server_state.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

using grpc::StatusCode;

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

template <typename Request, typename Response, typename Stub, typename Method>
grpc::Status Call(TestMember& m, Stub* stub, Method method, const Request& request,
                  const std::string& forwarded_for = "") {
  Response response;
  grpc::ClientContext ctx;
  m.Authorize(&ctx, m.token);
  if (!forwarded_for.empty()) ctx.AddMetadata("x-forwarded-for", forwarded_for);
  return (stub->*method)(&ctx, request, &response);
}

grpc::Status Leave(TestMember& m, const std::string& couple_id) {
  mend::v1::LeaveRequest r;
  r.set_couple_id(couple_id);
  return Call<mend::v1::LeaveRequest, mend::v1::LeaveResponse>(m, m.couple.get(),
                                                               &mend::v1::Couple::Stub::Leave, r);
}

grpc::Status Purge(TestMember& m, const std::string& couple_id) {
  mend::v1::PurgeRequest r;
  r.set_couple_id(couple_id);
  return Call<mend::v1::PurgeRequest, mend::v1::PurgeResponse>(m, m.couple.get(),
                                                               &mend::v1::Couple::Stub::Purge, r);
}

grpc::Status ChallengeFrom(TestMember& m, const std::string& forwarded_for,
                           const std::string& member = "") {
  mend::v1::ChallengeRequest r;
  r.set_member(member.empty() ? crypto::Identity::Generate().sign_pk() : member);
  return Call<mend::v1::ChallengeRequest, mend::v1::ChallengeResponse>(
      m, m.auth.get(), &mend::v1::Auth::Stub::Challenge, r, forwarded_for);
}

grpc::Status GetHead(TestMember& m, const std::string& couple_id) {
  mend::v1::GetHeadRequest r;
  r.set_couple_id(couple_id);
  return Call<mend::v1::GetHeadRequest, mend::v1::Head>(m, m.log.get(),
                                                        &mend::v1::Log::Stub::GetHead, r);
}

TEST(HostileIds, EveryCallRefusesACoupleIdOfTheWrongLengthBeforeAnyWork) {
  TestServer server;
  TestMember m(server.address(), crypto::Identity::Generate());
  ASSERT_TRUE(m.Login().ok());
  for (size_t size : {0u, 1u, 15u, 17u, 32u, 200u * 1024}) {
    const std::string id(size, 'x');
    SCOPED_TRACE(size);
    EXPECT_EQ(Leave(m, id).error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Purge(m, id).error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(GetHead(m, id).error_code(), StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(m.PostInvite(id, crypto::RandomBytes(16), 600).error_code(),
              StatusCode::INVALID_ARGUMENT);
    mend::v1::ConfirmMemberRequest confirm;
    confirm.set_couple_id(id);
    confirm.set_member(m.identity.sign_pk());
    EXPECT_EQ((Call<mend::v1::ConfirmMemberRequest, mend::v1::ConfirmMemberResponse>(
                   m, m.pairing.get(), &mend::v1::Pairing::Stub::ConfirmMember, confirm))
                  .error_code(),
              StatusCode::INVALID_ARGUMENT);
    grpc::Status fetched;
    m.Fetch(id, 0, &fetched);
    EXPECT_EQ(fetched.error_code(), StatusCode::INVALID_ARGUMENT);
  }
  // The right length but not a member: refused, whatever the couple.
  EXPECT_EQ(Leave(m, crypto::RandomBytes(16)).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Purge(m, crypto::RandomBytes(16)).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST(HostileAuth, ChallengesAndTokensCostNoServerMemory) {
  TestServer server;
  TestMember m(server.address(), crypto::Identity::Generate());
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(ChallengeFrom(m, "").ok());
  EXPECT_EQ(server.get()->state()->auth.used_nonces(), 0u);  // nothing is kept per challenge
  ASSERT_TRUE(m.Login().ok());
  EXPECT_EQ(server.get()->state()->auth.used_nonces(), 1u);  // only a used nonce, until it expires
}

TEST(HostileAuth, AChallengeOpensOnlyForItsMemberOnItsServerOnce) {
  TestServer server, other;
  TestMember m(server.address(), crypto::Identity::Generate());
  TestMember elsewhere(other.address(), *crypto::Identity::FromSeed(m.identity.seed().Clone()));
  mend::v1::ChallengeResponse c, foreign;
  ASSERT_TRUE(m.Challenge(&c).ok());
  ASSERT_TRUE(elsewhere.Challenge(&foreign).ok());
  // A nonce issued to another key, or by another server, does not log in.
  auto stranger = crypto::Identity::Generate();
  EXPECT_EQ(m.AnswerChallenge(c, stranger.sign_pk(), stranger).error_code(),
            StatusCode::UNAUTHENTICATED);
  mend::v1::ChallengeResponse moved = foreign;
  moved.set_server_id(c.server_id());
  EXPECT_EQ(m.AnswerChallenge(moved, m.identity.sign_pk(), m.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
  // A nonce with one bit flipped is not ours.
  mend::v1::ChallengeResponse flipped = c;
  flipped.mutable_nonce()->at(3) ^= 1;
  EXPECT_EQ(m.AnswerChallenge(flipped, m.identity.sign_pk(), m.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(m.AnswerChallenge(c, m.identity.sign_pk(), m.identity).ok());
  EXPECT_EQ(m.AnswerChallenge(c, m.identity.sign_pk(), m.identity).error_code(),
            StatusCode::UNAUTHENTICATED);
}

TEST(HostileAuth, TokensSurviveARestartAndCannotBeForged) {
  TestServer server;
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  ASSERT_TRUE(GetHead(*couple.a, couple.couple_id).ok());
  std::string forged = couple.a->token;
  forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
  std::string swapped = couple.a->token;  // b's key with a's MAC
  swapped.replace(4, 64, base::ToHex(couple.b->identity.sign_pk()));
  server.Restart();
  EXPECT_TRUE(GetHead(*couple.a, couple.couple_id).ok());  // no session table to lose
  for (const std::string& bad : {forged, swapped}) {
    mend::v1::GetHeadRequest r;
    r.set_couple_id(couple.couple_id);
    mend::v1::Head head;
    grpc::ClientContext ctx;
    couple.a->Authorize(&ctx, bad);
    EXPECT_EQ(couple.a->log->GetHead(&ctx, r, &head).error_code(), StatusCode::UNAUTHENTICATED);
  }
}

server::ServerLimits TightLimits() {
  server::ServerLimits l = TestServer::TestLimits();
  l.pairing_rate_per_second = 0.001;
  l.pairing_burst = 5;
  return l;
}

server::ProxyConfig LocalProxy() {
  server::ProxyConfig proxies;
  proxies.trusted.push_back(*server::ParseIpNetwork("127.0.0.1"));
  return proxies;
}

TEST(HostileAuth, AReplayedLoginDoesNotSpendItsMembersBudget) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.login_rate_per_second = 0.001;
  limits.login_burst = 2;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());  // a logged in before it was a member: no member budget spent
  TestMember& a = *couple.a;
  mend::v1::ChallengeResponse c;
  ASSERT_TRUE(a.Challenge(&c).ok());
  ASSERT_TRUE(a.AnswerChallenge(c, a.identity.sign_pk(), a.identity)
                  .ok());  // the first known login: budget 2 -> 1
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a.AnswerChallenge(c, a.identity.sign_pk(), a.identity).error_code(),
              StatusCode::UNAUTHENTICATED);
  }
  // The replays were refused as replays, not charged: one login is left, then the budget is spent.
  for (StatusCode want : {StatusCode::OK, StatusCode::RESOURCE_EXHAUSTED}) {
    mend::v1::ChallengeResponse fresh;
    ASSERT_TRUE(a.Challenge(&fresh).ok());
    EXPECT_EQ(a.AnswerChallenge(fresh, a.identity.sign_pk(), a.identity).error_code(), want);
  }
}

TEST(HostileLimits, KnownMembersLogInWhileAnonymousCallersFromTheirAddressAreRefused) {
  auto dir = TempDir("mendd-limits");
  {
    TestServer loose(server::RegistrationMode::kOpen, TestServer::TestLimits(), dir);
    TestCouple couple(loose.address());
    ASSERT_TRUE(couple.Pair());
    std::ofstream(dir / "members") << base::ToHex(couple.a->identity.seed().view());
  }
  std::string seed_hex;
  std::ifstream(dir / "members") >> seed_hex;
  TestServer server(server::RegistrationMode::kOpen, TightLimits(), dir);
  TestMember attacker(server.address(), crypto::Identity::Generate());
  int refused = 0;
  for (int i = 0; i < 20; ++i)
    refused += ChallengeFrom(attacker, "").error_code() == StatusCode::RESOURCE_EXHAUSTED;
  EXPECT_GE(refused, 15);  // the address's budget (5) is spent
  EXPECT_EQ(attacker.Login().error_code(), StatusCode::RESOURCE_EXHAUSTED);
  // The member, from the same address, still logs in: its budget is its own.
  TestMember member(server.address(), *crypto::Identity::FromSeed(
                                          crypto::SecretBytes::CopyOf(*base::FromHex(seed_hex))));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(member.Login().ok());
  std::filesystem::remove_all(dir);
}

TEST(HostileLimits, BehindATrustedProxyEachClientAddressHasItsOwnBudget) {
  TestServer server(server::RegistrationMode::kOpen, TightLimits(), {}, LocalProxy());
  TestMember m(server.address(), crypto::Identity::Generate());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ChallengeFrom(m, "198.51.100.7").ok());
  EXPECT_EQ(ChallengeFrom(m, "198.51.100.7").error_code(), StatusCode::RESOURCE_EXHAUSTED);
  // The proxy appends the address it saw; what the client wrote to the left proves nothing.
  EXPECT_EQ(ChallengeFrom(m, "203.0.113.1, 198.51.100.7").error_code(),
            StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(ChallengeFrom(m, "198.51.100.8").ok());
  // IPv6 per /64: another address in the same /64 shares the budget, the next /64 does not.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ChallengeFrom(m, "2001:db8:1:2::1").ok());
  EXPECT_EQ(ChallengeFrom(m, "2001:db8:1:2:ffff::9").error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(ChallengeFrom(m, "2001:db8:1:3::1").ok());
}

TEST(HostileLimits, WithoutATrustedProxyTheHeaderIsIgnored) {
  TestServer server(server::RegistrationMode::kOpen, TightLimits());
  TestMember m(server.address(), crypto::Identity::Generate());
  int ok = 0;
  for (int i = 0; i < 20; ++i) ok += ChallengeFrom(m, "198.51.100." + std::to_string(i)).ok();
  EXPECT_LE(ok, 6);  // one budget: the TCP peer's
}

TEST(HostileLimits, AuthenticatedCallsAreLimitedPerMember) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.member_rate_per_second = 0.001;
  limits.member_burst = 10;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestMember m(server.address(), crypto::Identity::Generate());
  ASSERT_TRUE(m.Login().ok());
  int exhausted = 0;
  for (int i = 0; i < 30; ++i)
    exhausted += Leave(m, crypto::RandomBytes(16)).error_code() == StatusCode::RESOURCE_EXHAUSTED;
  EXPECT_EQ(exhausted, 20);
  TestMember other(server.address(), crypto::Identity::Generate());
  ASSERT_TRUE(other.Login().ok());
  EXPECT_EQ(Leave(other, crypto::RandomBytes(16)).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST(ClientAddress, KeysPerIpv4AndPerIpv6Slash64AndBelievesOnlyTrustedProxies) {
  server::ProxyConfig none;
  server::ProxyConfig proxy = LocalProxy();
  using server::ClientKey;
  EXPECT_EQ(ClientKey("ipv4:198.51.100.1:4000", std::nullopt, none),
            ClientKey("ipv4:198.51.100.1:5000", std::nullopt, none));
  EXPECT_NE(ClientKey("ipv4:198.51.100.1:4000", std::nullopt, none),
            ClientKey("ipv4:198.51.100.2:4000", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv6:[2001:db8::1]:1", std::nullopt, none),
            ClientKey("ipv6:[2001:db8::ffff:1]:1", std::nullopt, none));
  EXPECT_NE(ClientKey("ipv6:[2001:db8::1]:1", std::nullopt, none),
            ClientKey("ipv6:[2001:db8:0:1::1]:1", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv6:[::ffff:198.51.100.1]:1", std::nullopt, none),
            ClientKey("ipv4:198.51.100.1:1", std::nullopt, none));
  // gRPC percent-encodes IPv6 brackets: each connection must not be a budget of its own.
  EXPECT_EQ(ClientKey("ipv6:%5B2001:db8::1%5D:51234", std::nullopt, none),
            ClientKey("ipv6:[2001:db8::2]:1", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv6:%5B::1%5D:4000", "198.51.100.1",
                      server::ProxyConfig{{*server::ParseIpNetwork("::1")}, "x"}),
            ClientKey("ipv4:198.51.100.1:1", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv4:garbage:1", std::nullopt, none),
            ClientKey("ipv4:garbage:2", std::nullopt, none));
  // An untrusted peer's header is ignored; a trusted one's rightmost untrusted entry is the client.
  EXPECT_EQ(ClientKey("ipv4:192.0.2.9:1", "198.51.100.1", proxy),
            ClientKey("ipv4:192.0.2.9:2", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv4:127.0.0.1:1", "10.0.0.1, 198.51.100.1", proxy),
            ClientKey("ipv4:198.51.100.1:1", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv4:127.0.0.1:1", "198.51.100.1, 127.0.0.1", proxy),
            ClientKey("ipv4:198.51.100.1:1", std::nullopt, none));
  EXPECT_EQ(ClientKey("ipv4:127.0.0.1:1", "garbage", proxy),
            ClientKey("ipv4:127.0.0.1:2", std::nullopt, none));
  EXPECT_FALSE(server::ParseIpNetwork("10.0.0.0/33").ok());
  EXPECT_FALSE(server::ParseIpNetwork("proxy.example").ok());
  EXPECT_TRUE(server::ParseIpNetwork("fd00::/8")->Contains(*server::ParseIpAddress("fd12::1")));
}

TEST(ClientAddress, OnlyLoopbackAddressesAreLoopback) {
  EXPECT_TRUE(server::IsLoopbackAddress("127.0.0.1:7850"));
  EXPECT_TRUE(server::IsLoopbackAddress("127.1.2.3:7850"));
  EXPECT_TRUE(server::IsLoopbackAddress("[::1]:7850"));
  EXPECT_TRUE(server::IsLoopbackAddress("localhost:7850"));
  EXPECT_FALSE(server::IsLoopbackAddress("127.example.com:7850"));
  EXPECT_FALSE(server::IsLoopbackAddress("127.0.0.1.nip.io:7850"));
  EXPECT_FALSE(server::IsLoopbackAddress("0.0.0.0:7850"));
  EXPECT_FALSE(server::IsLoopbackAddress("[::]:7850"));
}

TEST(HostileQuotas, AnAppendPastTheCouplesQuotaIsResourceExhaustedAndChangesNothing) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.couple_quota_bytes = 8 * 1024;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  uint64_t seq = 1;
  grpc::Status s;
  for (; seq < 100; ++seq) {
    mend::v1::Head head;
    s = couple.a->Append(couple.Entry(*couple.a, seq, prev, 0, 1500), &head);
    if (!s.ok()) break;
    prev = head.hash();
  }
  EXPECT_EQ(s.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("couple_quota_bytes"), std::string::npos) << s.error_message();
  EXPECT_GE(seq, 4u);
  EXPECT_EQ(couple.b->Fetch(couple.couple_id, 0).size(), seq - 1);
}

// A couple has one open invite: a new one withdraws the earlier (the creator's
// client keeps one invite secret, so an older code's join could only be turned
// away), and storage stays bounded however often a client posts.
TEST(HostileQuotas, ACoupleKeepsOneOpenInviteAndExpiredOnesAreCollected) {
  TestServer server(server::RegistrationMode::kOpen, TestServer::TestLimits());
  TestMember m(server.address(), crypto::Identity::Generate());
  ASSERT_TRUE(m.Login().ok());
  const std::string couple_id = crypto::RandomBytes(16);
  ASSERT_TRUE(m.CreateCouple(couple_id).ok());
  std::vector<std::string> invites;
  for (int i = 0; i < 6; ++i) {
    invites.push_back(crypto::RandomBytes(16));
    ASSERT_TRUE(m.PostInvite(couple_id, invites.back(), 600).ok());
  }
  auto lookup = [&](const std::string& id) {
    mend::v1::GetInviteRequest r;
    r.set_invite_id(id);
    return Call<mend::v1::GetInviteRequest, mend::v1::GetInviteResponse>(
        m, m.pairing.get(), &mend::v1::Pairing::Stub::GetInvite, r);
  };
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(lookup(invites[i]).error_code(), i < 5 ? StatusCode::NOT_FOUND : StatusCode::OK) << i;
  }
  auto stats = server.get()->state()->store->Stats();
  EXPECT_EQ(stats->invites, 1u);
  server.clock.Advance(601 * 1000);
  EXPECT_EQ(*server.get()->state()->registry.DeleteExpiredInvites(), 1u);
  EXPECT_EQ(server.get()->state()->store->Stats()->invites, 0u);
}

TEST(HostileQuotas, FetchStreamsALogOfLargeEntriesInBoundedPages) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.max_fetch_page_bytes = 256 * 1024;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  for (uint64_t seq = 1; seq <= 40; ++seq) {
    mend::v1::Head head;
    ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, seq, prev, 0, 50 * 1024), &head).ok());
    prev = head.hash();
  }
  auto page =
      server.get()->state()->log.Fetch(couple.a->identity.sign_pk(), couple.couple_id, 0, 0);
  ASSERT_TRUE(page.ok());
  EXPECT_LE(page->size(), 5u);  // 256 KiB of ~50 KiB entries
  EXPECT_GE(page->size(), 1u);
  EXPECT_EQ(couple.b->Fetch(couple.couple_id, 0).size(), 40u);  // the stream pages on by itself
}

TEST(HostileRegistration, OneCodeMakesOneCoupleAndOneIdentityJoinsOneCouple) {
  TestServer server(server::RegistrationMode::kCode);
  auto code = server.get()->state()->registry.NewRegistrationCode();
  ASSERT_TRUE(code.ok());
  constexpr int kRacers = 8;
  std::vector<std::unique_ptr<TestMember>> members;
  for (int i = 0; i < kRacers; ++i) {
    members.push_back(std::make_unique<TestMember>(server.address(), crypto::Identity::Generate()));
    ASSERT_TRUE(members.back()->Login().ok());
  }
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back(
        [&, i] { created += members[i]->CreateCouple(crypto::RandomBytes(16), *code).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);

  // One identity racing to create many couples (open registration).
  TestServer open;
  TestMember one(open.address(), crypto::Identity::Generate());
  ASSERT_TRUE(one.Login().ok());
  created = 0;
  threads.clear();
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&] { created += one.CreateCouple(crypto::RandomBytes(16)).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
}

// Opens `count` Watch streams on the couple; returns them with their contexts.
struct OpenWatch {
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientAsyncReader<mend::v1::Entry>> reader;
};

TEST(HostileWatch, IdleWatchersHoldNoServerThread) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.max_watchers_per_couple = 1000;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  const int threads_before = ThreadCount();
  grpc::CompletionQueue cq;
  std::vector<OpenWatch> watches;
  constexpr int kWatchers = 300;
  for (int i = 0; i < kWatchers; ++i) {
    OpenWatch w;
    w.ctx = std::make_unique<grpc::ClientContext>();
    couple.b->Authorize(w.ctx.get(), couple.b->token);
    mend::v1::WatchRequest r;
    r.set_couple_id(couple.couple_id);
    w.reader = couple.b->log->AsyncWatch(w.ctx.get(), r, &cq,
                                         reinterpret_cast<void*>(static_cast<intptr_t>(i + 1)));
    watches.push_back(std::move(w));
  }
  for (int i = 0; i < kWatchers; ++i) {  // every call started
    void* tag;
    bool ok;
    ASSERT_TRUE(cq.Next(&tag, &ok));
  }
  for (int i = 0; i < 200 && server.get()->state()->hub.watchers() < kWatchers; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.get()->state()->hub.watchers(), static_cast<size_t>(kWatchers));
  // The synchronous Watch held one server thread per watcher (300 here).
  EXPECT_LT(ThreadCount() - threads_before, 40) << "threads before " << threads_before;
  // An append still reaches a watcher.
  std::vector<mend::v1::Entry> got(kWatchers);
  for (int i = 0; i < kWatchers; ++i)
    watches[i].reader->Read(&got[i], reinterpret_cast<void*>(static_cast<intptr_t>(-(i + 1))));
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis())).ok());
  int delivered = 0;
  for (int i = 0; i < kWatchers; ++i) {
    void* tag;
    bool ok;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    delivered += ok;
  }
  EXPECT_EQ(delivered, kWatchers);
  for (auto& w : watches) w.ctx->TryCancel();
  std::vector<grpc::Status> finished(kWatchers);  // written when the queue delivers each Finish
  for (int i = 0; i < kWatchers; ++i) watches[i].reader->Finish(&finished[i], nullptr);
  for (int i = 0; i < kWatchers; ++i) {
    void* tag;
    bool ok;
    cq.Next(&tag, &ok);
  }
  for (int i = 0; i < 1500 && server.get()->state()->hub.watchers() > 0;
       ++i) {  // up to 30 s: slow under TSan
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.get()->state()->hub.watchers(), 0u);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(HostileWatch, TheServersWatcherLimitIsEnforcedAndShutdownEndsWatchesAtOnce) {
  server::ServerLimits limits = TestServer::TestLimits();
  limits.max_watchers_per_couple = 2;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<mend::v1::Entry>>> readers;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    couple.b->Authorize(contexts.back().get(), couple.b->token);
    mend::v1::WatchRequest r;
    r.set_couple_id(couple.couple_id);
    readers.push_back(couple.b->log->Watch(contexts.back().get(), r));
  }
  for (int i = 0; i < 200 && server.get()->state()->hub.watchers() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  grpc::ClientContext third;
  couple.b->Authorize(&third, couple.b->token);
  mend::v1::WatchRequest r;
  r.set_couple_id(couple.couple_id);
  auto refused = couple.b->log->Watch(&third, r);
  mend::v1::Entry e;
  EXPECT_FALSE(refused->Read(&e));
  EXPECT_EQ(refused->Finish().error_code(), StatusCode::RESOURCE_EXHAUSTED);
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server.get()->Shutdown(std::chrono::seconds(30)); });
  for (auto& reader : readers) {
    EXPECT_FALSE(reader->Read(&e));
    EXPECT_EQ(reader->Finish().error_code(), StatusCode::UNAVAILABLE);
  }
  stopper.join();
  // Not the 30 s grace: the watchers were ended, not waited for.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace mend::testing
