// age's STREAM payload (https://age-encryption.org/v1, "Payload"):
// ChaCha20-Poly1305 over 64 KiB chunks under a key derived from the file key
// and a 16-byte nonce, the last chunk marked in its nonce.
#ifndef MEND_CRYPTO_AGE_STREAM_H_
#define MEND_CRYPTO_AGE_STREAM_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kAgeChunkBytes = 64 * 1024;

// The payload for `file_key` (16 bytes) and `nonce` (16 bytes), nonce first.
absl::StatusOr<Bytes> AgeStreamEncrypt(const SecretBytes& file_key, std::string_view nonce,
                                       std::string_view plaintext);
// The inverse, for tests (mend writes age files; `age -d` reads them).
// `payload` is without the nonce.
absl::StatusOr<SecretBytes> AgeStreamDecrypt(const SecretBytes& file_key, std::string_view nonce,
                                             std::string_view payload);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AGE_STREAM_H_
