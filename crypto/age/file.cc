#include "crypto/age/file.h"

#include <sodium.h>

#include <cstring>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "crypto/age/bech32.h"
#include "crypto/age/primitives.h"
#include "crypto/age/stream.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kVersionLine = "age-encryption.org/v1";
constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr size_t kFileKeyBytes = 16;
constexpr size_t kTagBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<Bytes> ParseAgeRecipient(std::string_view text) {
  if (text.rfind("age1", 0) != 0) {
    return absl::InvalidArgumentError(
        fmt::format("'{}' is not an age X25519 recipient: it should start with age1 (the public "
                    "key line of `age-keygen`)",
                    text.substr(0, 20)));
  }
  auto key = Bech32Decode(text, "age");
  if (!key.ok()) {
    return absl::InvalidArgumentError(fmt::format("age recipient {}…: {}", text.substr(0, 12),
                                                  std::string(key.status().message())));
  }
  if (key->size() != crypto_scalarmult_BYTES) {
    return absl::InvalidArgumentError("age recipient: the key is not 32 bytes");
  }
  return *key;
}

std::string Base64NoPad(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), U(data), data.size(),
                    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

absl::StatusOr<Bytes> DecodeBase64NoPad(std::string_view text) {
  Bytes out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("invalid base64");
  }
  out.resize(len);
  if (Base64NoPad(out) != text) return absl::InvalidArgumentError("non-canonical base64");
  return out;
}

absl::StatusOr<std::string> AgeEncrypt(const SecretBytes& plaintext,
                                       const std::vector<Bytes>& recipients) {
  if (recipients.empty())
    return absl::InvalidArgumentError("age: at least one recipient is needed");
  SecretBytes file_key = SecretBytes::Random(kFileKeyBytes);
  std::string header(kVersionLine);
  header += "\n";
  for (const Bytes& recipient : recipients) {
    if (recipient.size() != crypto_scalarmult_BYTES)
      return absl::InvalidArgumentError("age: bad recipient key");
    SecretBytes ephemeral = SecretBytes::Random(crypto_scalarmult_SCALARBYTES);
    Bytes share(crypto_scalarmult_BYTES, '\0');
    crypto_scalarmult_base(reinterpret_cast<unsigned char*>(share.data()), ephemeral.data());
    SecretBytes shared(crypto_scalarmult_BYTES);
    if (crypto_scalarmult(shared.data(), ephemeral.data(), U(recipient)) != 0) {
      return absl::InvalidArgumentError("age: the recipient key is a low-order point");
    }
    SecretBytes wrap_key = HkdfSha256(shared.view(), share + recipient, kX25519Label, 32);
    Bytes body(kFileKeyBytes + kTagBytes, '\0');
    unsigned long long blen = 0;
    const unsigned char zero_nonce[12] = {0};
    crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(body.data()), &blen,
                                              file_key.data(), file_key.size(), nullptr, 0, nullptr,
                                              zero_nonce, wrap_key.data());
    header += "-> X25519 " + Base64NoPad(share) + "\n" + Base64NoPad(body) + "\n";
  }
  header += "---";
  SecretBytes mac_key = HkdfSha256(file_key.view(), "", "header", 32);
  header += " " + Base64NoPad(HmacSha256(mac_key.view(), header)) + "\n";
  ASSIGN_OR_RETURN(Bytes payload, AgeStreamEncrypt(file_key, RandomBytes(16), plaintext.view()));
  return header + payload;
}

}  // namespace mend::crypto
