// Racing appends, restarts, kill -9, Watch and paging against a real mendd.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "crypto/chain_verifier.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

using grpc::StatusCode;

crypto::ChainResult VerifyAll(const TestCouple& couple,
                              const std::vector<mend::v1::Entry>& entries) {
  crypto::KeyRing keys;
  keys[0] = couple.key.Clone();
  crypto::ChainContext ctx{couple.couple_id,
                           {couple.a->identity.sign_pk(), couple.b->identity.sign_pk()},
                           &keys,
                           {0, couple.genesis()}};
  return crypto::VerifyChain(ctx, entries);
}

// Appends one entry by `member`, retrying on a stale head like a client does.
// Returns the seq it won.
uint64_t AppendWithRetry(const TestCouple& couple, TestMember& member) {
  mend::v1::Head head;
  grpc::ClientContext ctx;
  member.Authorize(&ctx, member.token);
  mend::v1::GetHeadRequest req;
  req.set_couple_id(couple.couple_id);
  EXPECT_TRUE(member.log->GetHead(&ctx, req, &head).ok());
  for (int attempt = 0; attempt < 1000; ++attempt) {
    mend::v1::Head won, stale;
    grpc::Status s = member.Append(couple.Entry(member, head.seq() + 1, head.hash()), &won, &stale);
    if (s.ok()) return won.seq();
    EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION) << s.error_message();
    head = stale;
  }
  ADD_FAILURE() << "never won an append";
  return 0;
}

