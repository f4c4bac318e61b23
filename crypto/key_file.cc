#include "crypto/key_file.h"

#include <sodium.h>

#include "base/atomic_file.h"
#include "base/big_endian.h"
#include "base/status_macros.h"
#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kMagic("MENDKEY\0", 8);
constexpr uint8_t kVersion = 1;
constexpr uint8_t kKdfArgon2id13 = 1;
constexpr uint8_t kAeadXChaCha20Poly1305 = 1;
constexpr size_t kSaltBytes = crypto_pwhash_SALTBYTES;  // 16
constexpr size_t kCheckBytes = 16;
constexpr size_t kChecksumBytes = 16;
// magic(8) version(1) kdf(1) aead(1) reserved(1) ops(8) mem(8) salt(16) nonce(24) check(16)
// ct_len(4)
constexpr size_t kHeaderBytes = 8 + 4 + 8 + 8 + kSaltBytes + kAeadNonceBytes + kCheckBytes + 4;
constexpr std::string_view kCheckLabel = "mend key check v1";

enum Tag : uint8_t {
  kTagIdentitySeed = 1,
  kTagCoupleKey = 2,
  kTagInviteSecret = 3,
  kTagSealedKey = 4,
  kTagLocalFilesAuthenticated = 5,  // one byte, 1
};

absl::StatusOr<SecretBytes> DeriveKey(const SecretBytes& passphrase, std::string_view salt,
                                      KdfLimits limits) {
  SecretBytes key(kAeadKeyBytes);
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                    limits.opslimit, limits.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to derive the key-file key (Argon2id)");
  }
  return key;
}

// The secrets as tag(1) || u16be len || value records, in guarded memory.
// Refuses what the records cannot represent (a length over 65535, a prompt id
// over 255 bytes) instead of writing a file that cannot be read back.
absl::StatusOr<SecretBytes> EncodeSecrets(const KeySecrets& secrets) {
  if (secrets.identity_seed.size() != kIdentitySeedBytes) {
    return absl::InvalidArgumentError("identity seed must be 32 bytes");
  }
  for (const auto& [epoch, key] : secrets.couple_keys) {
    if (key.size() != kAeadKeyBytes)
      return absl::InvalidArgumentError("a couple key must be 32 bytes");
  }
  if (secrets.invite_secret && secrets.invite_secret->size() > 1024) {
    return absl::InvalidArgumentError("the invite secret is too long for the key file");
  }
  for (const auto& [prompt, key] : secrets.sealed_keys) {
    if (prompt.empty() || prompt.size() > 255) {
      return absl::InvalidArgumentError("a prompt id in the key file must be 1 to 255 bytes");
    }
    if (key.size() != kAeadKeyBytes)
      return absl::InvalidArgumentError("a sealed-reflection key must be 32 bytes");
  }
  size_t total = 3 + secrets.identity_seed.size();
  for (const auto& [epoch, key] : secrets.couple_keys) total += 3 + 4 + key.size();
  if (secrets.invite_secret) total += 3 + secrets.invite_secret->size();
  for (const auto& [prompt, key] : secrets.sealed_keys) total += 3 + 1 + prompt.size() + key.size();
  if (secrets.local_files_authenticated) total += 3 + 1;
  SecretBytes out(total);
  size_t at = 0;
  auto put = [&](uint8_t tag, std::string_view prefix, const SecretBytes& value) {
    size_t len = prefix.size() + value.size();
    out.data()[at++] = tag;
    out.data()[at++] = static_cast<uint8_t>(len >> 8);
    out.data()[at++] = static_cast<uint8_t>(len);
    std::copy(prefix.begin(), prefix.end(), out.data() + at);
    at += prefix.size();
    std::copy(value.data(), value.data() + value.size(), out.data() + at);
    at += value.size();
  };
  put(kTagIdentitySeed, {}, secrets.identity_seed);
  for (const auto& [epoch, key] : secrets.couple_keys) {
    Bytes e;
    base::AppendU32(&e, epoch);
    put(kTagCoupleKey, e, key);
  }
  if (secrets.invite_secret) put(kTagInviteSecret, {}, *secrets.invite_secret);
  for (const auto& [prompt, key] : secrets.sealed_keys) {
    put(kTagSealedKey, std::string(1, static_cast<char>(prompt.size())) + prompt, key);
  }
  if (secrets.local_files_authenticated)
    put(kTagLocalFilesAuthenticated, {}, SecretBytes::CopyOf("\x01"));
  return out;
}

