// A partner's identity: an Ed25519 signing key pair (the public key is the
// member id) and an X25519 box key pair for key grants, both derived from one
// 32-byte identity seed, which is the only secret the key file has to keep.
#ifndef MEND_CRYPTO_IDENTITY_H_
#define MEND_CRYPTO_IDENTITY_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

inline constexpr size_t kSignPublicKeyBytes = 32;
inline constexpr size_t kBoxPublicKeyBytes = 32;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kIdentitySeedBytes = 32;

// Public half of an identity, as written into the log and on the server.
struct PublicIdentity {
  Bytes sign_pk;  // 32 bytes; the member id
  Bytes box_pk;   // 32 bytes
};

class Identity {
 public:
  // A fresh random identity.
  static Identity Generate();
  // Deterministic derivation (PROTOCOL.md "Identity"); used by the key file and by tests.
  static absl::StatusOr<Identity> FromSeed(const SecretBytes& seed);

  Identity(Identity&&) = default;
  Identity& operator=(Identity&&) = default;

  const Bytes& sign_pk() const { return public_.sign_pk; }
  const Bytes& box_pk() const { return public_.box_pk; }
  const PublicIdentity& public_identity() const { return public_; }
  const SecretBytes& seed() const { return seed_; }
  // X25519 secret key, for opening key grants.
  const SecretBytes& box_sk() const { return box_sk_; }

  // Detached Ed25519 signature over `message`.
  Bytes Sign(std::string_view message) const;

 private:
  Identity() = default;

  PublicIdentity public_;
  SecretBytes seed_;
  SecretBytes sign_sk_;  // 64 bytes, libsodium's seed || pk form
  SecretBytes box_sk_;
};

// True when `signature` is a valid Ed25519 signature by `sign_pk` over `message`.
bool VerifySignature(std::string_view sign_pk, std::string_view message,
                     std::string_view signature);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_IDENTITY_H_
