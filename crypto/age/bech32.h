// Bech32 (BIP 173, not bech32m), the text form of age recipients.
#ifndef MEND_CRYPTO_AGE_BECH32_H_
#define MEND_CRYPTO_AGE_BECH32_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"

namespace mend::crypto {

std::string Bech32Encode(std::string_view hrp, std::string_view data);
// Checks the checksum, the case and that the human-readable part is `expected_hrp`.
absl::StatusOr<Bytes> Bech32Decode(std::string_view text, std::string_view expected_hrp);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AGE_BECH32_H_
