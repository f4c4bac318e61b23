// Sealed answers ("nobody goes first", PROTOCOL.md "Sealed answers"): an
// answer encrypted under a fresh one-time key k_e that only its author holds
// until both partners' sealed answers to the same prompt are on the log.
#ifndef MEND_CRYPTO_SEALED_ANSWER_H_
#define MEND_CRYPTO_SEALED_ANSWER_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

// "mend sealed v1" || prompt_id: the associated data, binding the answer to its prompt.
Bytes SealedAnswerAd(std::string_view prompt_id);
// nonce(24) || XChaCha20-Poly1305(k_e, answer, ad). `nonce` only for known-answer tests.
Bytes SealAnswerText(const SecretBytes& k_e, std::string_view prompt_id, std::string_view answer,
                     std::optional<Bytes> nonce = std::nullopt);
absl::StatusOr<std::string> OpenAnswerText(std::string_view k_e, std::string_view prompt_id,
                                           std::string_view sealed);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_SEALED_ANSWER_H_
