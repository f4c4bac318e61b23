// The final report: one row per phase with its calls and time, mendd's
// memory and threads before and after it, and what the honest couple saw
// meanwhile (appends that worked and failed, logins, latency percentiles).
#ifndef MEND_TESTS_HOSTILE_PHASE_TABLE_H_
#define MEND_TESTS_HOSTILE_PHASE_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

#include "tests/hostile/honest_writer.h"
#include "tests/hostile/mendd_process.h"

namespace mend::hostile {

struct PhaseRow {
  std::string name;
  size_t calls = 0;
  double seconds = 0;
  ProcessStats before, after;
};

// `honest` rows are matched to phases by name; phases without one print "-".
void PrintPhaseTable(std::ostream& out, const std::vector<PhaseRow>& rows,
                     const std::vector<HonestWriter::PhaseRecord>& honest);

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_PHASE_TABLE_H_
