// The suite's verdicts. Each check passes or fails with a one-line reason;
// a failure is printed when it happens and again in the summary, whose last
// line is exactly "N passed, N failed".
#ifndef MEND_TESTS_HOSTILE_CHECK_LIST_H_
#define MEND_TESTS_HOSTILE_CHECK_LIST_H_

#include <ostream>
#include <string>
#include <vector>

namespace mend::hostile {

class CheckList {
 public:
  explicit CheckList(std::ostream& out) : out_(out) {}

  // Records and prints "PASS name: detail" or "FAIL name: detail". Returns `ok`.
  bool Expect(bool ok, const std::string& name, const std::string& detail);

  int passed() const { return passed_; }
  int failed() const { return static_cast<int>(failures_.size()); }
  // Lists the failures, then "N passed, N failed".
  void PrintSummary() const;

 private:
  std::ostream& out_;
  int passed_ = 0;
  std::vector<std::string> failures_;
};

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_CHECK_LIST_H_
