#include "client/core/local_mac.h"

#include <sodium.h>

#include "base/hex.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace mend::client {

crypto::SecretBytes LocalFilesKey(const crypto::Identity& identity) {
  crypto::SecretBytes key(crypto_kdf_KEYBYTES);
  crypto_kdf_derive_from_key(key.data(), key.size(), 3, "mendlocl", identity.seed().data());
  return key;
}

std::string LocalMac(const crypto::SecretBytes& key, std::string_view label,
                     std::string_view data) {
  return base::ToHex(crypto::Blake2bKeyed(crypto::kHashBytes, key.view(), {label, data}));
}

bool LocalMacMatches(const crypto::SecretBytes& key, std::string_view label, std::string_view data,
                     std::string_view stored_hex) {
  return crypto::ConstantTimeEquals(LocalMac(key, label, data), stored_hex);
}

}  // namespace mend::client
