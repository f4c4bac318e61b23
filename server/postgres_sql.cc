#include "server/postgres_sql.h"

#include <algorithm>
#include <cstdlib>

#include "base/big_endian.h"
#include "fmt/format.h"

namespace mend::server::pg {

std::string ErrorOf(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

namespace {

// `params` as libpq takes them: parallel arrays of values, lengths and
// formats (1: binary), which point into `params`.
struct ParamArrays {
  explicit ParamArrays(const std::vector<Param>& params) {
    for (const Param& p : params) {
      values.push_back(p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }

  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

absl::Status SendFailed(PGconn* conn) {
  return absl::UnavailableError(fmt::format("PostgreSQL: {}", ErrorOf(conn)));
}

}  // namespace

absl::StatusOr<Result> Exec(PGconn* conn, const char* sql, const std::vector<Param>& params) {
  const ParamArrays p(params);
  Result r(PQexecParams(conn, sql, p.count(), nullptr, p.values.data(), p.lengths.data(),
                        p.formats.data(), /*resultFormat=*/1),
           &PQclear);
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  const std::string message = fmt::format("PostgreSQL: {}", ErrorOf(conn));
  if (PQstatus(conn) != CONNECTION_OK) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::Status Send(PGconn* conn, const char* sql, const std::vector<Param>& params) {
  const ParamArrays p(params);
  if (PQsendQueryParams(conn, sql, p.count(), nullptr, p.values.data(), p.lengths.data(),
                        p.formats.data(), /*resultFormat=*/1) == 1) {
    return absl::OkStatus();
  }
  return SendFailed(conn);
}

absl::Status SendPrepared(PGconn* conn, const char* name, const std::vector<Param>& params) {
  const ParamArrays p(params);
  if (PQsendQueryPrepared(conn, name, p.count(), p.values.data(), p.lengths.data(),
                          p.formats.data(), /*resultFormat=*/1) == 1) {
    return absl::OkStatus();
  }
  return SendFailed(conn);
}

absl::Status SendPrepare(PGconn* conn, const char* name, const char* sql, int params) {
  if (PQsendPrepare(conn, name, sql, params, nullptr) == 1) return absl::OkStatus();
  return SendFailed(conn);
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
