// EntryStream: one Fetch or Watch call, on gRPC's callback API. It reads the
// couple's log from the store a small page at a time and writes one entry at
// a time; a Watch then waits, as a WatchHub listener, for the next append.
// No thread is held while it waits or while the client is slow to read: a
// slow reader only falls behind (the log is its buffer), so it can never hold
// up an append, and an idle watcher costs memory only: about 18 KiB, most of
// it gRPC's own per-stream state (measured by tests/hostile with 5,000).
//
// Lifetime: the stream owns itself (a shared_ptr to itself) from Start until
// gRPC calls OnDone; the hub may hold another reference while it wakes it.
#ifndef MEND_SERVER_ENTRY_STREAM_H_
#define MEND_SERVER_ENTRY_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "mend/v1/envelope.pb.h"
#include "server/grpc_status.h"
#include "server/server_state.h"

namespace mend::server {

class EntryStream final : public grpc::ServerWriteReactor<mend::v1::Entry>,
                          public WatchHub::Listener {
 public:
  struct Request {
    std::string caller;
    std::string couple_id;
    uint64_t after_seq = 0;
    uint64_t limit = 0;   // entries at most; 0: no limit
    bool follow = false;  // Watch: keep streaming new entries
  };

  // Starts streaming; the returned reactor belongs to gRPC.
  static grpc::ServerWriteReactor<mend::v1::Entry>* Start(ServerState* state,
                                                          grpc::CallbackServerContext* context,
                                                          Request request, CallScope call);

  EntryStream(ServerState* state, grpc::CallbackServerContext* context, Request request,
              CallScope call);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;
  void OnAppended(uint64_t seq) override;
  void OnClose() override;
  bool Gone() const override { return context_->IsCancelled(); }
  void End() override;

 private:
  // Writes the next entry, reading a page when the last one is used up, or
  // finishes, or (a Watch that is caught up) does nothing until woken.
  void Pump();
  // Ends the call once no write is outstanding. REQUIRES: mu_ not held.
  void FinishOnce(const absl::Status& status);

  ServerState* const state_;
  grpc::CallbackServerContext* const context_;  // valid until OnDone returns
  const Request request_;
  std::shared_ptr<EntryStream> self_;  // reset in OnDone
  std::mutex mu_;
  CallScope call_ ABSL_GUARDED_BY(mu_);
  uint64_t after_ ABSL_GUARDED_BY(mu_);
  uint64_t remaining_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> page_ ABSL_GUARDED_BY(mu_);
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  mend::v1::Entry current_;  // the entry being written; touched only while writing_
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool subscribed_ = false;  // set before any other thread sees this stream
  // Set when the call should end (with this status) once the write in flight is done.
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mend::server

#endif  // MEND_SERVER_ENTRY_STREAM_H_
