// Asynchronous gRPC calls on the raw generated stubs, each owning its
// context, request and response until its completion callback has run, so
// that a flood can keep hundreds in flight from one thread. Also the metadata
// every hostile call may carry: a bearer token and a spoofed x-forwarded-for.
#ifndef MEND_TESTS_HOSTILE_ASYNC_CALL_H_
#define MEND_TESTS_HOSTILE_ASYNC_CALL_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "mend/v1/service.grpc.pb.h"
#include "proto/wire.h"

namespace mend::hostile {

// A call's completion: its status.
using CallDone = std::function<void(const grpc::Status&)>;

struct CallOptions {
  std::string token;          // bearer token; empty: unauthenticated
  std::string forwarded_for;  // x-forwarded-for value; empty: none
  std::chrono::milliseconds timeout{10000};
};

inline void PrepareContext(grpc::ClientContext* context, const CallOptions& options) {
  if (!options.token.empty())
    context->AddMetadata(std::string(wire::kAuthorizationMetadata),
                         wire::BearerValue(options.token));
  if (!options.forwarded_for.empty())
    context->AddMetadata("x-forwarded-for", options.forwarded_for);
  context->set_deadline(std::chrono::system_clock::now() + options.timeout);
}

template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Starts `invoke(context, request, response, callback)` (a lambda around a
// stub's async() method) and calls `done(status, response)` on completion,
// on a gRPC thread.
template <typename Response, typename Request, typename Invoke, typename Done>
void StartUnary(Invoke invoke, Request request, const CallOptions& options, Done done) {
  auto call = std::make_shared<UnaryCall<Request, Response>>();
  call->request = std::move(request);
  PrepareContext(&call->context, options);
  invoke(&call->context, &call->request, &call->response,
         [call, done = std::move(done)](grpc::Status status) mutable {
           done(status, call->response);
         });
}

// A Fetch or Watch as a probe: reads the stream to its end, or, when
// `stop_after_first` is set, cancels it once a first entry arrives. `done`
// gets the final status; a probe that was sent an entry and then cancelled
// reports OK (the server accepted the stream). Deletes itself.
class StreamProbe final : public grpc::ClientReadReactor<mend::v1::Entry> {
 public:
  // `start(context, reactor)` attaches this reactor to the call
  // (stub->async()->Fetch(context, &request, reactor)); the request must live
  // as long as the call, so the probe owns it.
  template <typename Request, typename Start>
  static void Run(Start start, Request request, const CallOptions& options, bool stop_after_first,
                  CallDone done) {
    auto* probe = new StreamProbe(stop_after_first, std::move(done));
    auto owned = std::make_shared<Request>(std::move(request));
    probe->keep_request_ = owned;
    PrepareContext(&probe->context_, options);
    start(&probe->context_, owned.get(), probe);
    probe->StartRead(&probe->entry_);
    probe->StartCall();
  }

  size_t entries() const { return entries_; }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    ++entries_;
    if (stop_after_first_) {
      context_.TryCancel();
      return;
    }
    StartRead(&entry_);
  }
  void OnDone(const grpc::Status& status) override {
    bool accepted =
        stop_after_first_ && entries_ > 0 && status.error_code() == grpc::StatusCode::CANCELLED;
    done_(accepted ? grpc::Status::OK : status);
    delete this;
  }

 private:
  StreamProbe(bool stop_after_first, CallDone done)
      : stop_after_first_(stop_after_first), done_(std::move(done)) {}

  grpc::ClientContext context_;
  std::shared_ptr<void> keep_request_;
  mend::v1::Entry entry_;
  size_t entries_ = 0;
  const bool stop_after_first_;
  CallDone done_;
};

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_ASYNC_CALL_H_
