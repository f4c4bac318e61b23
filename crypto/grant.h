// Key grants (PROTOCOL.md "Key grants") and the login message.
#ifndef MEND_CRYPTO_GRANT_H_
#define MEND_CRYPTO_GRANT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kSealedKeyBytes = 32 + 48;  // crypto_box_SEALBYTES + key

// crypto_box_seal(couple_key, recipient_box_pk).
absl::StatusOr<Bytes> SealCoupleKey(const SecretBytes& couple_key, std::string_view recipient_box_pk);
absl::StatusOr<SecretBytes> OpenCoupleKey(std::string_view sealed, const Identity& recipient);
// "mend grant v1" || couple_id || u32be(epoch) || member || sealed_key.
Bytes GrantSignatureInput(std::string_view couple_id, uint32_t epoch, std::string_view member,
                          std::string_view sealed_key);
// "mend login v1" || server_id || nonce.
Bytes LoginSignatureInput(std::string_view server_id, std::string_view nonce);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_GRANT_H_
