// The passphrase-protected key file of a profile. Byte layout in
// PROTOCOL.md "Key file": magic, version, algorithm ids, Argon2id limits and
// salt, a passphrase check value, the XChaCha20-Poly1305 ciphertext of the
// secrets, and a checksum that tells a damaged file from a wrong passphrase.
#ifndef MEND_CRYPTO_KEY_FILE_H_
#define MEND_CRYPTO_KEY_FILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/entry_codec.h"
#include "crypto/secret_bytes.h"

namespace mend::crypto {

// What the key file protects.
struct KeySecrets {
  SecretBytes identity_seed;                       // 32 bytes
  KeyRing couple_keys;                             // by epoch
  std::optional<SecretBytes> invite_secret;        // while an invite is outstanding
  std::map<std::string, SecretBytes> sealed_keys;  // k_e of my sealed reflections, by prompt id
  // The profile's state.json and config.toml section carry MACs: a file
  // without one is then tampering, not an older version (client/core/local_mac.h).
  bool local_files_authenticated = false;
};

struct KdfLimits {
  uint64_t opslimit;
  uint64_t memlimit;
  // crypto_pwhash MODERATE: what every key file is written with.
  static KdfLimits Moderate();
  // crypto_pwhash minimum; for unit tests of the format only.
  static KdfLimits MinimumForTests();
};

class KeyFile {
 public:
  // Encrypts `secrets` under `passphrase` and atomically replaces `path` (mode
  // 0600), after reading the new file back: InvalidArgument for secrets the
  // format cannot hold, Internal when the new file does not read back as
  // written; either way the old file is left as it was.
  static absl::Status Write(const std::string& path, const SecretBytes& passphrase,
                            const KeySecrets& secrets, KdfLimits limits = KdfLimits::Moderate());
  // Errors: NotFound (no file), DataLoss ("truncated" or "corrupted"),
  // Unauthenticated (wrong passphrase), Unimplemented (newer format).
  // `limits`, when given, receives the file's Argon2id limits (to keep them on rewrite).
  static absl::StatusOr<KeySecrets> Read(const std::string& path, const SecretBytes& passphrase,
                                         KdfLimits* limits = nullptr);

  // The in-memory forms, for tests and fuzzing.
  static absl::StatusOr<std::string> Encode(const SecretBytes& passphrase,
                                            const KeySecrets& secrets, KdfLimits limits);
  static absl::StatusOr<KeySecrets> Decode(std::string_view file, const SecretBytes& passphrase,
                                           KdfLimits* limits = nullptr);
};

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_KEY_FILE_H_
