// Key grants (PROTOCOL.md "Key grants") and the login message.
#ifndef MEND_CRYPTO_GRANT_H_
#define MEND_CRYPTO_GRANT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kSealedKeyBytes = 32 + 48;  // crypto_box_SEALBYTES + key

// crypto_box_seal(couple_key, recipient_box_pk).
absl::StatusOr<Bytes> SealCoupleKey(const SecretBytes& couple_key,
                                    std::string_view recipient_box_pk);
absl::StatusOr<SecretBytes> OpenCoupleKey(std::string_view sealed, const Identity& recipient);
inline constexpr size_t kKeyIdBytes = 32;

// BLAKE2b-256(key = couple_key, "mend key id v2"): names a couple key without
// revealing it. Genesis (epoch 0) and each KeyRotation write it into the signed
// log, grants sign it, and a client uses a granted key only when its id is the
// one the log announces for that epoch: an AEAD that does not commit to its key
// could otherwise make one signed entry read differently for each partner.
Bytes KeyId(const SecretBytes& couple_key);
// "mend grant v2" || couple_id || u32be(epoch) || member || key_id || sealed_key.
Bytes GrantSignatureInput(std::string_view couple_id, uint32_t epoch, std::string_view member,
                          std::string_view key_id, std::string_view sealed_key);
// "mend login v1" || server_id || nonce.
Bytes LoginSignatureInput(std::string_view server_id, std::string_view nonce);

// The calls that end a couple carry a fresh signature, not only a bearer
// token (which a proxy log or a stolen laptop's memory could hold):
// label || server_id || couple_id || nonce, with a nonce from Auth.Challenge.
inline constexpr std::string_view kLeaveLabel = "mend leave v2";
inline constexpr std::string_view kPurgeLabel = "mend purge v2";
Bytes DestructiveCallSignatureInput(std::string_view label, std::string_view server_id,
                                    std::string_view couple_id, std::string_view nonce);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_GRANT_H_
