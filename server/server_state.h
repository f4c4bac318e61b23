// The domain objects that the gRPC services share. Owned by MendServer;
// services borrow it.
#ifndef MEND_SERVER_SERVER_STATE_H_
#define MEND_SERVER_SERVER_STATE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/authenticator.h"
#include "server/client_address.h"
#include "server/couple_locks.h"
#include "server/limits.h"
#include "server/log_store.h"
#include "server/log_writer.h"
#include "server/rate_limiter.h"
#include "server/registry.h"
#include "server/watch_hub.h"

namespace grpc {
class ServerContextBase;
}

namespace mend::server {

struct ServerState {
  ServerState(std::unique_ptr<LogStore> store_in, const ServerLimits& limits_in,
              RegistrationMode mode, ProxyConfig proxies_in, Clock clock_in);

  // The caller's member id from the call's bearer token, charged to the
  // member's budget of calls (appends have their own, in LogWriter).
  absl::StatusOr<std::string> Caller(const grpc::ServerContextBase* context, bool charge = true);
  // Charges one unauthenticated call to the client's address.
  absl::Status ChargeAddress(const grpc::ServerContextBase* context, std::string_view what);
  // True when `member` belongs to a couple here (then it has budgets of its own).
  bool IsKnownMember(const std::string& member);

  const ServerLimits limits;
  const RegistrationMode registration;
  const ProxyConfig proxies;
  const Clock clock;
  std::unique_ptr<LogStore> store;
  Authenticator auth;
  CoupleLocks locks;
  Registry registry;
  WatchHub hub;
  LogWriter log;
  RateLimiter address_calls;  // unauthenticated and pre-membership calls, per client address
  RateLimiter member_calls;   // authenticated calls other than Append, per member
};

}  // namespace mend::server

#endif  // MEND_SERVER_SERVER_STATE_H_