TEST(ServerConcurrency, RacingMembersYieldAGapFreeChainWhereEverySeqIsWonOnce) {
  TestServer server;
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  constexpr int kThreadsPerMember = 4, kAppendsPerThread = 20;
  std::mutex mu;
  // Entry 1 is the creator's (the Genesis); the race is for every entry after it.
  std::vector<uint64_t> won = {AppendWithRetry(couple, *couple.a)};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerMember; ++t) {
    threads.emplace_back([&, t] {
      TestMember& m = t % 2 ? *couple.a : *couple.b;
      for (int i = 0; i < kAppendsPerThread; ++i) {
        uint64_t seq = AppendWithRetry(couple, m);
        std::lock_guard l(mu);
        won.push_back(seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  const size_t total = 2 * kThreadsPerMember * kAppendsPerThread + 1;
  std::set<uint64_t> unique(won.begin(), won.end());
  EXPECT_EQ(unique.size(), total);
  EXPECT_EQ(*unique.begin(), 1u);
  EXPECT_EQ(*unique.rbegin(), total);
  auto entries = couple.a->Fetch(couple.couple_id, 0);
  ASSERT_EQ(entries.size(), total);
  auto r = VerifyAll(couple, entries);
  EXPECT_EQ(r.failure, std::nullopt) << r.failure->Message();
}

TEST(ServerConcurrency, ManyCouplesAppendInParallel) {
  TestServer server;
  constexpr int kCouples = 8, kAppends = 25;
  std::vector<std::unique_ptr<TestCouple>> couples;
  for (int i = 0; i < kCouples; ++i) {
    couples.push_back(std::make_unique<TestCouple>(server.address()));
    ASSERT_TRUE(couples.back()->Pair());
  }
  std::vector<std::thread> threads;
  for (auto& c : couples) {
    threads.emplace_back([&c] {
      std::string prev = c->genesis();
      for (int seq = 1; seq <= kAppends; ++seq) {
        mend::v1::Head head;
        grpc::Status s = c->a->Append(c->Entry(*c->a, seq, prev), &head);
        EXPECT_TRUE(s.ok()) << s.error_message();
        prev = head.hash();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& c : couples) {
    auto entries = c->b->Fetch(c->couple_id, 0);
    EXPECT_EQ(entries.size(), static_cast<size_t>(kAppends));
    EXPECT_EQ(VerifyAll(*c, entries).failure, std::nullopt);
  }
}

TEST(ServerDurability, EntriesAndHeadsSurviveARestart) {
  TestServer server;
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  for (int seq = 1; seq <= 10; ++seq) {
    mend::v1::Head head;
    ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, seq, prev), &head).ok());
    prev = head.hash();
  }
  server.Restart();
  // Tokens are in memory only: log in again after a restart.
  ASSERT_TRUE(couple.a->Login().ok());
  auto entries = couple.a->Fetch(couple.couple_id, 0);
  ASSERT_EQ(entries.size(), 10u);
  EXPECT_EQ(VerifyAll(couple, entries).failure, std::nullopt);
  mend::v1::Head head;
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 11, prev), &head).ok());
  EXPECT_EQ(head.seq(), 11u);
}

TEST(ServerDurability, AcknowledgedEntriesSurviveKillNine) {
  auto dir = TempDir("mendd-kill");
  std::string binary = std::string(MEND_BINARY_DIR) + "/server/mendd";
  const std::string port = std::to_string(FreeLoopbackPort());
  auto spawn = [&] {
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(binary.c_str(), "mendd", "serve", "--listen", ("127.0.0.1:" + port).c_str(), "--data",
            dir.c_str(), "--registration", "open", nullptr);
      _exit(127);
    }
    return pid;
  };
  pid_t pid = spawn();
  ASSERT_TRUE(WaitForPort(std::stoi(port)));
  std::string addr = "127.0.0.1:" + port;
  TestCouple couple(addr);
  ASSERT_TRUE(couple.Pair());
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::string prev = couple.genesis();
    for (uint64_t seq = 1; !stop; ++seq) {
      mend::v1::Head head;
      if (!couple.a->Append(couple.Entry(*couple.a, seq, prev), &head).ok()) return;
      acknowledged = head.seq();
      prev = head.hash();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  stop = true;
  writer.join();
  ASSERT_GT(acknowledged.load(), 0u);
  pid = spawn();
  ASSERT_TRUE(WaitForPort(std::stoi(port)));
  // A channel that watched its server die may fail its first call on the old
  // connection ("Socket closed"); a client retries that.
  grpc::Status login = couple.a->Login();
  for (int i = 0; i < 50 && login.error_code() == grpc::StatusCode::UNAVAILABLE; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    login = couple.a->Login();
  }
  ASSERT_TRUE(login.ok()) << login.error_message();
  grpc::Status fetched;
  auto entries = couple.a->Fetch(couple.couple_id, 0, &fetched);
  ASSERT_TRUE(fetched.ok()) << fetched.error_message();
  EXPECT_GE(entries.size(), acknowledged.load());
  EXPECT_EQ(VerifyAll(couple, entries).failure, std::nullopt);
  couple.a.reset();  // close our connections: SIGTERM waits for open ones up to its grace period
  couple.b.reset();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "SIGTERM should drain and exit 0";
  std::filesystem::remove_all(dir);
}

TEST(ServerStreams, WatchDeliversEntriesAppendedByTheOtherMember) {
  TestServer server;
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  mend::v1::Head first;
  ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, 1, couple.genesis()), &first).ok());
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
    EXPECT_TRUE(couple.a->Append(couple.Entry(*couple.a, 2, first.hash())).ok());
  });
  ASSERT_TRUE(reader->Read(&e));  // the live one
  later.join();
  mend::v1::EntryHeader h;
  ASSERT_TRUE(h.ParseFromString(e.header()));
  EXPECT_EQ(h.seq(), 2u);
  ctx.TryCancel();
}

TEST(ServerStreams, FetchPagesThroughALongLog) {
  auto limits = TestServer::TestLimits();
  limits.max_fetch_page = 16;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  for (int seq = 1; seq <= 70; ++seq) {
    mend::v1::Head head;
    ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, seq, prev), &head).ok());
    prev = head.hash();
  }
  auto entries = couple.b->Fetch(couple.couple_id, 0);
  ASSERT_EQ(entries.size(), 70u);
  EXPECT_EQ(VerifyAll(couple, entries).failure, std::nullopt);
}

TEST(ServerLimits, AppendRateIsLimitedPerMember) {
  auto limits = TestServer::TestLimits();
  limits.append_rate_per_second = 0.001;
  limits.append_burst = 3;
  TestServer server(server::RegistrationMode::kOpen, limits);
  TestCouple couple(server.address());
  ASSERT_TRUE(couple.Pair());
  std::string prev = couple.genesis();
  for (int seq = 1; seq <= 3; ++seq) {
    mend::v1::Head head;
    ASSERT_TRUE(couple.a->Append(couple.Entry(*couple.a, seq, prev), &head).ok());
    prev = head.hash();
  }
  grpc::Status s = couple.a->Append(couple.Entry(*couple.a, 4, prev));
  EXPECT_EQ(s.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(
      couple.b->Append(couple.Entry(*couple.b, 4, prev)).ok());  // the partner has their own bucket
}

}  // namespace
}  // namespace mend::testing
