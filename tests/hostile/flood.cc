#include "tests/hostile/flood.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "tests/hostile/deadline.h"

namespace mend::hostile {
namespace {

// Shared with the completions, so that a straggler past the drain wait still
// touches live memory.
struct InFlight {
  std::mutex mu;
  std::condition_variable cv;
  size_t outstanding = 0;
  size_t finished = 0;
};

}  // namespace

FloodResult RunFlood(size_t count, size_t in_flight, std::chrono::milliseconds cap,
                     const StartCall& start, std::chrono::milliseconds drain) {
  auto state = std::make_shared<InFlight>();
  FloodResult result;
  const auto t0 = SteadyClock::now();
  Deadline deadline(cap);
  for (size_t i = 0; i < count; ++i) {
    {
      std::unique_lock lock(state->mu);
      state->cv.wait_until(lock, deadline.end(),
                           [&] { return state->outstanding < in_flight || Interrupted(); });
      if (deadline.Expired() || state->outstanding >= in_flight) break;
      ++state->outstanding;
    }
    ++result.started;
    start(i, [state](const grpc::Status&) {
      std::lock_guard lock(state->mu);
      --state->outstanding;
      ++state->finished;
      state->cv.notify_all();
    });
  }
  result.capped = result.started < count;
  {
    std::unique_lock lock(state->mu);
    state->cv.wait_for(lock, drain, [&] { return state->outstanding == 0; });
    result.finished = state->finished;
  }
  result.seconds = SecondsSince(t0);
  return result;
}

}  // namespace mend::hostile
