#include "base/status_macros.h"
#include "proto/wire.h"
#include "server/entry_stream.h"
#include "server/services.h"

namespace mend::server {
namespace {

// A stream that ends at once with `status`.
class FailedStream final : public grpc::ServerWriteReactor<mend::v1::Entry> {
 public:
  explicit FailedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

grpc::ServerWriteReactor<mend::v1::Entry>* StartStream(
    ServerState* state, grpc::CallbackServerContext* context, const char* method,
    const std::string& couple_id, uint64_t after_seq, uint64_t limit, bool follow) {
  CallScope call(method, context);
  auto caller = state->Caller(context);
  absl::Status valid = caller.ok() ? Registry::CheckCoupleId(couple_id) : caller.status();
  if (valid.ok()) valid = state->registry.MemberRecord(*caller, couple_id, true).status();
  if (!valid.ok()) return new FailedStream(call.Finish(valid));
  return EntryStream::Start(state, context, {*caller, couple_id, after_seq, limit, follow},
                            std::move(call));
}

}  // namespace

grpc::ServerUnaryReactor* LogService::Append(grpc::CallbackServerContext* context,
                                             const mend::v1::AppendRequest* request,
                                             mend::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallScope call("Log.Append", context);
  auto caller = state_->Caller(context, /*charge=*/false);  // appends have their own budget
  if (!caller.ok()) {
    reactor->Finish(call.Finish(caller.status()));
    return reactor;
  }
  // Runs on the committer thread once the entry is durable or refused.
  state_->log.AppendAsync(*caller, request->entry(),
                          [this, context, reactor, response, call](AppendResult r) mutable {
                            if (!r.head.ok()) {
                              if (r.stale_head)
                                context->AddTrailingMetadata(std::string(wire::kHeadTrailer),
                                                             r.stale_head->SerializeAsString());
                              reactor->Finish(call.Finish(r.head.status()));
                              return;
                            }
                            *response->mutable_head() = *r.head;
                            response->set_received_unix_ms(state_->clock());
                            reactor->Finish(call.Finish(absl::OkStatus()));
                          });
  return reactor;
}

grpc::ServerWriteReactor<mend::v1::Entry>* LogService::Fetch(
    grpc::CallbackServerContext* context, const mend::v1::FetchRequest* request) {
  return StartStream(state_, context, "Log.Fetch", request->couple_id(), request->after_seq(),
                     request->limit(),
                     /*follow=*/false);
}

grpc::ServerWriteReactor<mend::v1::Entry>* LogService::Watch(
    grpc::CallbackServerContext* context, const mend::v1::WatchRequest* request) {
  return StartStream(state_, context, "Log.Watch", request->couple_id(), request->after_seq(), 0,
                     /*follow=*/true);
}

grpc::ServerUnaryReactor* LogService::GetHead(grpc::CallbackServerContext* context,
                                              const mend::v1::GetHeadRequest* request,
                                              mend::v1::Head* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallScope call("Log.GetHead", context);
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::string caller, state_->Caller(context));
    ASSIGN_OR_RETURN(*response, state_->log.Head(caller, request->couple_id()));
    return absl::OkStatus();
  }();
  reactor->Finish(call.Finish(status));
  return reactor;
}

}  // namespace mend::server
