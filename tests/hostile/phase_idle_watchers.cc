// Phase 7: thousands of idle Watch streams on one couple, spread over many
// connections, held open. Measures what an idle watcher costs mendd in
// memory and in threads: a server that parks a thread per watcher grows by
// thousands of threads here; one built on the callback API should not grow
// at all.
#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "proto/wire.h"
#include "tests/hostile/stage.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;

constexpr size_t kWatchers = 5000;  // not scaled by --long: the config admits 6000
constexpr size_t kConnections = 64;
constexpr size_t kUnconfirmedWindow = 500;  // started but not yet answered
constexpr int kMaxThreadGrowth = 50;

// Counts watchers as they are confirmed (their first entry arrived) and as
// they end. Thread-safe.
class WatchBoard {
 public:
  struct Counts {
    size_t confirmed = 0;          // ever confirmed
    size_t ended = 0;              // ended, confirmed or not
    size_t ended_unconfirmed = 0;  // refused or failed before their first entry
    size_t open() const { return confirmed - (ended - ended_unconfirmed); }
  };

  explicit WatchBoard(StatusTally* tally) : tally_(tally) {}
  // Stops reporting into the tally (which may then go away): for watchers
  // that have to be leaked because they did not end.
  void Detach() {
    std::lock_guard lock(mu_);
    tally_ = nullptr;
  }
  void Confirmed() {
    std::lock_guard lock(mu_);
    ++counts_.confirmed;
    cv_.notify_all();
  }
  void Ended(const grpc::Status& status, bool was_confirmed) {
    // Cancelled by us after confirmation is the expected end.
    const bool ours = was_confirmed && status.error_code() == grpc::StatusCode::CANCELLED;
    std::lock_guard lock(mu_);
    if (tally_ != nullptr) {
      tally_->Add(ours ? "Log.Watch cancelled by us" : "Log.Watch", status,
                  !ours && IsBroken(status.error_code()));
    }
    ++counts_.ended;
    if (!was_confirmed) ++counts_.ended_unconfirmed;
    cv_.notify_all();
  }
  // Waits until `pred(counts)` holds or `deadline` passes; whether it held.
  template <typename Pred>
  bool WaitFor(const Deadline& deadline, Pred pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline.end(), [&] { return Interrupted() || pred(counts_); }) &&
           pred(counts_);
  }
  Counts counts() {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  std::mutex mu_;
  StatusTally* tally_ ABSL_GUARDED_BY(mu_);
  std::condition_variable cv_;
  Counts counts_;
};

class IdleWatcher final : public grpc::ClientReadReactor<v1::Entry> {
 public:
  // Shares the board, so that it outlives a watcher that has to be leaked.
  explicit IdleWatcher(std::shared_ptr<WatchBoard> board) : board_(std::move(board)) {}

  void Start(v1::Log::Stub* stub, const std::string& token, const std::string& couple_id,
             uint64_t after_seq) {
    // No deadline: the stream stays open until Cancel().
    context_.AddMetadata(std::string(wire::kAuthorizationMetadata), wire::BearerValue(token));
    request_.set_couple_id(couple_id);
    request_.set_after_seq(after_seq);
    stub->async()->Watch(&context_, &request_, this);
    StartRead(&entry_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if (!confirmed_) {
      confirmed_ = true;
      board_->Confirmed();
    }
    StartRead(&entry_);
  }
  void OnDone(const grpc::Status& status) override { board_->Ended(status, confirmed_); }

 private:
  const std::shared_ptr<WatchBoard> board_;
  grpc::ClientContext context_;
  v1::WatchRequest request_;
  v1::Entry entry_;
  bool confirmed_ = false;  // reactor callbacks of one call do not overlap
};

}  // namespace

