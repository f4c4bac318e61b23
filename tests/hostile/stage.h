// What every phase of mend-hostile works with: the mendd under attack, the
// attackers' connections and logged-in throwaway identities, the honest
// couple and the couple whose log holds large entries, and the scale.
// Each phase is one function in its own file; they run one after another on
// the main thread.
#ifndef MEND_TESTS_HOSTILE_STAGE_H_
#define MEND_TESTS_HOSTILE_STAGE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tests/hostile/async_call.h"
#include "tests/hostile/check_list.h"
#include "tests/hostile/deadline.h"
#include "tests/hostile/mendd_process.h"
#include "tests/hostile/status_tally.h"
#include "tests/server/test_server.h"

namespace mend::hostile {

struct Stage {
  MenddProcess* mendd = nullptr;
  int scale = 1;  // 10 with --long: every flood's call count
  // Throwaway identities, logged in, spread over the attackers' connections
  // (their stubs carry the anonymous calls too). own_couple[i] is the couple
  // throwaways[i] created, or empty when it belongs to none.
  std::vector<std::unique_ptr<testing::TestMember>> throwaways;
  std::vector<std::string> own_couple;
  testing::TestCouple* honest =
      nullptr;  // its members' tokens belong to the HonestWriter while it runs
  testing::TestCouple* bulky = nullptr;  // a log of large entries (phase 6)
  uint64_t bulky_entries = 0;
  mend::v1::Head honest_head;  // set after the writer stops
  // Phase 7's figures, for the final report.
  size_t idle_watchers_open = 0;
  double kib_per_idle_watcher = 0;
  std::ostream* out = nullptr;
  CheckList* checks = nullptr;
};

// Calls kept in flight by the floods.
inline constexpr size_t kInFlight = 64;

// Phase 2: ids of every length to every rpc that takes one. Returns calls made.
size_t RunMalformedIds(Stage& stage, StatusTally& tally);
// Phase 3: challenge and login floods from fresh keys, half through spoofed addresses.
size_t RunLoginFlood(Stage& stage, StatusTally& tally);
// Phase 4: a creator posts invites without end; anonymous invite lookups from many addresses.
size_t RunInviteFlood(Stage& stage, StatusTally& tally);
// Phase 5: Leave / Purge / ConfirmMember / PutGrant from non-members.
size_t RunAuthzStorm(Stage& stage, StatusTally& tally);
// After phase 5, with the honest writer stopped: the honest couple is as its writer left it.
void CheckHonestCoupleIntact(Stage& stage);
// Phase 6: whole-log Fetches (limit 0) of large entries, some never read.
size_t RunLargeFetch(Stage& stage, StatusTally& tally);
// Phase 7: idle Watch streams held open; memory and threads per watcher.
size_t RunIdleWatchers(Stage& stage, StatusTally& tally);

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_STAGE_H_
