// Sealed reflections ("nobody goes first", PROTOCOL.md "Sealed reflections"): an
// answer encrypted under a fresh one-time key k_e that only its author holds
// until both partners' sealed reflections to the same prompt are on the log.
//
// XChaCha20-Poly1305 does not commit to its key: one ciphertext can be built
// to open under two keys. So the SealedReflection carries a commitment to k_e,
// checked at the Reveal, and the associated data binds the couple, the author
// and the prompt, so that a copy of the partner's ciphertext is not an answer.
#ifndef MEND_CRYPTO_SEALED_REFLECTION_H_
#define MEND_CRYPTO_SEALED_REFLECTION_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kMaxPromptIdBytes = 64;
inline constexpr size_t kSealedKeyCommitmentBytes = 32;

// Who wrote a sealed reflection, and to what.
// Owns its bytes: a context is often built from temporaries.
struct SealedReflectionContext {
  std::string couple_id;  // 16 bytes
  std::string author;     // 32-byte member id
  std::string prompt_id;  // 1..64 bytes
};

// "mend sealed v2" || couple_id || author || u8(len(prompt_id)) || prompt_id.
Bytes SealedReflectionAd(const SealedReflectionContext& context);
// BLAKE2b-256(key = k_e, "mend sealed commit v2"): written beside the
// ciphertext, so that only the k_e it commits to can reveal the answer.
Bytes SealedKeyCommitment(std::string_view k_e);
// nonce(24) || XChaCha20-Poly1305(k_e, answer, ad). `nonce` only for known-answer tests.
Bytes SealReflectionText(const SecretBytes& k_e, const SealedReflectionContext& context,
                         std::string_view answer, std::optional<Bytes> nonce = std::nullopt);
// Checks `k_e` against `commitment` (constant time), then opens `sealed`.
absl::StatusOr<std::string> OpenAnswerText(std::string_view k_e, std::string_view commitment,
                                           const SealedReflectionContext& context,
                                           std::string_view sealed);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_SEALED_REFLECTION_H_
