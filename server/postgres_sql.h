// The few libpq helpers the PostgreSQL store is written with: parameters in
// binary, results in binary, and errors as absl::Status (Unavailable when the
// connection is gone, so that a caller may retry on another connection).
#ifndef MEND_SERVER_POSTGRES_SQL_H_
#define MEND_SERVER_POSTGRES_SQL_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"

namespace mend::server::pg {

using Bytes = std::string;

// A query parameter: bytes sent as binary (bytea), or text (numbers).
struct Param {
  std::string value;
  bool binary = true;
};
inline Param Bin(std::string_view bytes) { return {std::string(bytes), true}; }
inline Param Int(int64_t n) { return {std::to_string(n), false}; }

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The message of the connection's last error, on one line; never the
// conninfo (it may hold a password).
std::string ErrorOf(PGconn* conn);
// Runs `sql` with `params`; results come in binary. A failure is Unavailable
// when the connection is gone (the caller may retry elsewhere), Internal
// otherwise.
absl::StatusOr<Result> Exec(PGconn* conn, const char* sql, const std::vector<Param>& params = {});
// Sends `sql` with `params` into the connection's pipeline (PQenterPipelineMode)
// without waiting; its result is read later, in order.
absl::Status Send(PGconn* conn, const char* sql, const std::vector<Param>& params);
// The same for a statement prepared on the connection under `name`.
absl::Status SendPrepared(PGconn* conn, const char* name, const std::vector<Param>& params);
// Sends the preparation of `sql` under `name` into the pipeline.
absl::Status SendPrepare(PGconn* conn, const char* name, const char* sql, int params);
// A script of several statements, no parameters (the schema).
absl::Status ExecScript(PGconn* conn, const char* sql);
absl::StatusOr<PGconn*> Connect(const std::string& conninfo);

Bytes GetBytes(const PGresult* r, int row, int col);
// A bigint column in binary: 8 bytes, big-endian.
int64_t GetInt(const PGresult* r, int row, int col);
uint64_t RowsAffected(const PGresult* r);

}  // namespace mend::server::pg

#endif  // MEND_SERVER_POSTGRES_SQL_H_
