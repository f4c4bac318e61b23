// libFuzzer: arbitrary text typed as an invite code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/init.h"
#include "crypto/invite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool ready = mend::crypto::Initialize().ok();
  (void)ready;
  auto secret =
      mend::crypto::ParseInviteCode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (secret.ok()) {
    // Whatever parses must format back to a code that parses to the same secret.
    auto again = mend::crypto::ParseInviteCode(mend::crypto::FormatInviteCode(*secret));
    if (!again.ok() || !again->Equals(*secret)) __builtin_trap();
  }
  return 0;
}
