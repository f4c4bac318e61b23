#include "crypto/grant.h"
#include "server/services.h"

namespace mend::server {
namespace {

// Leave and Purge: ids and membership first, then the fresh signature, then
// (by the caller) the work.
template <typename Request>
absl::Status CheckDestructiveCall(ServerState* state, std::string_view label,
                                  const std::string& caller, const Request& request,
                                  bool allow_left) {
  if (auto member = state->registry.MemberRecord(caller, request.couple_id(), allow_left);
      !member.ok()) {
    return member.status();
  }
  return state->auth.VerifyDestructiveCall(label, caller, request.couple_id(), request.nonce(),
                                           request.signature());
}

}  // namespace

grpc::Status CoupleService::Leave(grpc::ServerContext* context,
                                  const mend::v1::LeaveRequest* request, mend::v1::LeaveResponse*) {
  CallScope call("Couple.Leave", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  if (absl::Status checked =
          CheckDestructiveCall(state_, crypto::kLeaveLabel, *caller, *request, false);
      !checked.ok()) {
    return call.Finish(checked);
  }
  return call.Finish(state_->registry.Leave(*caller, request->couple_id()));
}

grpc::Status CoupleService::Purge(grpc::ServerContext* context,
                                  const mend::v1::PurgeRequest* request,
                                  mend::v1::PurgeResponse* response) {
  CallScope call("Couple.Purge", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  if (absl::Status checked =
          CheckDestructiveCall(state_, crypto::kPurgeLabel, *caller, *request, true);
      !checked.ok()) {
    return call.Finish(checked);
  }
  auto deleted = state_->registry.Purge(*caller, request->couple_id());
  if (!deleted.ok()) return call.Finish(deleted.status());
  response->set_entries_deleted(*deleted);
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
