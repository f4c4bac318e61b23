// XChaCha20-Poly1305-IETF with a random nonce carried in front of the
// ciphertext: the one AEAD mend uses outside the log entries themselves
// (pairing offer/answer, sealed reflections, the key file).
#ifndef MEND_CRYPTO_AEAD_H_
#define MEND_CRYPTO_AEAD_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kAeadKeyBytes = 32;
inline constexpr size_t kAeadNonceBytes = 24;
inline constexpr size_t kAeadTagBytes = 16;

// Encrypts with an explicit nonce; returns ciphertext || tag (no nonce).
Bytes AeadEncrypt(const SecretBytes& key, std::string_view nonce, std::string_view plaintext,
                  std::string_view ad);
// Decrypts ciphertext || tag into guarded memory; fails on any mismatch.
absl::StatusOr<SecretBytes> AeadDecrypt(const SecretBytes& key, std::string_view nonce,
                                        std::string_view ciphertext, std::string_view ad);

// nonce(24) || AeadEncrypt(...), with a fresh random nonce.
Bytes AeadSeal(const SecretBytes& key, std::string_view plaintext, std::string_view ad);
// Opens what AeadSeal produced.
absl::StatusOr<SecretBytes> AeadOpen(const SecretBytes& key, std::string_view sealed,
                                     std::string_view ad);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AEAD_H_
