#include "crypto/age/stream.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "crypto/age/primitives.h"

namespace mend::crypto {
namespace {

constexpr size_t kTagBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Bytes Nonce12(uint64_t counter, bool last) {
  Bytes n(12, '\0');
  for (int i = 0; i < 8; ++i) n[10 - i] = static_cast<char>(counter >> (8 * i));
  n[11] = last ? 1 : 0;
  return n;
}

}  // namespace

absl::StatusOr<Bytes> AgeStreamEncrypt(const SecretBytes& file_key, std::string_view nonce,
                                       std::string_view plaintext) {
  if (nonce.size() != 16) return absl::InvalidArgumentError("age payload nonce must be 16 bytes");
  SecretBytes key = HkdfSha256(file_key.view(), nonce, "payload", 32);
  Bytes out(nonce);
  uint64_t counter = 0;
  size_t at = 0;
  do {
    size_t n = std::min(kAgeChunkBytes, plaintext.size() - at);
    bool last = at + n == plaintext.size();
    Bytes chunk(n + kTagBytes, '\0');
    unsigned long long clen = 0;
    Bytes nonce12 = Nonce12(counter++, last);
    crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(chunk.data()), &clen,
                                              U(plaintext.substr(at, n)), n, nullptr, 0, nullptr,
                                              U(nonce12), key.data());
    out += chunk;
    at += n;
  } while (at < plaintext.size());
  return out;
}

absl::StatusOr<SecretBytes> AgeStreamDecrypt(const SecretBytes& file_key, std::string_view nonce,
                                             std::string_view payload) {
  SecretBytes key = HkdfSha256(file_key.view(), nonce, "payload", 32);
  std::string plain;
  uint64_t counter = 0;
  size_t at = 0;
  const size_t full = kAgeChunkBytes + kTagBytes;
  if (payload.empty()) return absl::DataLossError("age payload: no chunks");
  while (at < payload.size()) {
    size_t n = std::min(full, payload.size() - at);
    bool last = at + n == payload.size();
    if (n < kTagBytes) return absl::DataLossError("age payload: short chunk");
    std::string chunk(n - kTagBytes, '\0');
    unsigned long long mlen = 0;
    Bytes nonce12 = Nonce12(counter++, last);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(chunk.data()),
                                                  &mlen, nullptr, U(payload.substr(at, n)), n,
                                                  nullptr, 0, U(nonce12), key.data()) != 0) {
      return absl::DataLossError("age payload: chunk does not authenticate");
    }
    if (last && chunk.empty() && counter > 1)
      return absl::DataLossError("age payload: empty last chunk");
    plain += chunk;
    at += n;
  }
  SecretBytes out = SecretBytes::CopyOf(plain);
  sodium_memzero(plain.data(), plain.size());
  return out;
}

}  // namespace mend::crypto
