#include "crypto/init.h"

#include <sodium.h>

namespace mend::crypto {

absl::Status Initialize() {
  if (sodium_init() < 0) return absl::InternalError("libsodium could not be initialised");
  return absl::OkStatus();
}

}  // namespace mend::crypto
