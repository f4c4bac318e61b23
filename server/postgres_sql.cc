#include "server/postgres_sql.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "base/big_endian.h"
#include "fmt/format.h"

namespace mend::server::pg {

// The message of the connection's last error, on one line; never the
// conninfo (it may hold a password).
std::string ErrorOf(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

// Runs `sql` with `params`; results come in binary. A failure is Unavailable
// when the connection is gone (the caller may retry elsewhere), Internal
// otherwise.
absl::StatusOr<Result> Exec(PGconn* conn, const char* sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  Result r(PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, values.data(),
                        lengths.data(), formats.data(), /*resultFormat=*/1),
           &PQclear);
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  const std::string message = fmt::format("PostgreSQL: {}", ErrorOf(conn));
  if (PQstatus(conn) != CONNECTION_OK) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

namespace {

absl::Status SendWith(
    PGconn* conn, const std::vector<Param>& params,
    const std::function<int(int, const char* const*, const int*, const int*)>& send) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  if (send(static_cast<int>(params.size()), values.data(), lengths.data(), formats.data()) == 1) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(fmt::format("PostgreSQL: {}", ErrorOf(conn)));
}

}  // namespace

absl::Status Send(PGconn* conn, const char* sql, const std::vector<Param>& params) {
  return SendWith(conn, params, [&](int n, const char* const* v, const int* l, const int* f) {
    return PQsendQueryParams(conn, sql, n, nullptr, v, l, f, /*resultFormat=*/1);
  });
}

absl::Status SendPrepared(PGconn* conn, const char* name, const std::vector<Param>& params) {
  return SendWith(conn, params, [&](int n, const char* const* v, const int* l, const int* f) {
    return PQsendQueryPrepared(conn, name, n, v, l, f, /*resultFormat=*/1);
  });
}

absl::Status SendPrepare(PGconn* conn, const char* name, const char* sql, int params) {
  if (PQsendPrepare(conn, name, sql, params, nullptr) == 1) return absl::OkStatus();
  return absl::UnavailableError(fmt::format("PostgreSQL: {}", ErrorOf(conn)));
}

// A script of several statements, no parameters (the schema).
absl::Status ExecScript(PGconn* conn, const char* sql) {
  Result r(PQexec(conn, sql), &PQclear);
  if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK) return absl::OkStatus();
  return absl::InternalError(fmt::format("PostgreSQL: {}", ErrorOf(conn)));
}

Bytes GetBytes(const PGresult* r, int row, int col) {
  return Bytes(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

// A bigint column in binary: 8 bytes, big-endian.
int64_t GetInt(const PGresult* r, int row, int col) {
  return static_cast<int64_t>(base::ReadU64(std::string_view(PQgetvalue(r, row, col), 8)));
}

uint64_t RowsAffected(const PGresult* r) {
  return std::strtoull(PQcmdTuples(const_cast<PGresult*>(r)), nullptr, 10);
}

absl::StatusOr<PGconn*> Connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return absl::ResourceExhaustedError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status s =
        absl::UnavailableError(fmt::format("cannot connect to PostgreSQL: {}", ErrorOf(conn)));
    PQfinish(conn);
    return s;
  }
  return conn;
}

}  // namespace mend::server::pg
