// Byte strings that are not secret (public keys, hashes, ciphertexts) are plain
// std::string, the type protobuf uses for `bytes` fields. Secrets use SecretBytes.
#ifndef MEND_CRYPTO_BYTES_H_
#define MEND_CRYPTO_BYTES_H_

#include <string>
#include <string_view>

namespace mend::crypto {

using Bytes = std::string;

// Random bytes from libsodium.
Bytes RandomBytes(size_t n);

// Constant-time equality (sodium_memcmp) for MACs, token hashes and check values.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_BYTES_H_
