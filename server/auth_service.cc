#include "server/services.h"

namespace mend::server {

grpc::Status AuthService::Challenge(grpc::ServerContext* context, const mend::v1::ChallengeRequest* request,
                                    mend::v1::ChallengeResponse* response) {
  CallScope call("Auth.Challenge", context);
  if (request->member().size() != 32) {
    return call.Finish(absl::InvalidArgumentError("member must be a 32-byte Ed25519 public key"));
  }
  if (!state_->pairing_rate.Allow(PeerAddress(context))) {
    return call.Finish(absl::ResourceExhaustedError("too many requests from this address; retry later"));
  }
  auto c = state_->auth.IssueChallenge(request->member());
  response->set_nonce(c.nonce);
  response->set_server_id(state_->store->server_id());
  response->set_expires_unix_ms(c.expires_unix_ms);
  return call.Finish(absl::OkStatus());
}

grpc::Status AuthService::Login(grpc::ServerContext* context, const mend::v1::LoginRequest* request,
                                mend::v1::LoginResponse* response) {
  CallScope call("Auth.Login", context);
  auto token = state_->auth.Login(request->member(), request->nonce(), request->signature());
  if (!token.ok()) return call.Finish(token.status());
  response->set_token(token->token);
  response->set_expires_unix_ms(token->expires_unix_ms);
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
