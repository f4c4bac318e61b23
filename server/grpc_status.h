// The one place that maps mend's absl::Status codes to gRPC statuses, and the
// per-call logging scope used by every service handler.
#ifndef MEND_SERVER_GRPC_STATUS_H_
#define MEND_SERVER_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace mend::server {

// Authentication failures are answered without detail; the detail is logged.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Logs method, status code and latency when the call ends (and the peer's
// address in the verbose log only). Never logs request contents, tokens or keys.
class CallScope {
 public:
  CallScope(const char* method, const grpc::ServerContextBase* context);
  // Logs and converts `status`.
  grpc::Status Finish(const absl::Status& status);

 private:
  const char* method_;
  std::string peer_;
  std::chrono::steady_clock::time_point start_;
};

// The bearer token from "authorization: Bearer <token>", or "".
std::string BearerToken(const grpc::ServerContextBase* context);
// The peer's address without its port ("ipv4:127.0.0.1:5000" -> "ipv4:127.0.0.1").
std::string PeerAddress(const grpc::ServerContextBase* context);

}  // namespace mend::server

#endif  // MEND_SERVER_GRPC_STATUS_H_
