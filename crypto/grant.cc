#include "crypto/grant.h"

#include <sodium.h>

#include "absl/status/status.h"
#include "base/big_endian.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace mend::crypto {

static_assert(kSealedKeyBytes == crypto_box_SEALBYTES + kAeadKeyBytes);

absl::StatusOr<Bytes> SealCoupleKey(const SecretBytes& couple_key,
                                    std::string_view recipient_box_pk) {
  if (couple_key.size() != kAeadKeyBytes || recipient_box_pk.size() != crypto_box_PUBLICKEYBYTES) {
    return absl::InvalidArgumentError("bad couple key or recipient key length");
  }
  Bytes out(kSealedKeyBytes, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), couple_key.data(),
                      couple_key.size(),
                      reinterpret_cast<const unsigned char*>(recipient_box_pk.data())) != 0) {
    return absl::InvalidArgumentError("the recipient's box key is not usable");
  }
  return out;
}

absl::StatusOr<SecretBytes> OpenCoupleKey(std::string_view sealed, const Identity& recipient) {
  if (sealed.size() != kSealedKeyBytes)
    return absl::DataLossError("key grant has the wrong length");
  SecretBytes key(kAeadKeyBytes);
  if (crypto_box_seal_open(key.data(), reinterpret_cast<const unsigned char*>(sealed.data()),
                           sealed.size(),
                           reinterpret_cast<const unsigned char*>(recipient.box_pk().data()),
                           recipient.box_sk().data()) != 0) {
    return absl::DataLossError("key grant does not open with this identity");
  }
  return key;
}

Bytes KeyId(const SecretBytes& couple_key) {
  return Blake2bKeyed(kKeyIdBytes, couple_key.view(), {"mend key id v2"});
}

Bytes GrantSignatureInput(std::string_view couple_id, uint32_t epoch, std::string_view member,
                          std::string_view key_id, std::string_view sealed_key) {
  Bytes out("mend grant v2");
  out.append(couple_id);
  base::AppendU32(&out, epoch);
  out.append(member);
  out.append(key_id);
  out.append(sealed_key);
  return out;
}

Bytes DestructiveCallSignatureInput(std::string_view label, std::string_view server_id,
                                    std::string_view couple_id, std::string_view nonce) {
  Bytes out(label);
  out.append(server_id);
  out.append(couple_id);
  out.append(nonce);
  return out;
}

Bytes LoginSignatureInput(std::string_view server_id, std::string_view nonce) {
  Bytes out("mend login v1");
  out.append(server_id);
  out.append(nonce);
  return out;
}

}  // namespace mend::crypto
