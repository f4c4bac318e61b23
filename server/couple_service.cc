#include "server/services.h"

#include "crypto/grant.h"

namespace mend::server {

grpc::Status CoupleService::Leave(grpc::ServerContext* context, const mend::v1::LeaveRequest* request,
                                  mend::v1::LeaveResponse*) {
  CallScope call("Couple.Leave", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  // Ids and membership first, then the signature, then the work.
  if (auto member = state_->registry.MemberRecord(*caller, request->couple_id(), false); !member.ok()) {
    return call.Finish(member.status());
  }
  if (absl::Status signed_call = state_->auth.VerifyDestructiveCall(crypto::kLeaveLabel, *caller, request->couple_id(),
                                                                    request->nonce(), request->signature());
      !signed_call.ok()) {
    return call.Finish(signed_call);
  }
  return call.Finish(state_->registry.Leave(*caller, request->couple_id()));
}

grpc::Status CoupleService::Purge(grpc::ServerContext* context, const mend::v1::PurgeRequest* request,
                                  mend::v1::PurgeResponse* response) {
  CallScope call("Couple.Purge", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  if (auto member = state_->registry.MemberRecord(*caller, request->couple_id(), true); !member.ok()) {
    return call.Finish(member.status());
  }
  if (absl::Status signed_call = state_->auth.VerifyDestructiveCall(crypto::kPurgeLabel, *caller, request->couple_id(),
                                                                    request->nonce(), request->signature());
      !signed_call.ok()) {
    return call.Finish(signed_call);
  }
  auto deleted = state_->registry.Purge(*caller, request->couple_id());
  if (!deleted.ok()) return call.Finish(deleted.status());
  response->set_entries_deleted(*deleted);
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
