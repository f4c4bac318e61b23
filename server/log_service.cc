#include "server/services.h"

#include "crypto/status_macros.h"
#include "fmt/format.h"

namespace mend::server {
namespace {

constexpr auto kWatchPoll = std::chrono::milliseconds(500);

// Streams entries after *after_seq until the log (or `remaining`) is exhausted.
absl::Status StreamBacklog(ServerState* state, grpc::ServerContext* context, const std::string& caller,
                           const std::string& couple_id, uint64_t* after_seq, uint64_t remaining,
                           grpc::ServerWriter<mend::v1::Entry>* writer) {
  while (remaining > 0 && !context->IsCancelled()) {
    ASSIGN_OR_RETURN(auto page, state->log.Fetch(caller, couple_id, *after_seq, 0));
    if (page.empty()) return absl::OkStatus();
    grpc::WriteOptions options;
    for (const auto& bytes : page) {
      if (remaining == 0) break;
      mend::v1::Entry entry;
      if (!entry.ParseFromString(bytes)) return absl::DataLossError("stored entry does not parse");
      if (!writer->Write(entry, options)) return absl::CancelledError("client went away");
      ++*after_seq;
      --remaining;
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* LogService::Append(grpc::CallbackServerContext* context,
                                             const mend::v1::AppendRequest* request,
                                             mend::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallScope call("Log.Append", context);
  auto caller = state_->Caller(BearerToken(context));
  if (!caller.ok()) {
    reactor->Finish(call.Finish(caller.status()));
    return reactor;
  }
  // Runs on the committer thread once the entry is durable or refused.
  state_->log.AppendAsync(*caller, request->entry(), [this, context, reactor, response, call](AppendResult r) mutable {
    if (!r.head.ok()) {
      if (r.stale_head) context->AddTrailingMetadata("mend-head-bin", r.stale_head->SerializeAsString());
      reactor->Finish(call.Finish(r.head.status()));
      return;
    }
    *response->mutable_head() = *r.head;
    response->set_received_unix_ms(state_->clock());
    reactor->Finish(call.Finish(absl::OkStatus()));
  });
  return reactor;
}

grpc::Status LogService::Fetch(grpc::ServerContext* context, const mend::v1::FetchRequest* request,
                               grpc::ServerWriter<mend::v1::Entry>* writer) {
  CallScope call("Log.Fetch", context);
  auto caller = state_->Caller(BearerToken(context));
  if (!caller.ok()) return call.Finish(caller.status());
  uint64_t after = request->after_seq();
  uint64_t remaining = request->limit() == 0 ? UINT64_MAX : request->limit();
  return call.Finish(StreamBacklog(state_, context, *caller, request->couple_id(), &after, remaining, writer));
}

grpc::Status LogService::Watch(grpc::ServerContext* context, const mend::v1::WatchRequest* request,
                               grpc::ServerWriter<mend::v1::Entry>* writer) {
  CallScope call("Log.Watch", context);
  auto caller = state_->Caller(BearerToken(context));
  if (!caller.ok()) return call.Finish(caller.status());
  const std::string& couple_id = request->couple_id();
  if (auto record = state_->registry.MemberRecord(*caller, couple_id, true); !record.ok()) {
    return call.Finish(record.status());
  }
  if (!state_->hub.TryRegister(couple_id)) {
    return call.Finish(absl::ResourceExhaustedError(fmt::format(
        "this couple already has {} watchers; close one", state_->limits.max_watchers_per_couple)));
  }
  WatchHub::Registration registration(&state_->hub, couple_id);
  uint64_t after = request->after_seq();
  while (!context->IsCancelled() && !state_->shutting_down.load()) {
    absl::Status s = StreamBacklog(state_, context, *caller, couple_id, &after, UINT64_MAX, writer);
    if (!s.ok()) return call.Finish(s);
    state_->hub.WaitBeyond(couple_id, after, kWatchPoll);
  }
  return call.Finish(state_->shutting_down ? absl::UnavailableError("server is shutting down; reconnect")
                                           : absl::CancelledError("watch cancelled"));
}

grpc::Status LogService::GetHead(grpc::ServerContext* context, const mend::v1::GetHeadRequest* request,
                                 mend::v1::Head* response) {
  CallScope call("Log.GetHead", context);
  auto caller = state_->Caller(BearerToken(context));
  if (!caller.ok()) return call.Finish(caller.status());
  auto head = state_->log.Head(*caller, request->couple_id());
  if (!head.ok()) return call.Finish(head.status());
  *response = *head;
  return call.Finish(absl::OkStatus());
}

}  // namespace mend::server