size_t RunIdleWatchers(Stage& stage, StatusTally& tally) {
  std::ostream& out = *stage.out;
  testing::TestCouple& c = *stage.honest;
  const uint64_t head = stage.honest_head.seq();
  // Each watcher asks for the last entry, so that its arrival proves mendd
  // has taken the stream on; after that the stream idles.
  const uint64_t after = head > 0 ? head - 1 : 0;

  std::vector<std::unique_ptr<v1::Log::Stub>> stubs;
  for (size_t i = 0; i < kConnections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("mend.hostile.watch_connection",
                static_cast<int>(i));  // distinct args: a connection each
    stubs.push_back(v1::Log::NewStub(grpc::CreateCustomChannel(
        stage.mendd->address(), grpc::InsecureChannelCredentials(), args)));
  }

  // Connect every channel and warm mendd's pools with one cheap call each,
  // so that "before" already holds the connections: the figure per watcher
  // is then the stream's own cost.
  for (auto& stub : stubs) {
    v1::GetHeadRequest req;
    req.set_couple_id(c.couple_id);
    v1::Head ignored;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, {c.a->token, "", Millis(10000)});
    stub->GetHead(&ctx, req, &ignored);
  }
  std::this_thread::sleep_for(Millis(2000));
  const ProcessStats before = stage.mendd->Stats();

  auto board = std::make_shared<WatchBoard>(&tally);
  std::vector<std::unique_ptr<IdleWatcher>> watchers;
  Deadline open_deadline(Millis(60000));
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < kWatchers && !open_deadline.Expired(); ++i) {
    // Keep a bounded number unanswered, so that a slow server sees a steady
    // stream of new watchers rather than thousands at once.
    board->WaitFor(open_deadline, [&](const WatchBoard::Counts& n) {
      return watchers.size() - n.confirmed - n.ended_unconfirmed < kUnconfirmedWindow;
    });
    if (open_deadline.Expired()) break;
    watchers.push_back(std::make_unique<IdleWatcher>(board));
    const testing::TestMember& m = i % 2 ? *c.b : *c.a;
    watchers.back()->Start(stubs[i % stubs.size()].get(), m.token, c.couple_id, after);
  }
  board->WaitFor(open_deadline, [&](const WatchBoard::Counts& n) {
    return n.confirmed + n.ended_unconfirmed >= watchers.size();
  });
  const double open_seconds = SecondsSince(t0);
  std::this_thread::sleep_for(Millis(2000));
  const size_t open = board->counts().open();
  const ProcessStats with = stage.mendd->Stats();

  for (auto& w : watchers) w->Cancel();
  const bool all_ended = board->WaitFor(Deadline(Millis(30000)), [&](const WatchBoard::Counts& n) {
    return n.ended >= watchers.size();
  });
  if (!all_ended) {
    // A reactor must outlive its OnDone; rather leak them than free them early.
    board->Detach();
    for (auto& w : watchers) w.release();
    out << "  " << watchers.size() - board->counts().ended
        << " watch streams did not end within 30 s of cancelling\n";
  }
  const ProcessStats after_close = stage.mendd->SettledStats(before.threads + 16, Millis(15000));

  const double per_watcher_kib =
      open > 0 ? static_cast<double>(with.rss_kib - before.rss_kib) / static_cast<double>(open) : 0;
  out << "  " << watchers.size() << " watch streams started over " << kConnections
      << " connections, " << open << " confirmed open in " << open_seconds << " s\n"
      << "  mendd before: " << before.rss_mib() << " MiB, " << before.threads
      << " threads; with watchers: " << with.rss_mib() << " MiB, " << with.threads
      << " threads; after closing: " << after_close.rss_mib() << " MiB, " << after_close.threads
      << " threads\n"
      << "  memory per idle watcher: " << per_watcher_kib << " KiB; threads per idle watcher: "
      << (open > 0 ? static_cast<double>(with.threads - before.threads) / static_cast<double>(open)
                   : 0)
      << "\n";
  tally.Print(out);
  const auto lines = tally.ViolationLines(5);
  for (const auto& line : lines) out << "  bad: " << line << "\n";

  stage.idle_watchers_open = open;
  stage.kib_per_idle_watcher = per_watcher_kib;
  stage.checks->Expect(open == kWatchers && tally.violations() == 0, "idle watchers admitted",
                       std::to_string(open) + " of " + std::to_string(kWatchers) +
                           " watch streams confirmed open (the config admits 6000)" +
                           (lines.empty() ? "" : "; first bad end: " + lines.front()));
  const int growth = with.threads - before.threads;
  stage.checks->Expect(with.valid() && growth <= kMaxThreadGrowth, "idle watchers hold no threads",
                       "threads " + std::to_string(before.threads) + " -> " +
                           std::to_string(with.threads) + " with " + std::to_string(open) +
                           " idle watchers open (bound: +" + std::to_string(kMaxThreadGrowth) +
                           ")");
  return watchers.size();
}

}  // namespace mend::hostile
