#include "server/entry_stream.h"

namespace mend::server {
namespace {

// A stream reads little at a time: its page is the only memory it holds
// while the client reads, and thousands may be open.
constexpr uint32_t kStreamPageEntries = 64;
constexpr uint32_t kStreamPageBytes = 512 * 1024;

}  // namespace

grpc::ServerWriteReactor<mend::v1::Entry>* EntryStream::Start(ServerState* state,
                                                              grpc::CallbackServerContext* context,
                                                              Request request, CallScope call) {
  auto stream = std::make_shared<EntryStream>(state, context, std::move(request), std::move(call));
  stream->self_ = stream;
  if (stream->request_.follow) {
    // Set first: once subscribed, another thread may end the call and run OnDone.
    stream->subscribed_ = true;
    absl::Status subscribed = state->hub.Subscribe(stream->request_.couple_id, stream);
    if (!subscribed.ok()) {
      stream->subscribed_ = false;
      stream->FinishOnce(subscribed);
      return stream.get();
    }
  }
  stream->Pump();
  return stream.get();
}

EntryStream::EntryStream(ServerState* state, grpc::CallbackServerContext* context, Request request,
                         CallScope call)
    : state_(state),
      context_(context),
      request_(std::move(request)),
      call_(std::move(call)),
      after_(request_.after_seq),
      remaining_(request_.limit == 0 ? UINT64_MAX : request_.limit) {}

void EntryStream::Pump() {
  absl::Status end;
  bool write = false;
  {
    std::lock_guard lock(mu_);
    if (finished_ || writing_) return;
    if (next_ == page_.size() && remaining_ > 0) {
      page_.clear();
      next_ = 0;
      const uint32_t want =
          static_cast<uint32_t>(std::min<uint64_t>(remaining_, kStreamPageEntries));
      auto page =
          state_->log.Fetch(request_.caller, request_.couple_id, after_, want, kStreamPageBytes);
      if (page.ok()) {
        page_ = std::move(*page);
      } else {
        end = page.status();
      }
    }
    if (end.ok() && next_ < page_.size()) {
      if (current_.ParseFromString(page_[next_])) {
        ++next_;
        ++after_;
        --remaining_;
        if (next_ == page_.size()) {
          std::vector<std::string>().swap(page_);  // hold nothing while idle
          next_ = 0;
        }
        writing_ = write = true;
      } else {
        end = absl::DataLossError("stored entry does not parse");
      }
    } else if (end.ok() && request_.follow && remaining_ > 0) {
      return;  // caught up: OnAppended wakes us
    }
  }
  if (write) {
    StartWrite(&current_);
    return;
  }
  FinishOnce(end);
}

void EntryStream::FinishOnce(const absl::Status& status) {
  grpc::Status answer;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (writing_) {
      if (!end_) end_ = status;
      return;  // OnWriteDone finishes
    }
    finished_ = true;
    answer = call_.Finish(status);
  }
  Finish(answer);
}

void EntryStream::OnWriteDone(bool ok) {
  std::optional<absl::Status> end;
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    end = end_;
    if (!end && !ok) end = absl::CancelledError("the client went away");
  }
  if (end) {
    FinishOnce(*end);
    return;
  }
  Pump();
}

void EntryStream::OnCancel() { FinishOnce(absl::CancelledError("stream cancelled")); }

void EntryStream::OnAppended(uint64_t) { Pump(); }

void EntryStream::End() { FinishOnce(absl::CancelledError("the client is gone")); }

void EntryStream::OnClose() {
  FinishOnce(absl::UnavailableError("server is shutting down; reconnect"));
}

void EntryStream::OnDone() {
  if (subscribed_) state_->hub.Unsubscribe(request_.couple_id, this);
  std::shared_ptr<EntryStream> last = std::move(self_);  // may delete this on return
}

}  // namespace mend::server