absl::StatusOr<KeySecrets> DecodeSecrets(const SecretBytes& plain) {
  KeySecrets out;
  std::string_view rest = plain.view();
  auto corrupt = [] { return absl::DataLossError("key file is corrupted: bad secret record"); };
  while (!rest.empty()) {
    if (rest.size() < 3) return corrupt();
    uint8_t tag = static_cast<uint8_t>(rest[0]);
    size_t len = static_cast<uint8_t>(rest[1]) << 8 | static_cast<uint8_t>(rest[2]);
    if (rest.size() < 3 + len) return corrupt();
    std::string_view value = rest.substr(3, len);
    rest.remove_prefix(3 + len);
    switch (tag) {
      case kTagIdentitySeed:
        if (len != kIdentitySeedBytes) return corrupt();
        out.identity_seed = SecretBytes::CopyOf(value);
        break;
      case kTagCoupleKey:
        if (len != 4 + kAeadKeyBytes) return corrupt();
        out.couple_keys[base::ReadU32(value)] = SecretBytes::CopyOf(value.substr(4));
        break;
      case kTagInviteSecret:
        out.invite_secret = SecretBytes::CopyOf(value);
        break;
      case kTagSealedKey: {
        size_t plen = value.empty() ? 0 : static_cast<uint8_t>(value[0]);
        if (value.size() != 1 + plen + kAeadKeyBytes) return corrupt();
        out.sealed_keys[std::string(value.substr(1, plen))] =
            SecretBytes::CopyOf(value.substr(1 + plen));
        break;
      }
      case kTagLocalFilesAuthenticated:
        if (len != 1 || value[0] != 1) return corrupt();
        out.local_files_authenticated = true;
        break;
      default:
        return corrupt();
    }
  }
  if (out.identity_seed.empty()) return corrupt();
  return out;
}

// What the parsed header says, up to the key derivation.
struct Header {
  KdfLimits limits;
  std::string_view salt, nonce, check, body;  // body: everything the checksum covers
};

absl::StatusOr<Header> ParseHeader(std::string_view file) {
  if (file.size() < kMagic.size() || file.substr(0, kMagic.size()) != kMagic) {
    if (file.size() < kMagic.size() && kMagic.substr(0, file.size()) == file) {
      return absl::DataLossError("key file is truncated");
    }
    return absl::DataLossError("not a mend key file (bad magic)");
  }
  if (file.size() < kHeaderBytes) return absl::DataLossError("key file is truncated");
  const uint32_t ct_len = base::ReadU32(file.substr(kHeaderBytes - 4));
  const size_t total = kHeaderBytes + ct_len + kChecksumBytes;
  if (file.size() < total) return absl::DataLossError("key file is truncated");
  if (file.size() > total) return absl::DataLossError("key file is corrupted: trailing bytes");
  Header h;
  h.body = file.substr(0, total - kChecksumBytes);
  if (Blake2b(kChecksumBytes, {h.body}) != file.substr(total - kChecksumBytes)) {
    return absl::DataLossError("key file is corrupted: checksum mismatch");
  }
  if (static_cast<uint8_t>(file[8]) != kVersion ||
      static_cast<uint8_t>(file[9]) != kKdfArgon2id13 ||
      static_cast<uint8_t>(file[10]) != kAeadXChaCha20Poly1305) {
    return absl::UnimplementedError("key file uses a newer format; upgrade mend");
  }
  h.limits = {base::ReadU64(file.substr(12)), base::ReadU64(file.substr(20))};
  if (h.limits.opslimit < crypto_pwhash_OPSLIMIT_MIN ||
      h.limits.opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
      h.limits.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
      h.limits.memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE) {
    return absl::DataLossError("key file is corrupted: Argon2id limits out of range");
  }
  h.salt = file.substr(28, kSaltBytes);
  h.nonce = file.substr(28 + kSaltBytes, kAeadNonceBytes);
  h.check = file.substr(28 + kSaltBytes + kAeadNonceBytes, kCheckBytes);
  return h;
}

// The secrets of a parsed file, given the key derived from its passphrase.
absl::StatusOr<KeySecrets> OpenWithKey(const Header& h, const SecretBytes& key) {
  Bytes expected_check = Blake2bKeyed(kCheckBytes, key.view(), {kCheckLabel});
  if (sodium_memcmp(expected_check.data(), h.check.data(), kCheckBytes) != 0) {
    return absl::UnauthenticatedError("wrong passphrase for this key file");
  }
  auto plain =
      AeadDecrypt(key, h.nonce, h.body.substr(kHeaderBytes), h.body.substr(0, kHeaderBytes));
  if (!plain.ok()) return absl::DataLossError("key file is corrupted: decryption failed");
  return DecodeSecrets(*plain);
}

