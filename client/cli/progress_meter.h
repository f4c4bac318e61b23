// A one-line progress display for work that takes more than a moment (a
// sync fetching thousands of entries, an export verifying a long history):
//
//   mend: fetching entries: 1500 of 11142 (2980/s)
//
// on standard error, only when it is a terminal and --quiet is not given,
// first after kShowAfterMs (so that a quick command shows nothing), redrawn
// at most every kRedrawMs, and erased when the work is done or the meter
// goes, so that it never stays among what the command prints. Its line holds
// only mend's own words and numbers, so it is written past the terminal
// filter (text_safety.h), which would otherwise show its carriage return.
#ifndef MEND_CLIENT_CLI_PROGRESS_METER_H_
#define MEND_CLIENT_CLI_PROGRESS_METER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "client/core/session.h"

namespace mend::client {

class ProgressMeter {
 public:
  static constexpr int64_t kShowAfterMs = 700;
  static constexpr int64_t kRedrawMs = 100;

  // Writes to `fd` when `enabled`; `now_ms` is a steady clock (tests pass their own).
  ProgressMeter(int fd, bool enabled, std::function<int64_t()> now_ms = SteadyNowMs);
  ~ProgressMeter();  // erases a line still shown
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  void Update(const Progress& progress);
  // Whether to show progress at all: standard error is a terminal and the
  // person did not ask for quiet.
  static bool WantedOnStderr(bool quiet);
  static int64_t SteadyNowMs();

 private:
  void Write(const std::string& bytes);
  void Erase();

  const int fd_;
  const bool enabled_;
  const std::function<int64_t()> now_ms_;
  Progress last_;            // the previous report
  int64_t started_ms_ = -1;  // when the current work began; -1: none yet
  int64_t drawn_ms_ = 0;
  bool shown_ = false;  // a line is on the screen
};

// A ProgressReport that drives `meter` (and keeps it alive).
ProgressReport ReportTo(std::shared_ptr<ProgressMeter> meter);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_PROGRESS_METER_H_
