#include "crypto/aead.h"

#include <sodium.h>

#include "absl/status/status.h"

namespace mend::crypto {

static_assert(kAeadKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

Bytes AeadEncrypt(const SecretBytes& key, std::string_view nonce, std::string_view plaintext,
                  std::string_view ad) {
  Bytes out(plaintext.size() + kAeadTagBytes, '\0');
  unsigned long long out_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data()), &out_len,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()), key.data());
  out.resize(out_len);
  return out;
}

absl::StatusOr<SecretBytes> AeadDecrypt(const SecretBytes& key, std::string_view nonce,
                                        std::string_view ciphertext, std::string_view ad) {
  if (key.size() != kAeadKeyBytes || nonce.size() != kAeadNonceBytes) {
    return absl::InvalidArgumentError("bad key or nonce length");
  }
  if (ciphertext.size() < kAeadTagBytes) {
    return absl::DataLossError("ciphertext is shorter than its tag");
  }
  SecretBytes out(ciphertext.size() - kAeadTagBytes);
  unsigned long long out_len = 0;
  // SecretBytes of size 0 has no buffer; libsodium still needs a valid pointer.
  unsigned char empty = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.empty() ? &empty : out.data(), &out_len, nullptr,
          reinterpret_cast<const unsigned char*>(ciphertext.data()), ciphertext.size(),
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
          reinterpret_cast<const unsigned char*>(nonce.data()), key.data()) != 0) {
    return absl::DataLossError("authenticated decryption failed");
  }
  return out;
}

Bytes AeadSeal(const SecretBytes& key, std::string_view plaintext, std::string_view ad) {
  Bytes nonce = RandomBytes(kAeadNonceBytes);
  return nonce + AeadEncrypt(key, nonce, plaintext, ad);
}

absl::StatusOr<SecretBytes> AeadOpen(const SecretBytes& key, std::string_view sealed,
                                     std::string_view ad) {
  if (sealed.size() < kAeadNonceBytes + kAeadTagBytes) {
    return absl::DataLossError("sealed message is too short");
  }
  return AeadDecrypt(key, sealed.substr(0, kAeadNonceBytes), sealed.substr(kAeadNonceBytes), ad);
}

}  // namespace mend::crypto
