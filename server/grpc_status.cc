#include "server/grpc_status.h"

#include "proto/wire.h"
#include "spdlog/spdlog.h"

namespace mend::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return grpc::Status::OK;
    case absl::StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, message};
    case absl::StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, message};
    case absl::StatusCode::kAlreadyExists:
      return {grpc::StatusCode::ALREADY_EXISTS, message};
    case absl::StatusCode::kPermissionDenied:
      return {grpc::StatusCode::PERMISSION_DENIED, message};
    case absl::StatusCode::kUnauthenticated:
      return {grpc::StatusCode::UNAUTHENTICATED, "authentication failed: log in again"};
    case absl::StatusCode::kFailedPrecondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, message};
    case absl::StatusCode::kResourceExhausted:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, message};
    case absl::StatusCode::kOutOfRange:
      return {grpc::StatusCode::OUT_OF_RANGE, message};
    case absl::StatusCode::kUnimplemented:
      return {grpc::StatusCode::UNIMPLEMENTED, message};
    case absl::StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, message};
    case absl::StatusCode::kDeadlineExceeded:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, message};
    case absl::StatusCode::kCancelled:
      return {grpc::StatusCode::CANCELLED, message};
    case absl::StatusCode::kAborted:
      return {grpc::StatusCode::ABORTED, message};
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    default:
      // Storage details stay in the server log.
      return {grpc::StatusCode::INTERNAL, "internal server error; the operator can see the log"};
  }
}

CallScope::CallScope(const char* method, const grpc::ServerContextBase* context)
    : method_(method), peer_(context->peer()), start_(std::chrono::steady_clock::now()) {}

grpc::Status CallScope::Finish(const absl::Status& status) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start_)
                    .count();
  // A peer address says who talks to whom: only in the verbose log.
  if (status.ok()) {
    spdlog::debug("{} peer={} status=OK latency_us={}", method_, peer_, micros);
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{} peer={} status={} latency_us={} detail=\"{}\"", method_, peer_,
                  absl::StatusCodeToString(status.code()), micros, std::string(status.message()));
  } else {
    spdlog::info("{} status={} latency_us={} detail=\"{}\"", method_,
                 absl::StatusCodeToString(status.code()), micros, std::string(status.message()));
  }
  return ToGrpcStatus(status);
}

std::string BearerToken(const grpc::ServerContextBase* context) {
  const auto& md = context->client_metadata();
  auto it = md.find(std::string(wire::kAuthorizationMetadata));
  if (it == md.end()) return "";
  std::string value(it->second.data(), it->second.size());
  if (value.rfind(wire::kBearerPrefix, 0) != 0) return "";
  return value.substr(wire::kBearerPrefix.size());
}

std::string PeerAddress(const grpc::ServerContextBase* context) {
  std::string peer = context->peer();
  size_t colon = peer.rfind(':');
  size_t first = peer.find(':');
  if (colon != std::string::npos && colon != first) peer.resize(colon);
  return peer;
}

}  // namespace mend::server
