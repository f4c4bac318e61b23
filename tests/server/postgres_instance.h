// A throwaway PostgreSQL 15 for tests: initdb into a temporary directory,
// a Unix socket in it and no TCP listener, stopped and deleted when the test
// process exits. Debian's postgresql-15 (scripts/setup installs it). As root
// it runs as the `postgres` user, since initdb refuses root.
#ifndef MEND_TESTS_SERVER_POSTGRES_INSTANCE_H_
#define MEND_TESTS_SERVER_POSTGRES_INSTANCE_H_

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "base/hex.h"
#include "crypto/bytes.h"
#include "fmt/format.h"

namespace mend::testing {

// Runs a PostgreSQL tool (initdb, pg_ctl, pg_basebackup): as root, as the
// `postgres` user, since PostgreSQL refuses to run as root.
inline int RunAsPostgres(const std::string& command) {
  const std::string as = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
  return std::system((as + command).c_str());
}

class PostgresInstance {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
  static constexpr int kPort = 5433;  // names the socket file; nothing listens on TCP

  // The instance of this test process, started at the first call.
  static absl::StatusOr<PostgresInstance*> Shared() {
    static std::once_flag once;
    static std::unique_ptr<PostgresInstance> instance;
    static absl::Status failed;
    std::call_once(once, [] {
      auto started = Start();
      if (started.ok()) {
        instance = *std::move(started);
      } else {
        failed = started.status();
      }
    });
    if (!instance) return failed;
    return instance.get();
  }

  ~PostgresInstance() {
    RunAsPostgres(
        fmt::format("{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1", kBin, dir_));
    std::filesystem::remove_all(dir_);
  }

  // A fresh database of the shared instance, "PREFIX_<random>": its conninfo.
  static absl::StatusOr<std::string> NewDatabase(const std::string& prefix) {
    auto pg = Shared();
    if (!pg.ok()) return pg.status();
    return (*pg)->Database(prefix + "_" + base::ToHex(crypto::RandomBytes(4)));
  }

  // The conninfo of database `db`, created unless it exists.
  absl::StatusOr<std::string> Database(const std::string& db) {
    PGconn* conn = PQconnectdb(Conninfo("postgres").c_str());
    std::unique_ptr<PGconn, decltype(&PQfinish)> guard(conn, &PQfinish);
    if (PQstatus(conn) != CONNECTION_OK)
      return absl::UnavailableError(std::string("test PostgreSQL: ") + PQerrorMessage(conn));
    std::unique_ptr<PGresult, decltype(&PQclear)> exists(
        PQexec(conn, fmt::format("SELECT 1 FROM pg_database WHERE datname = '{}'", db).c_str()),
        &PQclear);
    if (PQntuples(exists.get()) == 1) return Conninfo(db);
    std::unique_ptr<PGresult, decltype(&PQclear)> created(
        PQexec(conn, fmt::format("CREATE DATABASE {}", db).c_str()), &PQclear);
    if (PQresultStatus(created.get()) != PGRES_COMMAND_OK)
      return absl::InternalError(std::string("CREATE DATABASE: ") + PQerrorMessage(conn));
    return Conninfo(db);
  }

  // Stops and deletes the instances (mend-pg-* in the temporary directory)
  // of test processes that died without stopping theirs (a crash, a test killed at its timeout).
  static void ReapOrphans() {
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("mend-pg-", 0) != 0) continue;
      pid_t owner = 0;
      std::ifstream(entry.path() / "owner.pid") >> owner;
      if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
      RunAsPostgres(fmt::format("{}/pg_ctl -D {}/data -m immediate stop >/dev/null 2>&1", kBin,
                                entry.path().string()));
      std::filesystem::remove_all(entry.path(), ec);
    }
  }

 private:
  std::string Conninfo(const std::string& db) const {
    return fmt::format("host={} port={} user=mend dbname={}", dir_, kPort, db);
  }

  explicit PostgresInstance(std::string dir) : dir_(std::move(dir)) {}

  static absl::StatusOr<std::unique_ptr<PostgresInstance>> Start() {
    if (!std::filesystem::exists(std::string(kBin) + "/initdb")) {
      return absl::FailedPreconditionError(
          fmt::format("{}/initdb is missing: the PostgreSQL tests need Debian's postgresql-15 "
                      "(scripts/setup installs it)",
                      kBin));
    }
    ReapOrphans();
    const std::string dir = (std::filesystem::temp_directory_path() /
                             ("mend-pg-" + base::ToHex(crypto::RandomBytes(6))))
                                .string();
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/owner.pid") << ::getpid() << "\n";
    if (::geteuid() == 0 &&
        std::system(fmt::format("chown postgres: {} && chmod 700 {}", dir, dir).c_str()) != 0) {
      return absl::InternalError("cannot give the test PostgreSQL directory to user postgres");
    }
    auto instance = std::unique_ptr<PostgresInstance>(new PostgresInstance(dir));
    if (RunAsPostgres(fmt::format("{}/initdb -D {}/data -U mend --auth=trust -E UTF8 --no-sync "
                                  ">{}/initdb.log 2>&1",
                                  kBin, dir, dir)) != 0) {
      return absl::InternalError(fmt::format("initdb failed; see {}/initdb.log", dir));
    }
    if (RunAsPostgres(fmt::format("{}/pg_ctl -D {}/data -l {}/server.log -w -t 60 -o \"-k {} -c "
                                  "listen_addresses= -p {}\" start >/dev/null",
                                  kBin, dir, dir, dir, kPort)) != 0) {
      return absl::InternalError(fmt::format("PostgreSQL did not start; see {}/server.log", dir));
    }
    return instance;
  }

  std::string dir_;
};

}  // namespace mend::testing

#endif  // MEND_TESTS_SERVER_POSTGRES_INSTANCE_H_
