// Wall-clock caps for the suite's loops. Every loop in mend-hostile is bounded
// twice, by a count and by a Deadline; an interrupt (SIGINT/SIGTERM) expires
// every Deadline at once, so that the suite still stops mendd and removes its
// temp dir when someone presses ^C.
#ifndef MEND_TESTS_HOSTILE_DEADLINE_H_
#define MEND_TESTS_HOSTILE_DEADLINE_H_

#include <atomic>
#include <chrono>
#include <thread>

namespace mend::hostile {

using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Set from a signal handler (a lock-free atomic store is async-signal-safe).
inline std::atomic<bool>& InterruptFlag() {
  static std::atomic<bool> flag{false};
  return flag;
}
inline bool Interrupted() { return InterruptFlag().load(std::memory_order_relaxed); }

class Deadline {
 public:
  explicit Deadline(Millis budget) : end_(SteadyClock::now() + budget) {}

  bool Expired() const { return Interrupted() || SteadyClock::now() >= end_; }
  SteadyClock::time_point end() const { return end_; }
  // Time left, never negative.
  Millis Left() const {
    auto left = std::chrono::duration_cast<Millis>(end_ - SteadyClock::now());
    return left.count() > 0 ? left : Millis(0);
  }
  // Sleeps for `pause` or until the deadline, whichever comes first. Returns
  // false when the deadline has passed.
  bool SleepFor(Millis pause) const {
    std::this_thread::sleep_for(std::min(pause, Left()));
    return !Expired();
  }

 private:
  SteadyClock::time_point end_;
};

inline double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_DEADLINE_H_
