#include "tests/hostile/check_list.h"

namespace mend::hostile {

bool CheckList::Expect(bool ok, const std::string& name, const std::string& detail) {
  const std::string line = name + ": " + detail;
  if (ok) {
    ++passed_;
  } else {
    failures_.push_back(line);
  }
  out_ << (ok ? "PASS " : "FAIL ") << line << std::endl;
  return ok;
}

void CheckList::PrintSummary() const {
  if (!failures_.empty()) {
    out_ << "\nViolated bounds:\n";
    for (const auto& f : failures_) out_ << "  FAIL " << f << "\n";
  }
  out_ << passed_ << " passed, " << failures_.size() << " failed" << std::endl;
}

}  // namespace mend::hostile
