// BLAKE2b helpers over several parts, so that labelled messages are hashed
// without building a temporary copy.
#ifndef MEND_CRYPTO_HASH_H_
#define MEND_CRYPTO_HASH_H_

#include <initializer_list>
#include <string_view>

#include "crypto/bytes.h"

namespace mend::crypto {

inline constexpr size_t kHashBytes = 32;

// Unkeyed BLAKE2b with `out_len` bytes (16..64) of output over the concatenation of `parts`.
Bytes Blake2b(size_t out_len, std::initializer_list<std::string_view> parts);
// Keyed BLAKE2b (key 16..64 bytes).
Bytes Blake2bKeyed(size_t out_len, std::string_view key,
                   std::initializer_list<std::string_view> parts);
inline Bytes Blake2b256(std::initializer_list<std::string_view> parts) {
  return Blake2b(kHashBytes, parts);
}

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_HASH_H_
