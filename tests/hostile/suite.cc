#include "tests/hostile/suite.h"

#include <deque>
#include <functional>

#include "base/status_macros.h"
#include "tests/hostile/flood.h"
#include "tests/hostile/honest_writer.h"
#include "tests/hostile/mendd_config.h"
#include "tests/hostile/phase_table.h"
#include "tests/hostile/spoofed_addresses.h"
#include "tests/hostile/stage.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

namespace v1 = mend::v1;

constexpr size_t kAttackerConnections = 8;
constexpr size_t kThrowaways = 24;  // half of them create a couple
constexpr int kHonestEntries = 5;
constexpr int kBulkyEntries = 300;
constexpr size_t kBulkyNoteBytes = 60 * 1024;
constexpr int64_t kMaxRssGrowthKib = 64 * 1024;
constexpr int kMaxThreadGrowth = 16;

// Everything the phases share, owned in one place. Declared in the order it
// must be torn down in reverse: channels before the members that use them.
struct Cast {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::unique_ptr<testing::TestCouple> honest;
  std::unique_ptr<testing::TestCouple> bulky;
  // Per-phase tallies outlive every call that reports into them.
  std::deque<StatusTally> tallies;
};

absl::Status SetStage(MenddProcess& mendd, Cast& cast, Stage& stage) {
  for (size_t i = 0; i < kAttackerConnections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("mend.hostile.attacker_connection",
                static_cast<int>(i));  // distinct args: a connection each
    cast.channels.push_back(
        grpc::CreateCustomChannel(mendd.address(), grpc::InsecureChannelCredentials(), args));
  }
  Deadline deadline(Millis(180000));
  cast.honest = std::make_unique<testing::TestCouple>(mendd.address());
  if (auto s = PairCouple(*cast.honest, deadline); !s.ok())
    return absl::UnavailableError("honest couple: " + std::string(s.message()));
  auto head = AppendChain(*cast.honest, {}, kHonestEntries, 10, deadline);
  if (!head.ok())
    return absl::UnavailableError("honest couple: " + std::string(head.status().message()));
  stage.honest_head = *head;

  cast.bulky = std::make_unique<testing::TestCouple>(mendd.address());
  if (auto s = PairCouple(*cast.bulky, deadline); !s.ok())
    return absl::UnavailableError("bulky couple: " + std::string(s.message()));
  auto bulky_head = AppendChain(*cast.bulky, {}, kBulkyEntries, kBulkyNoteBytes, deadline);
  if (!bulky_head.ok())
    return absl::UnavailableError("bulky couple: " + std::string(bulky_head.status().message()));
  stage.bulky_entries = bulky_head->seq();

  // Throwaways log in each from its own spoofed address, so that a server
  // that trusts the proxy header does not count them against 127.0.0.1.
  SpoofedAddresses addresses(1);
  for (size_t i = 0; i < kThrowaways; ++i) {
    auto member = std::make_unique<testing::TestMember>(cast.channels[i % cast.channels.size()],
                                                        crypto::Identity::Generate());
    const std::string xff = addresses.Next(AddressKind::kIpv6ManyBlocks);
    grpc::Status s = RetryWhileExhausted(deadline, [&] { return LoginOnce(*member, xff); });
    if (!s.ok()) return absl::UnavailableError("throwaway login: " + Describe(s));
    std::string couple_id;
    if (i % 2 == 0) {
      couple_id = crypto::RandomBytes(16);
      s = RetryWhileExhausted(deadline, [&] { return CreateCouple(*member, couple_id, xff); });
      if (!s.ok()) return absl::UnavailableError("throwaway CreateCouple: " + Describe(s));
    }
    stage.throwaways.push_back(std::move(member));
    stage.own_couple.push_back(couple_id);
  }
  stage.honest = cast.honest.get();
  stage.bulky = cast.bulky.get();
  return absl::OkStatus();
}

// A few hundred harmless calls so that gRPC's and mendd's pools and caches
// are warm before the baseline is read.
void WarmUp(Stage& stage, StatusTally& tally) {
  RunFlood(500, 16, Millis(20000), [&](size_t i, CallDone done) {
    // Even throwaways created a couple: each reads its own head.
    const size_t k = (i * 2) % stage.throwaways.size();
    auto& m = *stage.throwaways[k];
    v1::GetHeadRequest req;
    req.set_couple_id(stage.own_couple[k]);
    StartUnary<v1::Head>([&](auto... a) { m.log->async()->GetHead(a...); }, req,
                         {m.token, "", Millis(10000)},
                         [&tally, done = std::move(done)](const grpc::Status& s, const v1::Head&) {
                           tally.Add("Log.GetHead warm-up", s);
                           done(s);
                         });
  });
}

