// Byte strings that are not secret (public keys, hashes, ciphertexts) are plain
// std::string, the type protobuf uses for `bytes` fields. Secrets use SecretBytes.
#ifndef MEND_CRYPTO_BYTES_H_
#define MEND_CRYPTO_BYTES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mend::crypto {

using Bytes = std::string;

// Lowercase hex of `data`.
std::string ToHex(std::string_view data);
// Parses lowercase or uppercase hex; nullopt on odd length or a non-hex digit.
std::optional<Bytes> FromHex(std::string_view hex);

// Big-endian fixed-width integers, as used in every signed or hashed message.
void AppendU32(Bytes* out, uint32_t v);
void AppendU64(Bytes* out, uint64_t v);
uint32_t ReadU32(std::string_view in);  // REQUIRES: in.size() >= 4
uint64_t ReadU64(std::string_view in);  // REQUIRES: in.size() >= 8

// Random bytes from libsodium.
Bytes RandomBytes(size_t n);

// Constant-time equality (sodium_memcmp) for MACs, token hashes and check values.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_BYTES_H_
