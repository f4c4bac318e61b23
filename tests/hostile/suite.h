// The hostile-client suite against one running mendd: sets the stage (phase
// 1), runs the attack phases in order with the honest couple writing through
// phases 2-5, and records a check for every bound.
#ifndef MEND_TESTS_HOSTILE_SUITE_H_
#define MEND_TESTS_HOSTILE_SUITE_H_

#include <ostream>

#include "tests/hostile/check_list.h"
#include "tests/hostile/mendd_process.h"

namespace mend::hostile {

// `scale` multiplies every flood's call count (1 by default, 10 for --long).
void RunSuite(MenddProcess& mendd, int scale, std::ostream& out, CheckList& checks);

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_SUITE_H_
