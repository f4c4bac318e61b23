// The age writer: HKDF-SHA256 against RFC 5869, Bech32 against BIP 173, the
// C2SP age test vectors (../shared/vectors/age) through a small decrypt routine
// built from the same pieces, and end-to-end interop with Debian's `age`.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/hex.h"
#include "crypto/age/bech32.h"
#include "crypto/age/file.h"
#include "crypto/age/primitives.h"
#include "crypto/age/stream.h"

namespace mend::crypto {
namespace {

namespace fs = std::filesystem;

TEST(Hkdf, MatchesRfc5869TestCase1) {
  Bytes ikm(22, '\x0b');
  Bytes salt = *base::FromHex("000102030405060708090a0b0c");
  Bytes info = *base::FromHex("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(base::ToHex(HkdfSha256(ikm, salt, info, 42).view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, MatchesRfc5869TestCase3WithEmptySaltAndInfo) {
  EXPECT_EQ(base::ToHex(HkdfSha256(Bytes(22, '\x0b'), "", "", 42).view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Bech32, DecodesBip173ValidStrings) {
  EXPECT_TRUE(Bech32Decode("a12uel5l", "a").ok());
  EXPECT_TRUE(Bech32Decode("A12UEL5L", "a").ok());
  EXPECT_TRUE(Bech32Decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef").ok());
}

TEST(Bech32, RejectsBip173InvalidStrings) {
  EXPECT_FALSE(Bech32Decode("a12uel5m", "a").ok());      // checksum
  EXPECT_FALSE(Bech32Decode("A12uEL5L", "a").ok());      // mixed case
  EXPECT_FALSE(Bech32Decode("pzry9x0s0muk", "a").ok());  // no separator
  EXPECT_FALSE(Bech32Decode("1pzry9x0s0muk", "").ok());  // empty hrp
}

TEST(Bech32, EncodeThenDecodeRoundTrips) {
  Bytes key = RandomBytes(32);
  std::string text = Bech32Encode("age", key);
  EXPECT_EQ(text.rfind("age1", 0), 0u);
  EXPECT_EQ(*ParseAgeRecipient(text), key);
}

TEST(AgeRecipient, MalformedRecipientsAreRejectedClearly) {
  EXPECT_NE(std::string(ParseAgeRecipient("ssh-ed25519 AAAA").status().message()).find("age1"),
            std::string::npos);
  std::string good = Bech32Encode("age", RandomBytes(32));
  std::string typo = good;
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  EXPECT_FALSE(ParseAgeRecipient(typo).ok());
  EXPECT_FALSE(ParseAgeRecipient(Bech32Encode("age", RandomBytes(31))).ok());
}

// A strict reader of age v1 files with X25519 identities, for the tests only.
enum class Outcome { kSuccess, kHeaderFailure, kHmacFailure, kPayloadFailure, kNoMatch };

struct Decrypted {
  Outcome outcome;
  std::string plaintext;
};

bool ValidArg(const std::string& a) {
  if (a.empty()) return false;
  for (char c : a) {
    if (c < 33 || c > 126) return false;
  }
  return true;
}

Decrypted AgeDecrypt(std::string_view file, const SecretBytes& identity_sk) {
  auto header_failure = Decrypted{Outcome::kHeaderFailure, ""};
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    size_t nl = file.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    *line = std::string(file.substr(pos, nl - pos));
    pos = nl + 1;
    return true;
  };
  std::string line;
  if (!next_line(&line) || line != "age-encryption.org/v1") return header_failure;
  std::optional<SecretBytes> file_key;
  bool saw_x25519 = false;
  size_t mac_start = 0;
  while (true) {
    size_t line_start = pos;
    if (!next_line(&line)) return header_failure;
    if (line.rfind("--- ", 0) == 0 || line == "---") {
      mac_start = line_start;
      break;
    }
    if (line.rfind("-> ", 0) != 0) return header_failure;
    std::vector<std::string> args;
    std::istringstream in(line.substr(3));
    std::string a;
    size_t at = 3;
    while (at <= line.size()) {
      size_t sp = line.find(' ', at);
      a = line.substr(at, sp == std::string::npos ? std::string::npos : sp - at);
      if (!ValidArg(a)) return header_failure;
      args.push_back(a);
      if (sp == std::string::npos) break;
      at = sp + 1;
    }
    std::string body_b64;
    while (true) {
      if (!next_line(&line)) return header_failure;
      if (line.size() > 64) return header_failure;
      body_b64 += line;
      if (line.size() < 64) break;
    }
    auto body = DecodeBase64NoPad(body_b64);
    if (!body.ok()) return header_failure;
    if (args[0] != "X25519") continue;  // other stanza types are ignored
    saw_x25519 = true;
    if (args.size() != 2 || body->size() != 32) return header_failure;
    auto share = DecodeBase64NoPad(args[1]);
    if (!share.ok() || share->size() != 32) return header_failure;
    if (file_key) continue;
    SecretBytes shared(32);
    if (crypto_scalarmult(shared.data(), identity_sk.data(),
                          reinterpret_cast<const unsigned char*>(share->data())) != 0) {
      return header_failure;  // low-order share
    }
    Bytes recipient(32, '\0');
    crypto_scalarmult_base(reinterpret_cast<unsigned char*>(recipient.data()), identity_sk.data());
    SecretBytes wrap =
        HkdfSha256(shared.view(), *share + recipient, "age-encryption.org/v1/X25519", 32);
    SecretBytes key(16);
    unsigned long long len = 0;
    const unsigned char zero[12] = {0};
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            key.data(), &len, nullptr, reinterpret_cast<const unsigned char*>(body->data()),
            body->size(), nullptr, 0, zero, wrap.data()) == 0) {
      file_key = std::move(key);
    }
  }
  if (line.size() < 4) return header_failure;
  auto mac = DecodeBase64NoPad(line.substr(4));
  if (!mac.ok() || mac->size() != 32) return header_failure;
  if (!file_key) return {saw_x25519 ? Outcome::kNoMatch : Outcome::kNoMatch, ""};
  SecretBytes mac_key = HkdfSha256(file_key->view(), "", "header", 32);
  std::string_view covered = file.substr(0, mac_start + 3);
  if (!ConstantTimeEquals(HmacSha256(mac_key.view(), covered), *mac))
    return {Outcome::kHmacFailure, ""};
  std::string_view payload = file.substr(pos);
  if (payload.size() < 16) return {Outcome::kPayloadFailure, ""};
  auto plain = AgeStreamDecrypt(*file_key, payload.substr(0, 16), payload.substr(16));
  if (!plain.ok()) return {Outcome::kPayloadFailure, ""};
  return {Outcome::kSuccess, std::string(plain->view())};
}

struct Vector {
  std::map<std::string, std::string> fields;
  std::string file;
};

Vector ReadVector(const fs::path& path) {
  Vector v;
  std::string data = *base::ReadWholeFile(path.string());
  size_t pos = 0;
  while (true) {
    size_t nl = data.find('\n', pos);
    std::string line = data.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) break;
    size_t colon = line.find(": ");
    v.fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  v.file = data.substr(pos);
  return v;
}

TEST(AgeVectors, C2spX25519AndStreamVectorsHaveTheExpectedOutcome) {
  fs::path dir = fs::path(MEND_SOURCE_DIR) / ".." / "shared" / "vectors" / "age";
  if (!fs::exists(dir)) GTEST_SKIP() << "no ../shared/vectors/age beside the checkout";
  int checked = 0, successes = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    bool in_scope = name.rfind("x25519", 0) == 0 || name.rfind("stream_", 0) == 0 ||
                    name.rfind("header", 0) == 0 || name.rfind("hmac", 0) == 0 ||
                    name.rfind("stanza", 0) == 0 || name == "empty" ||
                    name == "version_unsupported";
    if (!in_scope) continue;
    Vector v = ReadVector(entry.path());
    if (v.fields.count("armored") || v.fields.count("compressed")) continue;
    // A vector without an identity (the empty file) is read with a random one.
    auto identity = v.fields.count("identity")
                        ? Bech32Decode(v.fields["identity"], "age-secret-key-")
                        : absl::StatusOr<Bytes>(RandomBytes(32));
    ASSERT_TRUE(identity.ok()) << name;
    Decrypted d = AgeDecrypt(v.file, SecretBytes::CopyOf(*identity));
    const std::string& expect = v.fields["expect"];
    if (expect == "success") {
      EXPECT_EQ(d.outcome, Outcome::kSuccess) << name;
      EXPECT_EQ(base::ToHex(Sha256(d.plaintext)), v.fields["payload"]) << name;
      ++successes;
    } else {
      EXPECT_NE(d.outcome, Outcome::kSuccess) << name << " should fail: " << expect;
      if (expect == "HMAC failure") {
        EXPECT_EQ(d.outcome, Outcome::kHmacFailure) << name;
      }
      if (expect == "payload failure") {
        EXPECT_EQ(d.outcome, Outcome::kPayloadFailure) << name;
      }
      if (expect == "no match") {
        EXPECT_EQ(d.outcome, Outcome::kNoMatch) << name;
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 48);  // every in-scope vector of the copy in shared/
  EXPECT_GE(successes, 7);
}

SecretBytes NewIdentity(Bytes* recipient) {
  SecretBytes sk = SecretBytes::Random(32);
  recipient->assign(32, '\0');
  crypto_scalarmult_base(reinterpret_cast<unsigned char*>(recipient->data()), sk.data());
  return sk;
}

TEST(AgeWriter, OwnOutputDecryptsForEveryRecipient) {
  Bytes r1, r2;
  SecretBytes k1 = NewIdentity(&r1), k2 = NewIdentity(&r2);
  for (size_t n : {size_t{0}, size_t{1}, kAgeChunkBytes, kAgeChunkBytes + 1, 3 * kAgeChunkBytes}) {
    std::string plain(n, 'p');
    auto file = AgeEncrypt(SecretBytes::CopyOf(plain), {r1, r2});
    ASSERT_TRUE(file.ok());
    for (const SecretBytes* k : {&k1, &k2}) {
      Decrypted d = AgeDecrypt(*file, *k);
      ASSERT_EQ(d.outcome, Outcome::kSuccess) << n;
      EXPECT_EQ(d.plaintext, plain);
    }
    Bytes other;
    EXPECT_EQ(AgeDecrypt(*file, NewIdentity(&other)).outcome, Outcome::kNoMatch);
  }
}

TEST(AgeWriter, ExactChunkMultipleHasNoEmptyTrailingChunk) {
  SecretBytes key = SecretBytes::Random(16);
  auto payload = AgeStreamEncrypt(key, Bytes(16, 'n'), std::string(kAgeChunkBytes, 'x'));
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->size(), 16 + kAgeChunkBytes + 16);
}

// Runs a shell command; returns its exit status.
int RunShell(const std::string& command) { return std::system(command.c_str()); }

TEST(AgeInterop, DebianAgeDecryptsOurOutputByteForByte) {
  if (RunShell("command -v age >/dev/null && command -v age-keygen >/dev/null") != 0) {
    GTEST_FAIL() << "the age package is not installed (scripts/setup installs it)";
  }
  fs::path dir = fs::temp_directory_path() / ("mend-age-" + base::ToHex(RandomBytes(6)));
  fs::create_directories(dir);
  ASSERT_EQ(RunShell("age-keygen -o " + (dir / "a.key").string() + " 2>/dev/null"), 0);
  ASSERT_EQ(RunShell("age-keygen -o " + (dir / "b.key").string() + " 2>/dev/null"), 0);
  auto recipient_of = [&](const std::string& key) {
    std::string text = *base::ReadWholeFile((dir / key).string());
    size_t at = text.find("# public key: ") + 14;
    return text.substr(at, text.find('\n', at) - at);
  };
  std::vector<Bytes> recipients = {*ParseAgeRecipient(recipient_of("a.key")),
                                   *ParseAgeRecipient(recipient_of("b.key"))};
  for (size_t n : {size_t{0}, size_t{100}, kAgeChunkBytes, kAgeChunkBytes + 1}) {
    std::string plain;
    for (size_t i = 0; i < n; ++i) plain.push_back(static_cast<char>('a' + i % 26));
    auto file = AgeEncrypt(SecretBytes::CopyOf(plain), recipients);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(base::AtomicWriteFile((dir / "out.age").string(), *file, 0600).ok());
    for (const char* key : {"a.key", "b.key"}) {
      // To stdout: `age -o` creates no file for an empty plaintext.
      ASSERT_EQ(RunShell("age -d -i " + (dir / key).string() + " " + (dir / "out.age").string() +
                         " > " + (dir / "plain").string()),
                0)
          << n;
      EXPECT_EQ(*base::ReadWholeFile((dir / "plain").string()), plain) << n;
      fs::remove(dir / "plain");
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mend::crypto
