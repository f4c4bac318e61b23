#include "crypto/sealed_reflection.h"

#include "crypto/aead.h"
#include "crypto/hash.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kSealedAdLabel = "mend sealed v2";
constexpr std::string_view kCommitLabel = "mend sealed commit v2";

}  // namespace

Bytes SealedReflectionAd(const SealedReflectionContext& context) {
  Bytes ad(kSealedAdLabel);
  ad.append(context.couple_id);
  ad.append(context.author);
  // Length-prefixed: the prompt id is the only variable-length part.
  ad.push_back(static_cast<char>(static_cast<uint8_t>(context.prompt_id.size())));
  ad.append(context.prompt_id);
  return ad;
}

Bytes SealedKeyCommitment(std::string_view k_e) {
  return Blake2bKeyed(kSealedKeyCommitmentBytes, k_e, {kCommitLabel});
}

Bytes SealReflectionText(const SecretBytes& k_e, const SealedReflectionContext& context,
                         std::string_view answer, std::optional<Bytes> nonce) {
  Bytes n = nonce ? *nonce : RandomBytes(kAeadNonceBytes);
  return n + AeadEncrypt(k_e, n, answer, SealedReflectionAd(context));
}

absl::StatusOr<std::string> OpenAnswerText(std::string_view k_e, std::string_view commitment,
                                           const SealedReflectionContext& context,
                                           std::string_view sealed) {
  if (k_e.size() != kAeadKeyBytes)
    return absl::DataLossError("the revealed key has the wrong length");
  if (commitment.size() != kSealedKeyCommitmentBytes ||
      !ConstantTimeEquals(SealedKeyCommitment(k_e), commitment)) {
    return absl::DataLossError(
        "the revealed key is not the one the sealed reflection committed to");
  }
  if (context.prompt_id.empty() || context.prompt_id.size() > kMaxPromptIdBytes) {
    return absl::DataLossError("the prompt id has the wrong length");
  }
  auto plain = AeadOpen(SecretBytes::CopyOf(k_e), sealed, SealedReflectionAd(context));
  if (!plain.ok())
    return absl::DataLossError("the revealed key does not open the sealed reflection");
  return std::string(plain->view());
}

}  // namespace mend::crypto
