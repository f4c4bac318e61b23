// An in-process mendd on 127.0.0.1 with a temporary RocksDB directory and a
// controllable clock, plus members that talk to it over real gRPC.
#ifndef MEND_TESTS_SERVER_TEST_SERVER_H_
#define MEND_TESTS_SERVER_TEST_SERVER_H_

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "base/hex.h"
#include "crypto/bytes.h"
#include "crypto/entry_codec.h"
#include "crypto/grant.h"
#include "crypto/identity.h"
#include "mend/v1/service.grpc.pb.h"
#include "proto/wire.h"
#include "server/mend_server.h"

namespace mend::testing {

struct TestClock {
  std::atomic<int64_t> now{1767225600000};
  server::Clock AsClock() {
    return [this] { return now.load(); };
  }
  void Advance(int64_t ms) { now += ms; }
};

// Waits until something accepts TCP connections on 127.0.0.1:port (a child
// mendd), so that gRPC's first connection attempt succeeds instead of backing off.
inline bool WaitForPort(int port) {
  for (int i = 0; i < 400; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

// A loopback port nothing listens on now, for a child mendd: the kernel's
// pick, so that tests running at once (ctest -j) do not collide.
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

inline std::filesystem::path TempDir(const std::string& prefix) {
  auto dir =
      std::filesystem::temp_directory_path() / (prefix + "-" + base::ToHex(crypto::RandomBytes(6)));
  std::filesystem::create_directories(dir);
  return dir;
}

class TestServer {
 public:
  explicit TestServer(server::RegistrationMode mode = server::RegistrationMode::kOpen,
                      server::ServerLimits limits = TestLimits(), std::filesystem::path dir = {},
                      server::ProxyConfig proxies = {}, std::string postgres = "")
      : dir_(dir.empty() ? TempDir("mendd-test") : dir), owns_dir_(dir.empty()) {
    options_.listen = "127.0.0.1:0";
    if (!postgres.empty()) {  // a node of a store several share
      options_.store = "postgres";
      options_.postgres = std::move(postgres);
    }
    options_.proxies = std::move(proxies);
    options_.data_dir = dir_.string();
    options_.registration = mode;
    options_.limits = limits;
    options_.clock = clock.AsClock();
    Start();
  }
  ~TestServer() {
    server_.reset();
    if (owns_dir_) std::filesystem::remove_all(dir_);
  }
  static server::ServerLimits TestLimits() {
    server::ServerLimits l;
    l.append_rate_per_second = 1e6;
    l.append_burst = 1e6;
    l.pairing_rate_per_second = 1e6;
    l.pairing_burst = 1e6;
    l.member_rate_per_second = 1e6;
    l.member_burst = 1e6;
    l.login_rate_per_second = 1e6;
    l.login_burst = 1e6;
    return l;
  }
  void Start() {
    auto s = server::MendServer::Start(options_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  void Restart() {
    server_.reset();
    options_.listen = "127.0.0.1:" + std::to_string(port_);
    Start();
  }
  std::string address() {
    port_ = server_->port();
    return "127.0.0.1:" + std::to_string(server_->port());
  }
  server::MendServer* get() { return server_.get(); }
  const std::filesystem::path& dir() const { return dir_; }
  TestClock clock;

 private:
  std::filesystem::path dir_;
  bool owns_dir_;
  server::ServerOptions options_;
  std::unique_ptr<server::MendServer> server_;
  int port_ = 0;
};

// Reconnects quickly, so that tests that restart a server do not wait out
// gRPC's default backoff.
inline std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// A member with raw stubs; `token` is set by Login().
struct TestMember {
  TestMember(const std::string& address, crypto::Identity id)
      : TestMember(MakeChannel(address), std::move(id)) {}
  // Shares `channel` (one connection for many members, as the load generator needs).
  TestMember(std::shared_ptr<grpc::Channel> shared, crypto::Identity id)
      : identity(std::move(id)),
        channel(std::move(shared)),
        auth(mend::v1::Auth::NewStub(channel)),
        pairing(mend::v1::Pairing::NewStub(channel)),
        log(mend::v1::Log::NewStub(channel)),
        couple(mend::v1::Couple::NewStub(channel)),
        info(mend::v1::ServerInfo::NewStub(channel)) {}

  void Authorize(grpc::ClientContext* ctx, const std::string& with_token) const {
    if (!with_token.empty())
      ctx->AddMetadata(std::string(wire::kAuthorizationMetadata), wire::BearerValue(with_token));
  }
  // Signs a Leave or Purge request as mend does (a fresh challenge, a labelled
  // signature over server id, couple id and nonce).
  template <typename Request>
  void SignCall(std::string_view label, Request* r) {
    mend::v1::ChallengeResponse c;
    EXPECT_TRUE(Challenge(&c).ok());
    r->set_nonce(c.nonce());
    r->set_signature(identity.Sign(
        crypto::DestructiveCallSignatureInput(label, c.server_id(), r->couple_id(), c.nonce())));
  }
  // Asks for a challenge for `member` (default: this member's own key).
  grpc::Status Challenge(mend::v1::ChallengeResponse* out, const std::string& member = "") {
    mend::v1::ChallengeRequest req;
    req.set_member(member.empty() ? identity.sign_pk() : member);
    grpc::ClientContext ctx;
    // Wait for the channel to (re)connect instead of failing fast: tests
    // restart servers and run on a loaded machine.
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return auth->Challenge(&ctx, req, out);
  }
  // Answers `challenge` as `member`, signed by `signer`; sets token on success.
  grpc::Status AnswerChallenge(const mend::v1::ChallengeResponse& challenge,
                               const std::string& member, const crypto::Identity& signer) {
    mend::v1::LoginRequest req;
    req.set_member(member);
    req.set_nonce(challenge.nonce());
    req.set_signature(
        signer.Sign(crypto::LoginSignatureInput(challenge.server_id(), challenge.nonce())));
    mend::v1::LoginResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = auth->Login(&ctx, req, &resp);
    token = resp.token();
    return s;
  }
  grpc::Status Login() {
    mend::v1::ChallengeResponse c;
    grpc::Status s = Challenge(&c);
    return s.ok() ? AnswerChallenge(c, identity.sign_pk(), identity) : s;
  }

  grpc::Status CreateCouple(const std::string& couple_id, const std::string& code = "") {
    mend::v1::CreateCoupleRequest req;
    req.set_couple_id(couple_id);
    req.set_box_pk(identity.box_pk());
    req.set_registration_code(code);
    mend::v1::CreateCoupleResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return pairing->CreateCouple(&ctx, req, &resp);
  }
  grpc::Status PostInvite(const std::string& couple_id, const std::string& invite_id,
                          uint32_t ttl_seconds) {
    mend::v1::PostInviteRequest req;
    req.set_couple_id(couple_id);
    req.set_invite_id(invite_id);
    req.set_offer_ct("opaque offer");
    req.set_ttl_seconds(ttl_seconds);
    mend::v1::PostInviteResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return pairing->PostInvite(&ctx, req, &resp);
  }
  // Joins through `invite_id` with this member's box key and an opaque answer.
  grpc::Status JoinCouple(const std::string& invite_id) {
    mend::v1::JoinCoupleRequest req;
    req.set_invite_id(invite_id);
    req.set_box_pk(identity.box_pk());
    req.set_answer_ct("opaque answer");
    mend::v1::JoinCoupleResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return pairing->JoinCouple(&ctx, req, &resp);
  }
  grpc::Status GetMembership(mend::v1::GetMembershipResponse* out) {
    mend::v1::GetMembershipRequest req;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return pairing->GetMembership(&ctx, req, out);
  }
  // Leaves `couple_id` as mend does (a signed Leave with a fresh challenge).
  grpc::Status Leave(const std::string& couple_id) {
    mend::v1::LeaveRequest req;
    req.set_couple_id(couple_id);
    SignCall(crypto::kLeaveLabel, &req);
    mend::v1::LeaveResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return couple->Leave(&ctx, req, &resp);
  }
  grpc::Status PutGrant(const std::string& couple_id, uint32_t epoch,
                        const crypto::SecretBytes& key, const crypto::PublicIdentity& to) {
    mend::v1::PutGrantRequest req;
    req.set_couple_id(couple_id);
    auto* g = req.mutable_grant();
    g->set_epoch(epoch);
    g->set_member(to.sign_pk);
    g->set_sealed_key(*crypto::SealCoupleKey(key, to.box_pk));
    g->set_granter(identity.sign_pk());
    g->set_key_id(crypto::KeyId(key));
    g->set_signature(identity.Sign(
        crypto::GrantSignatureInput(couple_id, epoch, to.sign_pk, g->key_id(), g->sealed_key())));
    mend::v1::PutGrantResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    return pairing->PutGrant(&ctx, req, &resp);
  }
  grpc::Status Append(const mend::v1::Entry& entry, mend::v1::Head* head = nullptr,
                      mend::v1::Head* stale = nullptr, const std::string* with_token = nullptr,
                      std::chrono::seconds deadline = std::chrono::seconds(0)) {
    mend::v1::AppendRequest req;
    *req.mutable_entry() = entry;
    mend::v1::AppendResponse resp;
    grpc::ClientContext ctx;
    if (deadline.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    Authorize(&ctx, with_token ? *with_token : token);
    grpc::Status s = log->Append(&ctx, req, &resp);
    if (head) *head = resp.head();
    if (stale && s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      auto md = ctx.GetServerTrailingMetadata();
      auto it = md.find(std::string(wire::kHeadTrailer));
      if (it != md.end()) stale->ParseFromString(std::string(it->second.data(), it->second.size()));
    }
    return s;
  }
  std::vector<mend::v1::Entry> Fetch(const std::string& couple_id, uint64_t after,
                                     grpc::Status* status = nullptr) {
    mend::v1::FetchRequest req;
    req.set_couple_id(couple_id);
    req.set_after_seq(after);
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    auto reader = log->Fetch(&ctx, req);
    std::vector<mend::v1::Entry> out;
    mend::v1::Entry e;
    while (reader->Read(&e)) out.push_back(e);
    grpc::Status s = reader->Finish();
    if (status) *status = s;
    return out;
  }

  crypto::Identity identity;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<mend::v1::Auth::Stub> auth;
  std::unique_ptr<mend::v1::Pairing::Stub> pairing;
  std::unique_ptr<mend::v1::Log::Stub> log;
  std::unique_ptr<mend::v1::Couple::Stub> couple;
  std::unique_ptr<mend::v1::ServerInfo::Stub> info;
  std::string token;
};

// Two members of one couple with epoch-0 grants, joined through the real
// invite/join/confirm calls (the offer and answer are opaque to the server).
struct TestCouple {
  explicit TestCouple(const std::string& address) : TestCouple(MakeChannel(address)) {}
  explicit TestCouple(const std::shared_ptr<grpc::Channel>& channel)
      : couple_id(crypto::RandomBytes(16)), key(crypto::SecretBytes::Random(32)) {
    a = std::make_unique<TestMember>(channel,
                                     *crypto::Identity::FromSeed(crypto::SecretBytes::Random(32)));
    b = std::make_unique<TestMember>(channel,
                                     *crypto::Identity::FromSeed(crypto::SecretBytes::Random(32)));
  }
  // Returns false (with a gtest failure) when a step fails.
  bool Pair(const std::string& registration_code = "") {
    EXPECT_TRUE(a->Login().ok());
    EXPECT_TRUE(b->Login().ok());
    grpc::Status s = a->CreateCouple(couple_id, registration_code);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(a->PutGrant(couple_id, 0, key, a->identity.public_identity()).ok());
    invite_id = crypto::RandomBytes(16);
    EXPECT_TRUE(a->PostInvite(couple_id, invite_id, 3600).ok());
    grpc::Status js = b->JoinCouple(invite_id);
    EXPECT_TRUE(js.ok()) << js.error_message();
    {
      mend::v1::ConfirmMemberRequest req;
      req.set_couple_id(couple_id);
      req.set_member(b->identity.sign_pk());
      mend::v1::ConfirmMemberResponse resp;
      grpc::ClientContext ctx;
      a->Authorize(&ctx, a->token);
      EXPECT_TRUE(a->pairing->ConfirmMember(&ctx, req, &resp).ok());
    }
    EXPECT_TRUE(a->PutGrant(couple_id, 0, key, b->identity.public_identity()).ok());
    return !::testing::Test::HasFailure();
  }
  mend::v1::Entry Entry(const TestMember& author, uint64_t seq, const std::string& prev,
                        uint32_t epoch = 0, size_t note_bytes = 10) const {
    mend::v1::Payload p;
    p.mutable_check_in()->set_mood(5);
    p.mutable_check_in()->set_note(std::string(note_bytes, 'n'));
    crypto::EntryPosition pos{couple_id, seq, prev, epoch, 1};
    return *crypto::SealEntry(pos, p, author.identity, key);
  }
  std::string genesis() const { return crypto::GenesisPrevHash(couple_id); }

  std::string couple_id;
  crypto::SecretBytes key;
  std::string invite_id;
  std::unique_ptr<TestMember> a, b;
};

}  // namespace mend::testing

#endif  // MEND_TESTS_SERVER_TEST_SERVER_H_
