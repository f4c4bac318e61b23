// Phase 6: whole-log Fetches (limit 0) of a log of large entries, several at
// once, beside Fetches whose reader never reads. The stream must deliver the
// whole log (mendd may page internally), and neither the readers nor the
// stalled streams may make mendd buffer the log in memory: flow control
// should hold each stalled stream to a window.
#include <algorithm>
#include <thread>

#include "tests/hostile/stage.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;

constexpr int kReaders = 8;
constexpr int kRoundsPerReader = 3;
constexpr int kStalled = 16;

// Samples mendd's /proc status every 100 ms on its own thread; the peak.
class PeakSampler {
 public:
  explicit PeakSampler(const MenddProcess& mendd) : mendd_(mendd), thread_([this] { Run(); }) {}
  ~PeakSampler() { Stop(); }
  ProcessStats Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  void Run() {
    Deadline cap(Millis(30 * 60 * 1000));
    while (!stop_ && !cap.Expired()) {
      ProcessStats s = mendd_.Stats();
      peak_.rss_kib = std::max(peak_.rss_kib, s.rss_kib);
      peak_.threads = std::max(peak_.threads, s.threads);
      std::this_thread::sleep_for(Millis(100));
    }
  }
  const MenddProcess& mendd_;
  std::atomic<bool> stop_{false};
  ProcessStats peak_;
  std::thread thread_;
};

}  // namespace

size_t RunLargeFetch(Stage& stage, StatusTally& tally) {
  std::ostream& out = *stage.out;
  testing::TestCouple& c = *stage.bulky;
  const uint64_t expected = stage.bulky_entries;
  PeakSampler sampler(*stage.mendd);

  // Streams nobody reads, open for the whole phase.
  struct Stalled {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::Entry>> reader;
  };
  std::vector<std::unique_ptr<Stalled>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    auto s = std::make_unique<Stalled>();
    const testing::TestMember& m = i % 2 ? *c.b : *c.a;
    PrepareContext(&s->context, {m.token, "", Millis(120000)});
    v1::FetchRequest req;
    req.set_couple_id(c.couple_id);
    s->reader = m.log->Fetch(&s->context, req);
    stalled.push_back(std::move(s));
  }

  const auto t0 = SteadyClock::now();
  Deadline deadline(Millis(40000 * stage.scale));
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      const testing::TestMember& m = t % 2 ? *c.b : *c.a;
      for (int round = 0; round < kRoundsPerReader * stage.scale && !deadline.Expired(); ++round) {
        v1::FetchRequest req;
        req.set_couple_id(c.couple_id);
        req.set_limit(0);
        grpc::ClientContext ctx;
        PrepareContext(&ctx, {m.token, "", Millis(60000)});
        auto reader = m.log->Fetch(&ctx, req);
        v1::Entry e;
        uint64_t n = 0;
        while (reader->Read(&e)) ++n;
        grpc::Status s = reader->Finish();
        // A rate limit may refuse a whole fetch; a fetch that ran must be whole.
        const bool refused = s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && n == 0;
        tally.Add("Log.Fetch whole log", s, !refused && (!s.ok() || n != expected),
                  "delivered " + std::to_string(n) + " of " + std::to_string(expected));
      }
    });
  }
  for (auto& t : readers) t.join();
  const double seconds = SecondsSince(t0);
  for (auto& s : stalled) s->context.TryCancel();
  for (auto& s : stalled) tally.Add("Log.Fetch never read", s->reader->Finish());
  const ProcessStats peak = sampler.Stop();

  const size_t whole = tally.Count("Log.Fetch whole log", grpc::StatusCode::OK);
  out << "  " << tally.Total("Log.Fetch whole log") << " whole-log fetches of " << expected
      << " entries in " << seconds << " s, " << kStalled
      << " unread streams held open; mendd peak during the phase: " << peak.rss_mib() << " MiB, "
      << peak.threads << " threads\n";
  tally.Print(out);
  const auto lines = tally.ViolationLines(5);
  for (const auto& line : lines) out << "  bad: " << line << "\n";
  stage.checks->Expect(
      tally.violations() == 0 && whole > 0, "a whole-log Fetch delivers every entry",
      tally.violations() == 0 && whole > 0
          ? std::to_string(whole) + " fetches each delivered all " + std::to_string(expected) +
                " entries (~60 KiB each)"
      : whole == 0
          ? "no fetch completed"
          : std::to_string(tally.violations()) + " fetches fell short; first: " + lines.front());
  return tally.Total();
}

}  // namespace mend::hostile
