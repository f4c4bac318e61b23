// A PostgreSQL 15 primary with a synchronous standby, for the failover test:
// two nodes in one temporary directory (n0/ and n1/, each a Unix socket and
// a data directory, no TCP), the standby a pg_basebackup of the primary
// streaming with synchronous_standby_names = '*'. The test kills the primary
// as a machine dies (SIGKILL to the postmaster and every child), promotes the
// standby the way pg_auto_failover does (it stops waiting for a standby it
// no longer has, then is promoted), and rebuilds the dead node as the new
// standby. Clients follow with a multi-host conninfo and
// target_session_attrs=read-write.
#ifndef MEND_TESTS_RELIABILITY_REPLICATED_POSTGRES_H_
#define MEND_TESTS_RELIABILITY_REPLICATED_POSTGRES_H_

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "fmt/format.h"
#include "tests/server/postgres_instance.h"

namespace mend::testing {

class ReplicatedPostgres {
 public:
  static constexpr int kPort = PostgresInstance::kPort;  // names the socket files

  static absl::StatusOr<std::unique_ptr<ReplicatedPostgres>> Start() {
    const std::string bin = PostgresInstance::kBin;
    if (!std::filesystem::exists(bin + "/initdb")) {
      return absl::FailedPreconditionError(
          "the failover test needs Debian's postgresql-15 (scripts/setup installs it)");
    }
    PostgresInstance::ReapOrphans();
    const std::string dir = (std::filesystem::temp_directory_path() /
                             ("mend-pg-" + base::ToHex(crypto::RandomBytes(6))))
                                .string();
    std::filesystem::create_directories(dir + "/n0");
    std::filesystem::create_directories(dir + "/n1");
    std::ofstream(dir + "/owner.pid") << ::getpid() << "\n";
    if (::geteuid() == 0 &&
        std::system(fmt::format("chown -R postgres: {} && chmod -R 700 {}", dir, dir).c_str()) !=
            0) {
      return absl::InternalError("cannot give the test PostgreSQL directory to user postgres");
    }
    auto pair = std::unique_ptr<ReplicatedPostgres>(new ReplicatedPostgres(dir));
    if (RunAsPostgres(fmt::format("{}/initdb -D {}/n0/data -U mend --auth=trust -E UTF8 --no-sync "
                                  ">{}/n0/initdb.log 2>&1",
                                  bin, dir, dir)) != 0) {
      return absl::InternalError(fmt::format("initdb failed; see {}/n0/initdb.log", dir));
    }
    RETURN_IF_ERROR(pair->StartNode(0));
    RETURN_IF_ERROR(pair->Exec(0, "CREATE TABLE sync_probe (at timestamptz)"));
    RETURN_IF_ERROR(pair->CloneStandbyFromPrimary());
    return pair;
  }

  ~ReplicatedPostgres() {
    for (int node : {0, 1}) {
      RunAsPostgres(fmt::format("{}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1",
                                PostgresInstance::kBin, Data(node)));
    }
    std::filesystem::remove_all(dir_);
  }

  // Both nodes, the primary wherever it is: what mendd is given.
  std::string Conninfo(const std::string& db) const {
    return fmt::format(
        "host={},{} port={},{} user=mend dbname={} target_session_attrs=read-write "
        "connect_timeout=2",
        Node(0), Node(1), kPort, kPort, db);
  }

  absl::Status CreateDatabase(const std::string& db) {
    return Exec(primary_, fmt::format("CREATE DATABASE {}", db));
  }

