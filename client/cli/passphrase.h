// Getting the passphrase: --passphrase-file, MEND_PASSPHRASE_FILE, or a
// no-echo prompt on the terminal. Never from a plain argument.
#ifndef MEND_CLIENT_CLI_PASSPHRASE_H_
#define MEND_CLIENT_CLI_PASSPHRASE_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/secret_bytes.h"

namespace mend::client {

// `confirm` asks twice (for init). The first line of a file is used, without
// its newline. `use_env`: fall back to MEND_PASSPHRASE_FILE (not for a new
// passphrase, which must never silently be the old one).
absl::StatusOr<crypto::SecretBytes> ReadPassphrase(const std::string& file, bool confirm,
                                                   bool use_env = true);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_PASSPHRASE_H_
