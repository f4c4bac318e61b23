// Drives many asynchronous calls from one thread: a fixed number of calls, a
// fixed number in flight, and a wall-clock cap, whichever ends first. Two
// cores cannot run hundreds of blocking client threads without measuring the
// scheduler instead of the server.
#ifndef MEND_TESTS_HOSTILE_FLOOD_H_
#define MEND_TESTS_HOSTILE_FLOOD_H_

#include <chrono>
#include <cstddef>
#include <functional>

#include "tests/hostile/async_call.h"

namespace mend::hostile {

// Starts call number `index` (0-based); must arrange for `done` to be called
// exactly once, from any thread. Runs on the flood's thread, one at a time.
using StartCall = std::function<void(size_t index, CallDone done)>;

struct FloodResult {
  size_t started = 0;
  size_t finished = 0;
  double seconds = 0;
  bool capped = false;  // the wall-clock cap ended it before every call had started
};

// Runs calls 0..count-1 with at most `in_flight` outstanding until all have
// started or `cap` has passed, then waits (up to `drain`) for the outstanding
// ones. Each call must carry a deadline shorter than `drain`, so that no
// completion outlives the flood.
FloodResult RunFlood(size_t count, size_t in_flight, std::chrono::milliseconds cap,
                     const StartCall& start,
                     std::chrono::milliseconds drain = std::chrono::seconds(30));

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_FLOOD_H_
