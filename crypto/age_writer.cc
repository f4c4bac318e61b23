#include "crypto/age_writer.h"

#include <sodium.h>

#include <cstring>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::string_view kVersionLine = "age-encryption.org/v1";
constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr size_t kFileKeyBytes = 16;
constexpr size_t kTagBytes = crypto_aead_chacha20poly1305_ietf_ABYTES;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; `pad` adds zero bits at the end (encode), otherwise padding must be zero and short.
bool ConvertBits(const std::vector<uint8_t>& in, int from, int to, bool pad, std::vector<uint8_t>* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    if (v >> from) return false;
    acc = acc << from | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out->push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

Bytes Nonce12(uint64_t counter, bool last) {
  Bytes n(12, '\0');
  for (int i = 0; i < 8; ++i) n[10 - i] = static_cast<char>(counter >> (8 * i));
  n[11] = last ? 1 : 0;
  return n;
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

SecretBytes HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info, size_t length) {
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

std::string Bech32Encode(std::string_view hrp, std::string_view data) {
  std::vector<uint8_t> bytes(data.begin(), data.end()), values;
  ConvertBits(bytes, 8, 5, true, &values);
  std::vector<uint8_t> check = HrpExpand(hrp);
  check.insert(check.end(), values.begin(), values.end());
  check.insert(check.end(), 6, 0);
  uint32_t mod = Bech32Polymod(check) ^ 1;
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t v : values) out.push_back(kBech32Charset[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kBech32Charset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

absl::StatusOr<Bytes> Bech32Decode(std::string_view text, std::string_view expected_hrp) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return absl::InvalidArgumentError("bech32: invalid character");
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return absl::InvalidArgumentError("bech32: mixed case");
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size()) {
    return absl::InvalidArgumentError("bech32: missing separator or checksum");
  }
  std::string hrp = s.substr(0, sep);
  if (hrp != expected_hrp) return absl::InvalidArgumentError(fmt::format("bech32: expected prefix {}", expected_hrp));
  std::vector<uint8_t> values;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    size_t v = kBech32Charset.find(s[i]);
    if (v == std::string_view::npos) return absl::InvalidArgumentError("bech32: invalid character");
    values.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> check = HrpExpand(hrp);
  check.insert(check.end(), values.begin(), values.end());
  if (Bech32Polymod(check) != 1) return absl::InvalidArgumentError("bech32: checksum mismatch (a typo?)");
  values.resize(values.size() - 6);
  std::vector<uint8_t> bytes;
  if (!ConvertBits(values, 5, 8, false, &bytes)) return absl::InvalidArgumentError("bech32: bad padding");
  return Bytes(bytes.begin(), bytes.end());
}

absl::StatusOr<Bytes> ParseAgeRecipient(std::string_view text) {
  if (text.rfind("age1", 0) != 0) {
    return absl::InvalidArgumentError(fmt::format(
        "'{}' is not an age X25519 recipient: it should start with age1 (the public key line of `age-keygen`)",
        text.substr(0, 20)));
  }
  auto key = Bech32Decode(text, "age");
  if (!key.ok()) {
    return absl::InvalidArgumentError(fmt::format("age recipient {}…: {}", text.substr(0, 12), std::string(key.status().message())));
  }
  if (key->size() != crypto_scalarmult_BYTES) {
    return absl::InvalidArgumentError("age recipient: the key is not 32 bytes");
  }
  return *key;
}

std::string Base64NoPad(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), U(data), data.size(), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

absl::StatusOr<Bytes> DecodeBase64NoPad(std::string_view text) {
  Bytes out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("invalid base64");
  }
  out.resize(len);
  if (Base64NoPad(out) != text) return absl::InvalidArgumentError("non-canonical base64");
  return out;
}

absl::StatusOr<Bytes> AgeStreamEncrypt(const SecretBytes& file_key, std::string_view nonce, std::string_view plaintext) {
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
                                              U(plaintext.substr(at, n)), n, nullptr, 0, nullptr, U(nonce12),
                                              key.data());
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
    if (crypto_aead_chacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(chunk.data()), &mlen, nullptr,
                                                  U(payload.substr(at, n)), n, nullptr, 0, U(nonce12),
                                                  key.data()) != 0) {
      return absl::DataLossError("age payload: chunk does not authenticate");
    }
    if (last && chunk.empty() && counter > 1) return absl::DataLossError("age payload: empty last chunk");
    plain += chunk;
    at += n;
  }
  SecretBytes out = SecretBytes::CopyOf(plain);
  sodium_memzero(plain.data(), plain.size());
  return out;
}

absl::StatusOr<std::string> AgeEncrypt(const SecretBytes& plaintext, const std::vector<Bytes>& recipients) {
  if (recipients.empty()) return absl::InvalidArgumentError("age: at least one recipient is needed");
  SecretBytes file_key = SecretBytes::Random(kFileKeyBytes);
  std::string header(kVersionLine);
  header += "\n";
  for (const Bytes& recipient : recipients) {
    if (recipient.size() != crypto_scalarmult_BYTES) return absl::InvalidArgumentError("age: bad recipient key");
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
    crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(body.data()), &blen, file_key.data(),
                                              file_key.size(), nullptr, 0, nullptr, zero_nonce, wrap_key.data());
    header += "-> X25519 " + Base64NoPad(share) + "\n" + Base64NoPad(body) + "\n";
  }
  header += "---";
  SecretBytes mac_key = HkdfSha256(file_key.view(), "", "header", 32);
  header += " " + Base64NoPad(HmacSha256(mac_key.view(), header)) + "\n";
  ASSIGN_OR_RETURN(Bytes payload, AgeStreamEncrypt(file_key, RandomBytes(16), plaintext.view()));
  return header + payload;
}

}  // namespace mend::crypto
