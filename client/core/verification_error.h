// Verification failures (a hostile server, a fork, a rollback, a tampered
// replica) travel as absl::Status with a marker payload, so that the CLI can
// exit with code 3 for them and 1 for everything else.
#ifndef MEND_CLIENT_CORE_VERIFICATION_ERROR_H_
#define MEND_CLIENT_CORE_VERIFICATION_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"

namespace mend::client {

inline constexpr char kVerificationPayload[] = "mend.dev/verification";

inline absl::Status VerificationError(const std::string& message) {
  absl::Status s = absl::DataLossError(message);
  s.SetPayload(kVerificationPayload, absl::Cord("1"));
  return s;
}

inline bool IsVerificationError(const absl::Status& status) {
  return status.GetPayload(kVerificationPayload).has_value();
}

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_VERIFICATION_ERROR_H_
