#include "client/core/problem.h"

#include <string>

#include "absl/strings/cord.h"

namespace mend::client {
namespace {

constexpr char kProblemPayload[] = "type.mend.dev/problem";

}  // namespace

absl::Status WithProblem(absl::Status status, Problem problem) {
  status.SetPayload(kProblemPayload, absl::Cord(std::to_string(static_cast<int>(problem))));
  return status;
}

std::optional<Problem> ProblemOf(const absl::Status& status) {
  auto payload = status.GetPayload(kProblemPayload);
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  for (Problem p : kAllProblems) {
    if (text == std::to_string(static_cast<int>(p))) return p;
  }
  return std::nullopt;
}

}  // namespace mend::client