  // The primary dies as its machine would: the postmaster stopped so that
  // it cannot restart anything, then it and every child SIGKILLed at once.
  absl::Status KillPrimary() {
    pid_t postmaster = 0;
    std::ifstream(Data(primary_) + "/postmaster.pid") >> postmaster;
    if (postmaster <= 0) return absl::InternalError("the primary has no postmaster.pid");
    ::kill(postmaster, SIGSTOP);
    std::vector<pid_t> family = {postmaster};
    for (const auto& proc : std::filesystem::directory_iterator("/proc")) {
      const std::string name = proc.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream status(proc.path() / "status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("PPid:", 0) == 0) {
          if (std::stoi(line.substr(5)) == postmaster) family.push_back(std::stoi(name));
          break;
        }
      }
    }
    for (pid_t pid : family) ::kill(pid, SIGKILL);
    for (pid_t pid : family) {
      for (int i = 0; i < 500 && Alive(pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (Alive(pid)) return absl::InternalError(fmt::format("pid {} survived SIGKILL", pid));
    }
    dead_ = primary_;
    return absl::OkStatus();
  }

  // The standby becomes the primary. First it stops requiring a synchronous
  // standby of its own (it has none until the dead node is rebuilt), as
  // pg_auto_failover does on losing the secondary; otherwise every commit on
  // it would wait forever.
  absl::Status PromoteStandby() {
    const int standby = 1 - primary_;
    RETURN_IF_ERROR(Exec(standby, "ALTER SYSTEM SET synchronous_standby_names = ''"));
    RETURN_IF_ERROR(Exec(standby, "SELECT pg_reload_conf()"));
    if (RunAsPostgres(fmt::format("{}/pg_ctl -D {} -w -t 60 promote >/dev/null",
                                  PostgresInstance::kBin, Data(standby))) != 0) {
      return absl::InternalError(
          fmt::format("pg_ctl promote failed; see {}/server.log", Node(standby)));
    }
    primary_ = standby;
    return absl::OkStatus();
  }

  // The node that was killed comes back as a fresh copy of the new primary,
  // streaming, synchronous.
  absl::Status RebuildStandby() {
    if (dead_ < 0) return absl::FailedPreconditionError("no node is down");
    std::filesystem::remove_all(Data(dead_));
    for (const auto& f : std::filesystem::directory_iterator(Node(dead_))) {
      if (f.path().filename().string().rfind(".s.PGSQL", 0) == 0) std::filesystem::remove(f);
    }
    RETURN_IF_ERROR(CloneStandbyFromPrimary());
    dead_ = -1;
    return absl::OkStatus();
  }

  int primary() const { return primary_; }

 private:
  explicit ReplicatedPostgres(std::string dir) : dir_(std::move(dir)) {}

  std::string Node(int node) const { return fmt::format("{}/n{}", dir_, node); }
  std::string Data(int node) const { return Node(node) + "/data"; }

  static bool Alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    // PID 1 here may not reap orphans: a zombie is dead.
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = all.rfind(')');
    return paren != std::string::npos && paren + 2 < all.size() && all[paren + 2] != 'Z';
  }

  absl::Status StartNode(int node) {
    if (RunAsPostgres(fmt::format("{}/pg_ctl -D {} -l {}/server.log -w -t 60 -o \"-k {} -c "
                                  "listen_addresses= -p {}\" start >/dev/null",
                                  PostgresInstance::kBin, Data(node), Node(node), Node(node),
                                  kPort)) != 0) {
      return absl::InternalError(
          fmt::format("PostgreSQL node {} did not start; see {}/server.log", node, Node(node)));
    }
    return absl::OkStatus();
  }

  // The other node becomes a base backup of the primary, starts streaming,
  // and is then made synchronous. One commit after that flushes everything
  // before it to the standby too: from here on nothing acknowledged exists
  // on one machine only.
  absl::Status CloneStandbyFromPrimary() {
    const int standby = 1 - primary_;
    if (RunAsPostgres(fmt::format("{}/pg_basebackup -h {} -p {} -U mend -D {} -R -X stream -c fast "
                                  ">{}/basebackup.log 2>&1",
                                  PostgresInstance::kBin, Node(primary_), kPort, Data(standby),
                                  Node(standby))) != 0) {
      return absl::InternalError(
          fmt::format("pg_basebackup failed; see {}/basebackup.log", Node(standby)));
    }
    RETURN_IF_ERROR(StartNode(standby));
    RETURN_IF_ERROR(Exec(primary_, "ALTER SYSTEM SET synchronous_standby_names = '*'"));
    RETURN_IF_ERROR(Exec(primary_, "SELECT pg_reload_conf()"));
    RETURN_IF_ERROR(WaitFor(primary_,
                            "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' "
                            "AND state = 'streaming'"));
    RETURN_IF_ERROR(Exec(primary_, "INSERT INTO sync_probe VALUES (now())"));
    return absl::OkStatus();
  }

  absl::Status Exec(int node, const std::string& sql) {
    PGconn* conn = PQconnectdb(
        fmt::format("host={} port={} user=mend dbname=postgres", Node(node), kPort).c_str());
    std::unique_ptr<PGconn, decltype(&PQfinish)> guard(conn, &PQfinish);
    if (PQstatus(conn) != CONNECTION_OK) {
      return absl::UnavailableError(fmt::format("node {}: {}", node, PQerrorMessage(conn)));
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return absl::InternalError(fmt::format("node {}: {}: {}", node, sql, PQerrorMessage(conn)));
    }
    if (status == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 && PQnfields(r.get()) == 1) {
      last_value_ = PQgetvalue(r.get(), 0, 0);
    }
    return absl::OkStatus();
  }

  // Polls `count_sql` (one count) on `node` until it is at least 1.
  absl::Status WaitFor(int node, const std::string& count_sql) {
    for (int i = 0; i < 600; ++i) {
      if (Exec(node, count_sql).ok() && last_value_ != "0") return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::DeadlineExceededError(fmt::format("node {}: never true: {}", node, count_sql));
  }

  std::string dir_;
  int primary_ = 0;
  int dead_ = -1;
  std::string last_value_;
};

}  // namespace mend::testing

#endif  // MEND_TESTS_RELIABILITY_REPLICATED_POSTGRES_H_
