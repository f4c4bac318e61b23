// Crash durability: mendd as a child process under concurrent load from
// several couples, killed with SIGKILL at random moments and restarted, cycle
// after cycle. Every acknowledged append must survive, every chain must
// verify, and nothing half-written may appear. Then the client: `mend`
// killed mid-write must leave a key file that opens and a replica that loads.
// MEND_CRASH_CYCLES sets the number of server cycles (default 10).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "base/atomic_file.h"
#include "client/core/replica.h"
#include "crypto/chain_verifier.h"
#include "crypto/key_file.h"
#include "tests/reliability/child_process.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

grpc::Status LoginRetrying(TestMember& m) {
  grpc::Status s = m.Login();
  for (int i = 0; i < 100 && s.error_code() == grpc::StatusCode::UNAVAILABLE; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = m.Login();
  }
  return s;
}

TEST(CrashDurability, EveryAcknowledgedAppendSurvivesRepeatedKillNine) {
  const int cycles =
      std::getenv("MEND_CRASH_CYCLES") ? std::atoi(std::getenv("MEND_CRASH_CYCLES")) : 10;
  constexpr int kCouples = 4;
  auto dir = TempDir("mendd-crash");
  const std::string binary = std::string(MEND_BINARY_DIR) + "/server/mendd";
  const int port = FreeLoopbackPort();
  const std::vector<std::string> args = {binary,           "serve",
                                         "--listen",       "127.0.0.1:" + std::to_string(port),
                                         "--data",         dir.string(),
                                         "--registration", "open",
                                         "--config",       (dir / "mendd.toml").string()};
  ASSERT_TRUE(base::AtomicWriteFile(
                  (dir / "mendd.toml").string(),
                  "[limits]\nappend_rate_per_second = 100000.0\nappend_burst = 100000.0\n", 0600)
                  .ok());
  pid_t pid = Spawn(args);
  ASSERT_TRUE(WaitForPort(port));
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  std::vector<std::unique_ptr<TestCouple>> couples;
  for (int i = 0; i < kCouples; ++i) {
    couples.push_back(std::make_unique<TestCouple>(addr));
    ASSERT_TRUE(couples.back()->Pair());
  }
  std::vector<uint64_t> acknowledged(kCouples, 0);
  std::mt19937 rng(12345);
  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int i = 0; i < kCouples; ++i) {
      writers.emplace_back([&, i] {
        TestCouple& c = *couples[i];
        if (!LoginRetrying(*c.a).ok()) return;
        grpc::Status hs;
        auto existing = c.a->Fetch(c.couple_id, 0, &hs);
        if (!hs.ok()) return;
        std::string prev = existing.empty() ? c.genesis()
                                            : crypto::EntryHash(existing.back().header(),
                                                                existing.back().ciphertext());
        uint64_t seq = existing.size();
        while (!stop) {
          mend::v1::Head head;
          if (!c.a->Append(c.Entry(*c.a, seq + 1, prev), &head).ok()) return;
          ++seq;
          prev = head.hash();
          acknowledged[i] = head.seq();  // only after the server said OK (= fsynced)
        }
      });
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    stop = true;
    for (auto& w : writers) w.join();
    pid = Spawn(args);
    ASSERT_TRUE(WaitForPort(port)) << "cycle " << cycle;
    for (int i = 0; i < kCouples; ++i) {
      TestCouple& c = *couples[i];
      ASSERT_TRUE(LoginRetrying(*c.b).ok());
      grpc::Status fs;
      auto entries = c.b->Fetch(c.couple_id, 0, &fs);
      ASSERT_TRUE(fs.ok()) << fs.error_message();
      EXPECT_GE(entries.size(), acknowledged[i])
          << "cycle " << cycle << " couple " << i << " lost acknowledged entries";
      crypto::KeyRing keys;
      keys[0] = c.key.Clone();
      crypto::ChainContext ctx{
          c.couple_id, {c.a->identity.sign_pk(), c.b->identity.sign_pk()}, &keys, {0, c.genesis()}};
      auto r = crypto::VerifyChain(ctx, entries);
      EXPECT_EQ(r.failure, std::nullopt) << "cycle " << cycle << ": " << r.failure->Message();
    }
  }
  uint64_t total = 0;
  for (uint64_t a : acknowledged) total += a;
  EXPECT_GT(total, 0u);
  RecordProperty("acknowledged_appends", std::to_string(total));
  for (auto& c : couples) {
    c->a.reset();
    c->b.reset();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
}

