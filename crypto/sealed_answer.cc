#include "crypto/sealed_answer.h"

#include "crypto/aead.h"

namespace mend::crypto {

Bytes SealedAnswerAd(std::string_view prompt_id) {
  Bytes ad("mend sealed v1");
  ad.append(prompt_id);
  return ad;
}

Bytes SealAnswerText(const SecretBytes& k_e, std::string_view prompt_id, std::string_view answer,
                     std::optional<Bytes> nonce) {
  Bytes n = nonce ? *nonce : RandomBytes(kAeadNonceBytes);
  return n + AeadEncrypt(k_e, n, answer, SealedAnswerAd(prompt_id));
}

absl::StatusOr<std::string> OpenAnswerText(std::string_view k_e, std::string_view prompt_id,
                                           std::string_view sealed) {
  if (k_e.size() != kAeadKeyBytes) return absl::DataLossError("the revealed key has the wrong length");
  auto plain = AeadOpen(SecretBytes::CopyOf(k_e), sealed, SealedAnswerAd(prompt_id));
  if (!plain.ok()) return absl::DataLossError("the revealed key does not open the sealed answer");
  return std::string(plain->view());
}

}  // namespace mend::crypto
