// Pairing by one-time invite code (PROTOCOL.md "Pairing"). The code carries a
// 128-bit secret; the server sees only invite_id and ciphertexts it cannot
// test guesses against.
#ifndef MEND_CRYPTO_INVITE_H_
#define MEND_CRYPTO_INVITE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/secret_bytes.h"
#include "mend/v1/payload.pb.h"

namespace mend::crypto {

inline constexpr size_t kInviteSecretBytes = 16;
inline constexpr size_t kInviteIdBytes = 16;

// Text form: "mend-" + 26 Crockford base32 characters of the secret + 1 check
// character, in groups of five: mend-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XX
std::string FormatInviteCode(const SecretBytes& secret);
// Case-insensitive; ignores spaces and dashes; reads I/L as 1 and O as 0.
// InvalidArgument "mistyped" when the check character or padding bits disagree.
absl::StatusOr<SecretBytes> ParseInviteCode(std::string_view text);

struct InviteKeys {
  Bytes invite_id;       // 16 bytes, sent to the server
  SecretBytes k_offer;   // 32 bytes
  SecretBytes k_answer;  // 32 bytes
};
InviteKeys DeriveInviteKeys(const SecretBytes& secret);

// offer_ct = nonce || XChaCha20-Poly1305(k_offer, PairingOffer, ad = invite_id).
Bytes SealOffer(const InviteKeys& keys, const mend::v1::PairingOffer& offer);
// Returns the offer and its exact plaintext bytes (for the transcript).
absl::StatusOr<mend::v1::PairingOffer> OpenOffer(const InviteKeys& keys, std::string_view offer_ct,
                                                 Bytes* offer_plaintext);

// T = BLAKE2b-256("mend pair transcript v1" || offer_plaintext || joiner sign_pk || joiner box_pk).
Bytes PairingTranscript(std::string_view offer_plaintext, const PublicIdentity& joiner);
// "mend pair transcript sig v1" || T.
Bytes TranscriptSignatureInput(std::string_view transcript);

// answer_ct = nonce || XChaCha20-Poly1305(k_answer, PairingAnswer, ad = invite_id ||
// BLAKE2b-256(offer_ct)).
Bytes SealAnswer(const InviteKeys& keys, std::string_view offer_ct,
                 const mend::v1::PairingAnswer& answer);
absl::StatusOr<mend::v1::PairingAnswer> OpenAnswer(const InviteKeys& keys,
                                                   std::string_view offer_ct,
                                                   std::string_view answer_ct);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_INVITE_H_
