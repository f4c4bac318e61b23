#include "proto/wire.h"
#include "server/services.h"

namespace mend::server {

grpc::Status ServerInfoService::GetInfo(grpc::ServerContext* context,
                                        const mend::v1::GetInfoRequest*,
                                        mend::v1::GetInfoResponse* response) {
  CallScope call("ServerInfo.GetInfo", context);
  response->set_server_id(state_->store->server_id());
  response->set_version(MEND_VERSION);
  response->set_protocol_version(wire::kProtocolVersion);
  response->set_max_entry_bytes(state_->limits.max_entry_bytes);
  response->set_max_request_bytes(state_->limits.max_request_bytes);
  response->set_registration_open(state_->registration == RegistrationMode::kOpen);
  response->set_max_invite_ttl_seconds(state_->limits.max_invite_ttl_seconds);
  response->set_server_unix_ms(state_->clock());
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
