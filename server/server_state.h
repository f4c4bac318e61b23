// The domain objects that the gRPC services share. Owned by MendServer;
// services borrow it.
#ifndef MEND_SERVER_SERVER_STATE_H_
#define MEND_SERVER_SERVER_STATE_H_

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "server/auth_sessions.h"
#include "server/couple_locks.h"
#include "server/limits.h"
#include "server/log_store.h"
#include "server/log_writer.h"
#include "server/rate_limiter.h"
#include "server/registry.h"
#include "server/watch_hub.h"

namespace mend::server {

struct ServerState {
  ServerState(std::unique_ptr<LogStore> store_in, const ServerLimits& limits_in, RegistrationMode mode,
              Clock clock_in)
      : limits(limits_in),
        registration(mode),
        clock(clock_in),
        store(std::move(store_in)),
        auth(store->server_id(), limits, clock),
        registry(store.get(), &locks, limits, mode, clock),
        hub(limits.max_watchers_per_couple),
        log(store.get(), &registry, &locks, &hub, limits, clock),
        pairing_rate(limits.pairing_rate_per_second, limits.pairing_burst, clock) {}

  // The caller's member id from the request's bearer token.
  absl::StatusOr<std::string> Caller(const std::string& token) {
    if (token.empty()) return absl::UnauthenticatedError("no bearer token");
    return auth.Authenticate(token);
  }

  const ServerLimits limits;
  const RegistrationMode registration;
  const Clock clock;
  std::unique_ptr<LogStore> store;
  AuthSessions auth;
  CoupleLocks locks;
  Registry registry;
  WatchHub hub;
  LogWriter log;
  RateLimiter pairing_rate;
  std::atomic<bool> shutting_down{false};
};

}  // namespace mend::server

#endif  // MEND_SERVER_SERVER_STATE_H_
