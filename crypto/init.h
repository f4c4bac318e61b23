// One-time library initialisation; each main() calls it before anything else.
#ifndef MEND_CRYPTO_INIT_H_
#define MEND_CRYPTO_INIT_H_

#include "absl/status/status.h"

namespace mend::crypto {

// Initialises libsodium. Safe to call more than once.
absl::Status Initialize();

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_INIT_H_
