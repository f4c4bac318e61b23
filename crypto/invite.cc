#include "crypto/invite.h"

#include <sodium.h>

#include <cctype>

#include "absl/status/status.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford
constexpr size_t kCodeChars = 26;                                           // ceil(128 / 5)
constexpr size_t kCheckModulus = 31;
constexpr std::string_view kPairLabel = "mend pair v1";
constexpr char kPairContext[crypto_kdf_CONTEXTBYTES + 1] = "mendpair";
constexpr std::string_view kTranscriptLabel = "mend pair transcript v1";
constexpr std::string_view kTranscriptSigLabel = "mend pair transcript sig v1";

// Weighted sum mod 31: catches every single substitution (except 0<->Z) and
// every swap of neighbours (except 0<->Z), the typos people make.
int CheckValue(const std::vector<int>& values) {
  int sum = 0;
  for (size_t i = 0; i < values.size(); ++i) sum += static_cast<int>(i + 1) * values[i];
  return sum % kCheckModulus;
}

int DecodeChar(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c == 'I' || c == 'L') c = '1';
  if (c == 'O') c = '0';
  size_t at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::string FormatInviteCode(const SecretBytes& secret) {
  std::vector<int> values;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < secret.size(); ++i) {
    buffer = buffer << 8 | secret.data()[i];
    bits += 8;
    while (bits >= 5) {
      values.push_back(static_cast<int>(buffer >> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) values.push_back(static_cast<int>(buffer << (5 - bits)) & 31);
  values.push_back(CheckValue(values));
  std::string out = "mend";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i % 5 == 0) out.push_back('-');
    out.push_back(kAlphabet[values[i]]);
  }
  sodium_memzero(values.data(), values.size() * sizeof(int));
  return out;
}

absl::StatusOr<SecretBytes> ParseInviteCode(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '\t' || c == '\n' || c == '\r') continue;
    compact.push_back(c);
  }
  if (compact.size() >= 4 && (compact.substr(0, 4) == "mend" || compact.substr(0, 4) == "MEND" ||
                              compact.substr(0, 4) == "Mend")) {
    compact.erase(0, 4);
  }
  const auto mistyped = [] {
    return absl::InvalidArgumentError(
        "the invite code is mistyped: check it against your partner's screen");
  };
  if (compact.size() != kCodeChars + 1) return mistyped();
  std::vector<int> values;
  for (char c : compact) {
    int v = DecodeChar(c);
    if (v < 0) return mistyped();
    values.push_back(v);
  }
  sodium_memzero(compact.data(), compact.size());
  int check = values.back();
  values.pop_back();
  if (CheckValue(values) != check) return mistyped();
  SecretBytes secret(kInviteSecretBytes);
  uint32_t buffer = 0;
  int bits = 0;
  size_t out = 0;
  for (int v : values) {
    buffer = buffer << 5 | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      secret.data()[out++] = static_cast<uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  // The last character carries 3 data bits and 2 zero padding bits.
  bool padding_clean = (buffer & ((1u << bits) - 1)) == 0;
  sodium_memzero(values.data(), values.size() * sizeof(int));
  if (out != kInviteSecretBytes || !padding_clean) return mistyped();
  return secret;
}

InviteKeys DeriveInviteKeys(const SecretBytes& secret) {
  SecretBytes m(32);
  crypto_generichash(m.data(), m.size(), reinterpret_cast<const unsigned char*>(kPairLabel.data()),
                     kPairLabel.size(), secret.data(), secret.size());
  InviteKeys keys;
  keys.invite_id.assign(kInviteIdBytes, '\0');
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(keys.invite_id.data()),
                             kInviteIdBytes, 1, kPairContext, m.data());
  keys.k_offer = SecretBytes(kAeadKeyBytes);
  keys.k_answer = SecretBytes(kAeadKeyBytes);
  crypto_kdf_derive_from_key(keys.k_offer.data(), kAeadKeyBytes, 2, kPairContext, m.data());
  crypto_kdf_derive_from_key(keys.k_answer.data(), kAeadKeyBytes, 3, kPairContext, m.data());
  return keys;
}

Bytes SealOffer(const InviteKeys& keys, const mend::v1::PairingOffer& offer) {
  return AeadSeal(keys.k_offer, offer.SerializeAsString(), keys.invite_id);
}

absl::StatusOr<mend::v1::PairingOffer> OpenOffer(const InviteKeys& keys, std::string_view offer_ct,
                                                 Bytes* offer_plaintext) {
  auto plain = AeadOpen(keys.k_offer, offer_ct, keys.invite_id);
  if (!plain.ok()) {
    return absl::DataLossError("the invite offer does not open with this code");
  }
  mend::v1::PairingOffer offer;
  if (!offer.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::DataLossError("the invite offer is malformed");
  }
  *offer_plaintext = Bytes(plain->view());
  return offer;
}

Bytes PairingTranscript(std::string_view offer_plaintext, const PublicIdentity& joiner) {
  return Blake2b256({kTranscriptLabel, offer_plaintext, joiner.sign_pk, joiner.box_pk});
}

Bytes TranscriptSignatureInput(std::string_view transcript) {
  Bytes out(kTranscriptSigLabel);
  out.append(transcript);
  return out;
}

Bytes SealAnswer(const InviteKeys& keys, std::string_view offer_ct,
                 const mend::v1::PairingAnswer& answer) {
  Bytes ad = keys.invite_id + Blake2b256({offer_ct});
  return AeadSeal(keys.k_answer, answer.SerializeAsString(), ad);
}

absl::StatusOr<mend::v1::PairingAnswer> OpenAnswer(const InviteKeys& keys,
                                                   std::string_view offer_ct,
                                                   std::string_view answer_ct) {
  Bytes ad = keys.invite_id + Blake2b256({offer_ct});
  auto plain = AeadOpen(keys.k_answer, answer_ct, ad);
  if (!plain.ok()) return absl::DataLossError("the partner's answer does not open");
  mend::v1::PairingAnswer answer;
  if (!answer.ParseFromArray(plain->data(), static_cast<int>(plain->size()))) {
    return absl::DataLossError("the partner's answer is malformed");
  }
  return answer;
}

}  // namespace mend::crypto