TEST(CrashDurability, ClientKilledMidWriteLeavesAUsableKeyFileAndReplica) {
  auto dir = TempDir("mend-client-crash");
  const std::string mend = std::string(MEND_BINARY_DIR) + "/client/mend";
  const std::string mendd = std::string(MEND_BINARY_DIR) + "/server/mendd";
  const int port = FreeLoopbackPort();
  pid_t server = Spawn({mendd, "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--data",
                        (dir / "data").string(), "--registration", "open"});
  ASSERT_TRUE(WaitForPort(port));
  setenv("MEND_HOME", (dir / "home").c_str(), 1);
  ASSERT_TRUE(base::AtomicWriteFile((dir / "pass").string(),
                                    "a passphrase only the crash test knows\n", 0600)
                  .ok());
  auto run = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {mend, "--passphrase-file", (dir / "pass").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_t pid = Spawn(args);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const std::string server_addr = "127.0.0.1:" + std::to_string(port);
  ASSERT_EQ(run({"--profile", "a", "init", "--name", "A", "--server", server_addr}), 0);
  ASSERT_EQ(run({"--profile", "b", "init", "--name", "B", "--server", server_addr}), 0);
  // Pairing through the CLI, reading the code from a JSON line.
  std::string code_file = (dir / "code").string();
  ASSERT_EQ(std::system((mend + " --passphrase-file " + (dir / "pass").string() +
                         " --profile a --json pair invite > " + code_file)
                            .c_str()),
            0);
  std::string json = *base::ReadWholeFile(code_file);
  std::string code = json.substr(json.find("mend-"), 37);
  // The code is given as JSON with --input, never as an argument (README).
  ASSERT_TRUE(
      base::AtomicWriteFile((dir / "join.json").string(), "{\"code\": \"" + code + "\"}", 0600)
          .ok());
  ASSERT_EQ(run({"--profile", "b", "pair", "join", "--input", (dir / "join.json").string()}), 0);
  ASSERT_EQ(run({"--profile", "a", "sync"}), 0);
  ASSERT_EQ(run({"--profile", "b", "sync"}), 0);
  std::mt19937 rng(777);
  for (int i = 0; i < 5; ++i) {
    // Rotation rewrites the key file; check-ins append to the replica.
    std::vector<std::string> args = {mend, "--passphrase-file", (dir / "pass").string(),
                                     "--profile", "a"};
    if (i % 2) {
      args.push_back("rotate");
    } else {
      args.insert(args.end(), {"checkin", "--mood", "5"});
    }
    pid_t pid = Spawn(args);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 900)(rng)));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    auto keys = crypto::KeyFile::Read(
        (dir / "home" / "a" / "key").string(),
        crypto::SecretBytes::CopyOf("a passphrase only the crash test knows"));
    ASSERT_TRUE(keys.ok()) << "iteration " << i << ": " << keys.status();
    auto replica = client::Replica((dir / "home" / "a" / "replica").string()).Load();
    ASSERT_TRUE(replica.ok()) << "iteration " << i << ": " << replica.status();
    // And the profile still works end to end.
    ASSERT_EQ(run({"--profile", "a", "sync"}), 0) << "iteration " << i;
  }
  EXPECT_EQ(run({"--profile", "b", "sync"}), 0);
  EXPECT_EQ(run({"--profile", "b", "log"}), 0);
  unsetenv("MEND_HOME");
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mend::testing
