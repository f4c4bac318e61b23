// Writes files in the age v1 format (https://age-encryption.org/v1) to X25519
// recipients, on libsodium primitives only: X25519, ChaCha20-Poly1305-IETF,
// HMAC-SHA256 and an HKDF-SHA256 built on it. No armor, no scrypt. The output
// decrypts with the stock `age -d -i key.txt`.
#ifndef MEND_CRYPTO_AGE_WRITER_H_
#define MEND_CRYPTO_AGE_WRITER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

// HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes (<= 8160).
SecretBytes HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info, size_t length);
Bytes HmacSha256(std::string_view key, std::string_view message);
Bytes Sha256(std::string_view message);

// Bech32 (BIP 173, not bech32m). Decode checks the checksum, the case and the HRP.
std::string Bech32Encode(std::string_view hrp, std::string_view data);
absl::StatusOr<Bytes> Bech32Decode(std::string_view text, std::string_view expected_hrp);

// An "age1..." recipient as its 32-byte X25519 public key. InvalidArgument with
// a message a person can act on when malformed.
absl::StatusOr<Bytes> ParseAgeRecipient(std::string_view text);

// Standard base64 without padding, as age uses it.
std::string Base64NoPad(std::string_view data);
absl::StatusOr<Bytes> DecodeBase64NoPad(std::string_view text);  // strict: canonical, no padding

// The complete age file for `plaintext` (in guarded memory) to `recipients` (X25519 public keys).
absl::StatusOr<std::string> AgeEncrypt(const SecretBytes& plaintext, const std::vector<Bytes>& recipients);

// The age STREAM payload for `file_key` (16 bytes) and `nonce` (16 bytes); exposed for tests.
absl::StatusOr<Bytes> AgeStreamEncrypt(const SecretBytes& file_key, std::string_view nonce,
                                       std::string_view plaintext);
absl::StatusOr<SecretBytes> AgeStreamDecrypt(const SecretBytes& file_key, std::string_view nonce,
                                             std::string_view payload);

inline constexpr size_t kAgeChunkBytes = 64 * 1024;

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AGE_WRITER_H_
