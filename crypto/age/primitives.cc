#include "crypto/age/primitives.h"

#include <sodium.h>

#include <algorithm>

namespace mend::crypto {
namespace {

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Bytes HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, U(key), key.size());
  crypto_auth_hmacsha256_update(&st, U(message), message.size());
  Bytes out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&st, sizeof st);
  return out;
}

SecretBytes HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       size_t length) {
  // Extract: PRK = HMAC(salt or 32 zero bytes, IKM).
  std::string zero_salt(crypto_auth_hmacsha256_BYTES, '\0');
  Bytes prk = HmacSha256(salt.empty() ? std::string_view(zero_salt) : salt, ikm);
  // Expand: T(i) = HMAC(PRK, T(i-1) || info || i).
  SecretBytes out(length);
  Bytes t;
  size_t done = 0;
  for (uint8_t i = 1; done < length; ++i) {
    t = HmacSha256(prk, t + std::string(info) + static_cast<char>(i));
    size_t n = std::min(t.size(), length - done);
    std::copy(t.begin(), t.begin() + static_cast<long>(n), out.data() + done);
    done += n;
  }
  sodium_memzero(prk.data(), prk.size());
  sodium_memzero(t.data(), t.size());
  return out;
}

Bytes Sha256(std::string_view message) {
  Bytes out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()), U(message), message.size());
  return out;
}

}  // namespace mend::crypto