// Restarts mendd with the watcher phase's config and logs the honest couple
// in again (its tokens may or may not survive a restart).
absl::Status RestartForWatchers(MenddProcess& mendd, testing::TestCouple& honest) {
  RETURN_IF_ERROR(mendd.Restart(WatcherPhaseConfig()));
  Deadline deadline(Millis(30000));
  for (testing::TestMember* m : {honest.a.get(), honest.b.get()}) {
    grpc::Status s;
    do {
      s = LoginOnce(*m);
    } while (!s.ok() && s.error_code() != grpc::StatusCode::UNAUTHENTICATED &&
             deadline.SleepFor(Millis(250)));
    if (!s.ok()) return absl::UnavailableError("honest login after the restart: " + Describe(s));
  }
  return absl::OkStatus();
}

std::string Mib(int64_t kib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(kib) / 1024.0);
  return buf;
}

}  // namespace

void RunSuite(MenddProcess& mendd, int scale, std::ostream& out, CheckList& checks) {
  Cast cast;
  Stage stage;
  stage.mendd = &mendd;
  stage.scale = scale;
  stage.out = &out;
  stage.checks = &checks;

  out << "== phase 1: baseline ==" << std::endl;
  const auto t_setup = SteadyClock::now();
  if (auto s = SetStage(mendd, cast, stage); !s.ok()) {
    checks.Expect(false, "stage set", std::string(s.message()) + "\n" + mendd.LogTail(10));
    return;
  }
  out << "  honest couple paired (" << kHonestEntries << " entries), bulky couple paired ("
      << stage.bulky_entries << " entries of ~60 KiB), " << stage.throwaways.size()
      << " throwaways logged in, in " << SecondsSince(t_setup) << " s" << std::endl;

  HonestWriter writer(cast.honest.get(), stage.honest_head);
  writer.Start("warm-up");
  WarmUp(stage, cast.tallies.emplace_back());
  std::this_thread::sleep_for(Millis(3000));
  const ProcessStats baseline = mendd.Stats();
  out << "  baseline: " << baseline.rss_mib() << " MiB, " << baseline.threads << " threads"
      << std::endl;

  std::vector<PhaseRow> rows;
  bool alive = true;
  // Runs one phase between two readings of mendd; false once mendd is gone.
  auto phase = [&](const std::string& title, const std::string& name,
                   const std::function<size_t(StatusTally&)>& run) {
    if (!alive || Interrupted()) return false;
    out << "== " << title << " ==" << std::endl;
    PhaseRow row;
    row.name = name;
    row.before = mendd.Stats();
    const auto t0 = SteadyClock::now();
    row.calls = run(cast.tallies.emplace_back());
    row.seconds = SecondsSince(t0);
    std::this_thread::sleep_for(Millis(1000));
    alive = mendd.Alive();
    row.after = mendd.Stats();
    rows.push_back(row);
    if (!alive) {
      checks.Expect(false, "mendd survives " + name,
                    "mendd " + mendd.ExitDescription() + "; its log ends:\n" + mendd.LogTail(15));
    }
    return alive;
  };

  const char* kHonestPhases[] = {"malformed ids", "login flood", "invite flood", "authz storm"};
  writer.SetPhase(kHonestPhases[0]);
  phase("phase 2: ids of every length to every rpc", kHonestPhases[0],
        [&](StatusTally& t) { return RunMalformedIds(stage, t); });
  writer.SetPhase(kHonestPhases[1]);
  phase("phase 3: challenge and login floods", kHonestPhases[1],
        [&](StatusTally& t) { return RunLoginFlood(stage, t); });
  writer.SetPhase(kHonestPhases[2]);
  phase("phase 4: invite floods", kHonestPhases[2],
        [&](StatusTally& t) { return RunInviteFlood(stage, t); });
  writer.SetPhase(kHonestPhases[3]);
  phase("phase 5: Leave/Purge/ConfirmMember/PutGrant storms from non-members", kHonestPhases[3],
        [&](StatusTally& t) { return RunAuthzStorm(stage, t); });
  const std::vector<HonestWriter::PhaseRecord> honest = writer.Stop();
  stage.honest_head = writer.head();
  // After an interrupt every Deadline has expired: checks made now would
  // only report the interruption again, as noise.
  if (Interrupted()) return;
  if (alive) CheckHonestCoupleIntact(stage);

  phase("phase 6: whole-log fetches of large entries", "large fetch",
        [&](StatusTally& t) { return RunLargeFetch(stage, t); });
  ProcessStats after_floods;
  if (alive && !Interrupted()) {
    after_floods = mendd.SettledStats(baseline.threads + kMaxThreadGrowth, Millis(15000));
    const int64_t growth = after_floods.rss_kib - baseline.rss_kib;
    checks.Expect(after_floods.valid() && growth < kMaxRssGrowthKib, "memory bounded under floods",
                  "RSS " + Mib(baseline.rss_kib) + " -> " + Mib(after_floods.rss_kib) +
                      " over phases 2-6 (growth " + Mib(growth) + ", bound " +
                      Mib(kMaxRssGrowthKib) + ")");
    checks.Expect(
        after_floods.valid() && after_floods.threads <= baseline.threads + kMaxThreadGrowth,
        "threads settle after floods",
        "threads " + std::to_string(baseline.threads) + " -> " +
            std::to_string(after_floods.threads) + " after phases 2-6 and a settle (bound: +" +
            std::to_string(kMaxThreadGrowth) + ")");
  }
  if (alive && !Interrupted()) {
    if (auto s = RestartForWatchers(mendd, *cast.honest); !s.ok()) {
      alive = false;
      checks.Expect(false, "mendd restarts for the watcher phase", std::string(s.message()));
    } else {
      out << "(mendd restarted on the same data for phase 7 with member_burst = 10000: every Watch "
             "is charged to "
             "its member's call budget, 100 at once by default)"
          << std::endl;
    }
  }
  phase("phase 7: idle watchers", "idle watchers",
        [&](StatusTally& t) { return RunIdleWatchers(stage, t); });

  if (Interrupted()) return;
  // The honest couple through phases 2-5.
  int lockouts = 0;
  std::string first_lockout, idle_phases;
  for (const auto& r : honest) {
    if (r.phase == "warm-up") continue;
    lockouts += r.lockouts();
    if (first_lockout.empty() && !r.first_lockout.empty())
      first_lockout = r.phase + ": " + r.first_lockout;
    if (r.append_ms.empty()) idle_phases += (idle_phases.empty() ? "" : ", ") + r.phase;
  }
  checks.Expect(
      lockouts == 0, "honest couple never locked out",
      lockouts == 0
          ? "no RESOURCE_EXHAUSTED or UNAUTHENTICATED for its appends and logins in phases 2-5"
          : std::to_string(lockouts) +
                " RESOURCE_EXHAUSTED/UNAUTHENTICATED answers; first: " + first_lockout);
  checks.Expect(idle_phases.empty(), "honest couple appends in every phase",
                idle_phases.empty() ? "at least one append succeeded in each of phases 2-5"
                                    : "no append succeeded during: " + idle_phases);

  out << "== report ==" << std::endl;
  out << "baseline after warm-up: " << baseline.rss_mib() << " MiB, " << baseline.threads
      << " threads; after floods "
      << "(phases 2-6, settled): " << after_floods.rss_mib() << " MiB, " << after_floods.threads
      << " threads\n";
  PrintPhaseTable(out, rows, honest);
  for (const auto& r : honest) {
    if (r.phase == "warm-up") continue;
    out << "  honest during " << r.phase << ": " << r.append_ms.size() << " appends, "
        << r.logins_ok << " logins ok";
    for (const auto& [code, n] : r.append_failures)
      out << ", append " << CodeName(code) << " x" << n;
    for (const auto& [code, n] : r.login_failures) out << ", login " << CodeName(code) << " x" << n;
    out << "\n";
  }
  out << "(the idle watchers row is the restarted mendd)\n";
  out << "memory per idle watcher: " << stage.kib_per_idle_watcher << " KiB ("
      << stage.idle_watchers_open << " open)" << std::endl;
  checks.Expect(mendd.Alive(), "mendd alive at the end", "mendd " + mendd.ExitDescription());
}

}  // namespace mend::hostile