// The file and the key it was encrypted under (so that Write can read it
// back without a second Argon2id).
absl::StatusOr<std::pair<std::string, SecretBytes>> EncodeWithKey(const SecretBytes& passphrase,
                                                                  const KeySecrets& secrets,
                                                                  KdfLimits limits) {
  ASSIGN_OR_RETURN(SecretBytes plain, EncodeSecrets(secrets));
  Bytes salt = RandomBytes(kSaltBytes);
  Bytes nonce = RandomBytes(kAeadNonceBytes);
  ASSIGN_OR_RETURN(SecretBytes key, DeriveKey(passphrase, salt, limits));
  std::string file(kMagic);
  file.push_back(static_cast<char>(kVersion));
  file.push_back(static_cast<char>(kKdfArgon2id13));
  file.push_back(static_cast<char>(kAeadXChaCha20Poly1305));
  file.push_back('\0');
  base::AppendU64(&file, limits.opslimit);
  base::AppendU64(&file, limits.memlimit);
  file += salt;
  file += nonce;
  file += Blake2bKeyed(kCheckBytes, key.view(), {kCheckLabel});
  base::AppendU32(&file, static_cast<uint32_t>(plain.size() + kAeadTagBytes));
  file += AeadEncrypt(key, nonce, plain.view(), file);
  file += Blake2b(kChecksumBytes, {file});
  return std::make_pair(std::move(file), std::move(key));
}

// True when `a` and `b` hold the same secrets.
bool SameSecrets(const KeySecrets& a, const KeySecrets& b) {
  auto same_map = [](const auto& x, const auto& y) {
    if (x.size() != y.size()) return false;
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
      if (i->first != j->first || !i->second.Equals(j->second)) return false;
    }
    return true;
  };
  return a.identity_seed.Equals(b.identity_seed) && same_map(a.couple_keys, b.couple_keys) &&
         a.local_files_authenticated == b.local_files_authenticated &&
         same_map(a.sealed_keys, b.sealed_keys) &&
         a.invite_secret.has_value() == b.invite_secret.has_value() &&
         (!a.invite_secret || a.invite_secret->Equals(*b.invite_secret));
}

}  // namespace

KdfLimits KdfLimits::Moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

KdfLimits KdfLimits::MinimumForTests() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

absl::StatusOr<std::string> KeyFile::Encode(const SecretBytes& passphrase,
                                            const KeySecrets& secrets, KdfLimits limits) {
  ASSIGN_OR_RETURN(auto encoded, EncodeWithKey(passphrase, secrets, limits));
  return std::move(encoded.first);
}

absl::StatusOr<KeySecrets> KeyFile::Decode(std::string_view file, const SecretBytes& passphrase,
                                           KdfLimits* limits_out) {
  ASSIGN_OR_RETURN(Header h, ParseHeader(file));
  ASSIGN_OR_RETURN(SecretBytes key, DeriveKey(passphrase, h.salt, h.limits));
  ASSIGN_OR_RETURN(KeySecrets secrets, OpenWithKey(h, key));
  if (limits_out != nullptr) *limits_out = h.limits;
  return secrets;
}

absl::Status KeyFile::Write(const std::string& path, const SecretBytes& passphrase,
                            const KeySecrets& secrets, KdfLimits limits) {
  ASSIGN_OR_RETURN(auto encoded, EncodeWithKey(passphrase, secrets, limits));
  // Read back what is about to replace the file: the identity and every
  // couple key live only here, and a file that cannot be opened loses them.
  auto header = ParseHeader(encoded.first);
  auto reread = header.ok() ? OpenWithKey(*header, encoded.second) : header.status();
  if (!reread.ok() || !SameSecrets(*reread, secrets)) {
    return absl::InternalError(
        "the new key file did not read back as written; the old one was kept");
  }
  return base::AtomicWriteFile(path, encoded.first, 0600);
}

absl::StatusOr<KeySecrets> KeyFile::Read(const std::string& path, const SecretBytes& passphrase,
                                         KdfLimits* limits) {
  ASSIGN_OR_RETURN(std::string file, base::ReadWholeFile(path));
  return Decode(file, passphrase, limits);
}

}  // namespace mend::crypto
