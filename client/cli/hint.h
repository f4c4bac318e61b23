// Advice for the person, carried on an error status from the command that
// knows it to main(), which prints it as "mend: hint: ...". Only the command
// layer adds hints; the protocol and storage layers return plain statuses.
#ifndef MEND_CLIENT_CLI_HINT_H_
#define MEND_CLIENT_CLI_HINT_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"

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

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_HINT_H_
