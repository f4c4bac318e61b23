#include "proto/wire.h"
#include "server/services.h"

namespace mend::server {

// Members already in a couple here are never charged to the address: behind
// a proxy, or on a shared network, an anonymous flood from "their" address
// must not lock them out. Their challenges cost nothing to issue, and their
// logins spend a budget of their own that only a valid signature can spend.
grpc::Status AuthService::Challenge(grpc::ServerContext* context,
                                    const mend::v1::ChallengeRequest* request,
                                    mend::v1::ChallengeResponse* response) {
  CallScope call("Auth.Challenge", context);
  if (request->member().size() != wire::kMemberKeyBytes) {
    return call.Finish(absl::InvalidArgumentError("member must be a 32-byte Ed25519 public key"));
  }
  if (!state_->IsKnownMember(request->member())) {
    if (absl::Status s = state_->ChargeAddress(context, "login attempts"); !s.ok())
      return call.Finish(s);
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
  if (request->member().size() != wire::kMemberKeyBytes ||
      request->nonce().size() != wire::kNonceBytes ||
      request->signature().size() != wire::kSignatureBytes) {
    return call.Finish(absl::InvalidArgumentError(
        "member must be 32 bytes, nonce 32 bytes (from Auth.Challenge), signature 64 bytes"));
  }
  const bool known = state_->IsKnownMember(request->member());
  if (!known) {
    if (absl::Status s = state_->ChargeAddress(context, "login attempts"); !s.ok())
      return call.Finish(s);
  }
  auto token = state_->auth.Login(request->member(), request->nonce(), request->signature(), known);
  if (!token.ok()) return call.Finish(token.status());
  response->set_token(token->token);
  response->set_expires_unix_ms(token->expires_unix_ms);
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
