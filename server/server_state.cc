#include "server/server_state.h"

#include <grpcpp/grpcpp.h>

#include "fmt/format.h"
#include "server/grpc_status.h"

namespace mend::server {

ServerState::ServerState(std::unique_ptr<LogStore> store_in, const ServerLimits& limits_in,
                         RegistrationMode mode, ProxyConfig proxies_in, Clock clock_in)
    : limits(limits_in),
      registration(mode),
      proxies(std::move(proxies_in)),
      clock(clock_in),
      store(std::move(store_in)),
      auth(store->server_id(), store->auth_key(), limits, clock,
           [s = store.get()](const std::string& nonce, int64_t expires) {
             return s->ClaimNonce(nonce, expires);
           }),
      registry(store.get(), &locks, limits, mode, clock),
      hub(limits.max_watchers_per_couple, limits.max_watchers),
      log(store.get(), &registry, &locks, &hub, limits, clock),
      address_calls(limits.pairing_rate_per_second, limits.pairing_burst, limits.max_rate_keys,
                    clock),
      member_calls(limits.member_rate_per_second, limits.member_burst, limits.max_rate_keys,
                   clock) {}

absl::StatusOr<std::string> ServerState::Caller(const grpc::ServerContextBase* context,
                                                bool charge) {
  const std::string token = BearerToken(context);
  if (token.empty()) return absl::UnauthenticatedError("no bearer token");
  auto member = auth.Authenticate(token);
  if (!member.ok()) return member.status();
  if (charge && !member_calls.Allow(*member)) {
    return absl::ResourceExhaustedError(
        "too many requests from this member; slow down and retry in a few seconds");
  }
  return member;
}

absl::Status ServerState::ChargeAddress(const grpc::ServerContextBase* context,
                                        std::string_view what) {
  if (address_calls.Allow(ClientKey(context, proxies))) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      fmt::format("too many {} from this address; retry in a minute", what));
}

bool ServerState::IsKnownMember(const std::string& member) {
  auto couple = store->GetMemberCouple(member);
  return couple.ok() && couple->has_value();
}

}  // namespace mend::server
