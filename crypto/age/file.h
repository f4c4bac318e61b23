// Writes files in the age v1 format (https://age-encryption.org/v1) to X25519
// recipients, on libsodium primitives only: X25519, ChaCha20-Poly1305-IETF,
// HMAC-SHA256 and an HKDF-SHA256 built on it. No armor, no scrypt. The output
// decrypts with the stock `age -d -i key.txt`.
#ifndef MEND_CRYPTO_AGE_FILE_H_
#define MEND_CRYPTO_AGE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

// An "age1..." recipient as its 32-byte X25519 public key. InvalidArgument with
// a message a person can act on when malformed.
absl::StatusOr<Bytes> ParseAgeRecipient(std::string_view text);

// Standard base64 without padding, as age uses it.
std::string Base64NoPad(std::string_view data);
absl::StatusOr<Bytes> DecodeBase64NoPad(std::string_view text);  // strict: canonical, no padding

// The complete age file for `plaintext` (in guarded memory) to `recipients` (X25519 public keys).
absl::StatusOr<std::string> AgeEncrypt(const SecretBytes& plaintext,
                                       const std::vector<Bytes>& recipients);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AGE_FILE_H_
