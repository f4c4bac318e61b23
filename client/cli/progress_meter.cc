#include "client/cli/progress_meter.h"

#include <unistd.h>

#include <chrono>

#include "fmt/format.h"

namespace mend::client {
namespace {

std::string_view WorkWords(Progress::Work work) {
  switch (work) {
    case Progress::Work::kFetching:
      return "fetching entries";
    case Progress::Work::kVerifying:
      return "verifying your copy";
  }
  return "";
}

}  // namespace

ProgressMeter::ProgressMeter(int fd, bool enabled, std::function<int64_t()> now_ms)
    : fd_(fd), enabled_(enabled), now_ms_(std::move(now_ms)) {}

ProgressMeter::~ProgressMeter() { Erase(); }

bool ProgressMeter::WantedOnStderr(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

int64_t ProgressMeter::SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void ProgressMeter::Update(const Progress& progress) {
  if (!enabled_) return;
  const int64_t now = now_ms_();
  // A new piece of work (another kind, another total, or the same kind
  // again after one that stopped short) starts its own clock and rate.
  if (started_ms_ < 0 || progress.work != last_.work || progress.total != last_.total ||
      progress.done < last_.done) {
    Erase();
    started_ms_ = now;
  }
  last_ = progress;
  if (progress.done >= progress.total) {
    Erase();
    started_ms_ = -1;
    return;
  }
  const int64_t elapsed = now - started_ms_;
  if (elapsed < kShowAfterMs || (shown_ && now - drawn_ms_ < kRedrawMs)) return;
  const uint64_t rate = elapsed > 0 ? progress.done * 1000 / static_cast<uint64_t>(elapsed) : 0;
  // \r and erase-to-end-of-line: the line is redrawn in place.
  Write(fmt::format("\r\x1b[Kmend: {}: {} of {} ({}/s)", WorkWords(progress.work), progress.done,
                    progress.total, rate));
  shown_ = true;
  drawn_ms_ = now;
}

void ProgressMeter::Erase() {
  if (!shown_) return;
  Write("\r\x1b[K");
  shown_ = false;
}

void ProgressMeter::Write(const std::string& bytes) {
  // Best effort: a display that cannot be written is not an error.
  for (size_t off = 0; off < bytes.size();) {
    const ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

ProgressReport ReportTo(std::shared_ptr<ProgressMeter> meter) {
  return [meter = std::move(meter)](const Progress& p) { meter->Update(p); };
}

}  // namespace mend::client
