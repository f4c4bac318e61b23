#include "crypto/identity.h"

#include <sodium.h>

#include "absl/status/status.h"

namespace mend::crypto {
namespace {

constexpr char kIdentityKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "mendidnt";
constexpr uint64_t kSignSubkey = 1;
constexpr uint64_t kBoxSubkey = 2;

}  // namespace

Identity Identity::Generate() {
  SecretBytes seed = SecretBytes::Random(kIdentitySeedBytes);
  // FromSeed only fails on a wrong seed length, which cannot happen here.
  return *FromSeed(seed);
}

absl::StatusOr<Identity> Identity::FromSeed(const SecretBytes& seed) {
  if (seed.size() != kIdentitySeedBytes) {
    return absl::InvalidArgumentError("identity seed must be 32 bytes");
  }
  Identity id;
  id.seed_ = seed.Clone();
  SecretBytes sign_seed(crypto_sign_SEEDBYTES), box_seed(crypto_box_SEEDBYTES);
  crypto_kdf_derive_from_key(sign_seed.data(), sign_seed.size(), kSignSubkey, kIdentityKdfContext,
                             seed.data());
  crypto_kdf_derive_from_key(box_seed.data(), box_seed.size(), kBoxSubkey, kIdentityKdfContext,
                             seed.data());
  id.public_.sign_pk.assign(crypto_sign_PUBLICKEYBYTES, '\0');
  id.public_.box_pk.assign(crypto_box_PUBLICKEYBYTES, '\0');
  id.sign_sk_ = SecretBytes(crypto_sign_SECRETKEYBYTES);
  id.box_sk_ = SecretBytes(crypto_box_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(id.public_.sign_pk.data()),
                           id.sign_sk_.data(), sign_seed.data());
  crypto_box_seed_keypair(reinterpret_cast<unsigned char*>(id.public_.box_pk.data()),
                          id.box_sk_.data(), box_seed.data());
  return id;
}

Bytes Identity::Sign(std::string_view message) const {
  Bytes sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       sign_sk_.data());
  return sig;
}

bool VerifySignature(std::string_view sign_pk, std::string_view message,
                     std::string_view signature) {
  if (sign_pk.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(sign_pk.data())) == 0;
}

}  // namespace mend::crypto
