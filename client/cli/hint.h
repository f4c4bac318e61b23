// Advice for the person, printed by main() as "mend: hint: ...". Only the
// command layer writes advice: a command that knows it attaches it with
// WithHint; otherwise HintFor chooses it from what the status says by type
// (a Problem from core/, a verification error, the status code), never from
// its message's words.
#ifndef MEND_CLIENT_CLI_HINT_H_
#define MEND_CLIENT_CLI_HINT_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "client/core/problem.h"

namespace mend::client {

inline constexpr char kHintPayload[] = "type.mend.dev/hint";

inline absl::Status WithHint(absl::Status status, std::string_view hint) {
  status.SetPayload(kHintPayload, absl::Cord(std::string(hint)));
  return status;
}

inline std::optional<std::string> HintOf(const absl::Status& status) {
  auto hint = status.GetPayload(kHintPayload);
  if (!hint) return std::nullopt;
  return std::string(*hint);
}

// The advice for `problem` (never empty).
std::string AdviceFor(Problem problem);

// The advice for a failed `status`: its own hint, else the advice for its
// Problem, its verification failure or its code; nullopt when there is none.
std::optional<std::string> HintFor(const absl::Status& status);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_HINT_H_
