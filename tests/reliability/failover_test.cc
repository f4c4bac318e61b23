// Failover that loses nothing acknowledged (issue 17): mendd nodes and the
// PostgreSQL primary killed with SIGKILL under load from several couples.
//  - Two mendd processes on one database; clients name both (gRPC's
//    round-robin over an ipv4: list, as `mend init --server` allows). One
//    node is killed; the clients go on through the other.
//  - One mendd on a primary with a synchronous standby, through a
//    multi-host conninfo. The primary is killed, the standby promoted, and
//    mendd follows it; the dead node comes back as the new standby.
// After each cycle every acknowledged entry is in the log at its seq and
// every chain verifies. MEND_FAILOVER_CYCLES sets the cycles (default 2).
#include <gtest/gtest.h>

#include <random>

#include "base/atomic_file.h"
#include "fmt/format.h"
#include "server/postgres_log_store.h"
#include "tests/reliability/acknowledged_writers.h"
#include "tests/reliability/child_process.h"
#include "tests/reliability/replicated_postgres.h"
#include "tests/server/postgres_instance.h"

namespace mend::testing {
namespace {

constexpr int kCouples = 4;

int Cycles() {
  const char* env = std::getenv("MEND_FAILOVER_CYCLES");
  return env ? std::max(1, std::atoi(env)) : 2;
}

// A mendd process on `conninfo`, listening on loopback `port`, with the
// rate limits out of the way of a load test from one address.
class MenddNode {
 public:
  MenddNode(std::string conninfo, int port)
      : conninfo_(std::move(conninfo)), port_(port), dir_(TempDir("mendd-failover")) {
    EXPECT_TRUE(base::AtomicWriteFile(
                    (dir_ / "mendd.toml").string(),
                    "[limits]\nappend_rate_per_second = 100000.0\nappend_burst = 100000.0\n"
                    "pairing_rate_per_second = 100000.0\npairing_burst = 100000.0\n"
                    "login_rate_per_second = 100000.0\nlogin_burst = 100000.0\n"
                    "member_rate_per_second = 100000.0\nmember_burst = 100000.0\n",
                    0600)
                    .ok());
    Start();
  }
  ~MenddNode() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  void Start() {
    pid_ = Spawn({std::string(MEND_BINARY_DIR) + "/server/mendd", "serve", "--listen", address(),
                  "--data", dir_.string(), "--registration", "open", "--store", "postgres",
                  "--postgres", conninfo_, "--config", (dir_ / "mendd.toml").string()});
    ASSERT_TRUE(WaitForPort(port_)) << "mendd on port " << port_ << " did not start";
  }
  void KillNine() {
    testing::KillNine(pid_);
    pid_ = -1;
  }
  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }

 private:
  std::string conninfo_;
  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

// One channel over several nodes, as mend makes it for a multi-address
// --server: round-robin, quick to reconnect.
std::shared_ptr<grpc::Channel> ChannelToAll(const std::vector<std::string>& addresses) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  std::string target = "ipv4:";
  for (size_t i = 0; i < addresses.size(); ++i) target += (i ? "," : "") + addresses[i];
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

TEST(NodeFailover, ClientsGoOnThroughTheOtherNodeWhenOneIsKilledUnderLoad) {
  auto db = PostgresInstance::NewDatabase("mend_node_failover");
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(server::PostgresLogStore::Migrate(*db).ok());
  std::vector<std::unique_ptr<MenddNode>> nodes;
  for (int i = 0; i < 2; ++i) nodes.push_back(std::make_unique<MenddNode>(*db, FreeLoopbackPort()));
  AcknowledgedWriters writers(ChannelToAll({nodes[0]->address(), nodes[1]->address()}), kCouples);
  ASSERT_TRUE(writers.Pair());
  std::mt19937 rng(2024);
  for (int cycle = 0; cycle < Cycles(); ++cycle) {
    writers.Start();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 400)(rng)));
    MenddNode& victim = *nodes[cycle % 2];
    victim.KillNine();
    const auto at_kill = writers.AcknowledgedCounts();
    EXPECT_TRUE(writers.EveryCoupleGetsPast(at_kill, std::chrono::seconds(30)))
        << "cycle " << cycle << ": the clients did not go on through the surviving node";
    victim.Start();
    writers.Stop();
    writers.ExpectNothingAcknowledgedLost(fmt::format("cycle {}", cycle));
    if (HasFatalFailure()) return;
  }
  RecordProperty("acknowledged_appends", std::to_string(writers.TotalAcknowledged()));
  RecordProperty("retried_errors", std::to_string(writers.errors()));
}

TEST(PrimaryFailover, NothingAcknowledgedIsLostWhenThePrimaryIsKilledAndTheStandbyPromoted) {
  auto pg = ReplicatedPostgres::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ReplicatedPostgres& cluster = **pg;
  ASSERT_TRUE(cluster.CreateDatabase("mend_failover").ok());
  const std::string conninfo = cluster.Conninfo("mend_failover");
  ASSERT_TRUE(server::PostgresLogStore::Migrate(conninfo).ok());
  MenddNode node(conninfo, FreeLoopbackPort());
  AcknowledgedWriters writers(ChannelToAll({node.address()}), kCouples);
  ASSERT_TRUE(writers.Pair());
  std::mt19937 rng(4048);
  for (int cycle = 0; cycle < Cycles(); ++cycle) {
    writers.Start();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 600)(rng)));
    const size_t before_kill = writers.TotalAcknowledged();
    ASSERT_TRUE(cluster.KillPrimary().ok());
    absl::Status promoted = cluster.PromoteStandby();
    ASSERT_TRUE(promoted.ok()) << promoted;
    const auto at_promotion = writers.AcknowledgedCounts();
    EXPECT_TRUE(writers.EveryCoupleGetsPast(at_promotion, std::chrono::seconds(30)))
        << "cycle " << cycle << ": mendd did not follow the promoted standby";
    absl::Status rebuilt = cluster.RebuildStandby();  // under load, as in life
    ASSERT_TRUE(rebuilt.ok()) << rebuilt;
    writers.Stop();
    EXPECT_GT(before_kill, 0u) << "cycle " << cycle << ": nothing was written before the kill";
    writers.ExpectNothingAcknowledgedLost(
        fmt::format("cycle {} (primary now node {})", cycle, cluster.primary()));
    if (HasFatalFailure()) return;
  }
  RecordProperty("acknowledged_appends", std::to_string(writers.TotalAcknowledged()));
  RecordProperty("retried_errors", std::to_string(writers.errors()));
}

}  // namespace
}  // namespace mend::testing
