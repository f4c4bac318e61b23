#include "server/services.h"

namespace mend::server {

grpc::Status CoupleService::Leave(grpc::ServerContext* context, const mend::v1::LeaveRequest* request,
                                  mend::v1::LeaveResponse*) {
  CallScope call("Couple.Leave", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  return call.Finish(state_->registry.Leave(*caller, request->couple_id()));
}

grpc::Status CoupleService::Purge(grpc::ServerContext* context, const mend::v1::PurgeRequest* request,
                                  mend::v1::PurgeResponse* response) {
  CallScope call("Couple.Purge", context);
  auto caller = state_->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  auto deleted = state_->registry.Purge(*caller, request->couple_id());
  if (!deleted.ok()) return call.Finish(deleted.status());
  response->set_entries_deleted(*deleted);
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
