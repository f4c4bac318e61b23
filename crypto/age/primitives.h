// The hash primitives age is built on, from libsodium: SHA-256, HMAC-SHA256
// and HKDF-SHA256 (RFC 5869) on top of it.
#ifndef MEND_CRYPTO_AGE_PRIMITIVES_H_
#define MEND_CRYPTO_AGE_PRIMITIVES_H_

#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

// HKDF-SHA256: extract with `salt`, expand with `info` to `length` bytes (<= 8160).
SecretBytes HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       size_t length);
Bytes HmacSha256(std::string_view key, std::string_view message);
Bytes Sha256(std::string_view message);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_AGE_PRIMITIVES_H_
