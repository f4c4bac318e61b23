#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/atomic_file.h"
#include "base/hex.h"

namespace mend::crypto {
namespace {

KeySecrets SampleSecrets() {
  KeySecrets s;
  s.identity_seed = SecretBytes::Random(32);
  s.couple_keys[0] = SecretBytes::Random(32);
  s.couple_keys[3] = SecretBytes::Random(32);
  s.invite_secret = SecretBytes::Random(16);
  s.sealed_keys["hardest-this-week"] = SecretBytes::Random(32);
  return s;
}

const SecretBytes& Passphrase() {
  static SecretBytes p = SecretBytes::CopyOf("correct horse battery staple");
  return p;
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mend-keyfile-" + base::ToHex(RandomBytes(6)));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "key").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(KeyFileTest, WriteThenReadRoundTrips) {
  KeySecrets s = SampleSecrets();
  ASSERT_TRUE(KeyFile::Write(path_, Passphrase(), s, KdfLimits::MinimumForTests()).ok());
  auto back = KeyFile::Read(path_, Passphrase());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->identity_seed.Equals(s.identity_seed));
  ASSERT_EQ(back->couple_keys.size(), 2u);
  EXPECT_TRUE(back->couple_keys.at(3).Equals(s.couple_keys.at(3)));
  ASSERT_TRUE(back->invite_secret.has_value());
  EXPECT_TRUE(back->invite_secret->Equals(*s.invite_secret));
  ASSERT_EQ(back->sealed_keys.count("hardest-this-week"), 1u);
  EXPECT_TRUE(
      back->sealed_keys.at("hardest-this-week").Equals(s.sealed_keys.at("hardest-this-week")));
}

TEST_F(KeyFileTest, FileIsPrivateToItsOwner) {
  ASSERT_TRUE(
      KeyFile::Write(path_, Passphrase(), SampleSecrets(), KdfLimits::MinimumForTests()).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(KeyFileTest, WrongPassphraseIsUnauthenticated) {
  ASSERT_TRUE(
      KeyFile::Write(path_, Passphrase(), SampleSecrets(), KdfLimits::MinimumForTests()).ok());
  auto back = KeyFile::Read(path_, SecretBytes::CopyOf("wrong"));
  EXPECT_EQ(back.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(back.status().message().find("wrong passphrase"), std::string::npos);
}

TEST_F(KeyFileTest, EveryFlippedByteIsCorruptionNotAWrongPassphrase) {
  auto file = KeyFile::Encode(Passphrase(), SampleSecrets(), KdfLimits::MinimumForTests());
  ASSERT_TRUE(file.ok());
  // Every 7th byte keeps the test quick while touching every region of the file.
  for (size_t i = 0; i < file->size(); i += 7) {
    std::string bad = *file;
    bad[i] ^= 0x20;
    auto r = KeyFile::Decode(bad, Passphrase());
    ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << "byte " << i << ": " << r.status();
  }
}

TEST_F(KeyFileTest, TruncatedFileSaysTruncated) {
  auto file = KeyFile::Encode(Passphrase(), SampleSecrets(), KdfLimits::MinimumForTests());
  ASSERT_TRUE(file.ok());
  for (size_t len : {size_t{0}, size_t{4}, size_t{40}, file->size() - 1}) {
    auto r = KeyFile::Decode(std::string_view(*file).substr(0, len), Passphrase());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos)
        << len << ": " << r.status();
  }
}

TEST_F(KeyFileTest, OtherFileIsNotAKeyFile) {
  auto r =
      KeyFile::Decode("hello, this is not a key file at all, not even close....", Passphrase());
  EXPECT_NE(r.status().message().find("not a mend key file"), std::string::npos);
}

TEST_F(KeyFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(KeyFile::Read(path_ + ".nope", Passphrase()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(KeyFileTest, RewriteReplacesAtomically) {
  KeySecrets a = SampleSecrets(), b = SampleSecrets();
  ASSERT_TRUE(KeyFile::Write(path_, Passphrase(), a, KdfLimits::MinimumForTests()).ok());
  ASSERT_TRUE(KeyFile::Write(path_, Passphrase(), b, KdfLimits::MinimumForTests()).ok());
  auto back = KeyFile::Read(path_, Passphrase());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->identity_seed.Equals(b.identity_seed));
}

}  // namespace
}  // namespace mend::crypto

namespace mend::crypto {
namespace {

TEST_F(KeyFileTest, ASecretTheFormatCannotHoldIsRefusedAndTheOldFileKept) {
  const auto fast = KdfLimits::MinimumForTests();
  KeySecrets good = SampleSecrets();
  ASSERT_TRUE(KeyFile::Write(path_, Passphrase(), good, fast).ok());
  // `mend reflect --prompt-id <300 characters>` once wrote a one-byte length
  // for a 300-byte id, and every later open said "bad secret record".
  KeySecrets bad = SampleSecrets();
  bad.identity_seed = good.identity_seed.Clone();
  bad.sealed_keys[std::string(300, 'p')] = SecretBytes::Random(32);
  absl::Status written = KeyFile::Write(path_, Passphrase(), bad, fast);
  EXPECT_TRUE(absl::IsInvalidArgument(written)) << written;
  bad.sealed_keys.clear();
  bad.sealed_keys[""] = SecretBytes::Random(32);
  EXPECT_FALSE(KeyFile::Write(path_, Passphrase(), bad, fast).ok());
  bad.sealed_keys.clear();
  bad.couple_keys[9] = SecretBytes::Random(31);
  EXPECT_FALSE(KeyFile::Write(path_, Passphrase(), bad, fast).ok());
  auto read = KeyFile::Read(path_, Passphrase());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->identity_seed.Equals(good.identity_seed));
  EXPECT_EQ(read->sealed_keys.size(), 1u);
}

// Random sequences of the changes a session makes to its secrets, some of
// them invalid: after every write, successful or not, the file opens with the
// passphrase and holds exactly what the last successful write held.
TEST_F(KeyFileTest, NoSequenceOfWritesLeavesAFileThatDoesNotOpen) {
  const auto fast = KdfLimits::MinimumForTests();
  KeySecrets live;
  live.identity_seed = SecretBytes::Random(32);
  ASSERT_TRUE(KeyFile::Write(path_, Passphrase(), live, fast).ok());
  std::string last_good = *base::ReadWholeFile(path_);
  uint32_t seed = 12345;
  auto next = [&](uint32_t bound) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % bound;
  };
  int refused = 0;
  for (int step = 0; step < 150; ++step) {
    KeySecrets change;
    change.identity_seed = live.identity_seed.Clone();
    for (const auto& [e, k] : live.couple_keys) change.couple_keys[e] = k.Clone();
    for (const auto& [p, k] : live.sealed_keys) change.sealed_keys[p] = k.Clone();
    if (live.invite_secret) change.invite_secret = live.invite_secret->Clone();
    switch (next(5)) {
      case 0:
        change.couple_keys[next(1000)] = SecretBytes::Random(next(4) == 0 ? 1 + next(40) : 32);
        break;
      case 1:
        change.sealed_keys[std::string(next(300), static_cast<char>('a' + next(26)))] =
            SecretBytes::Random(32);
        break;
      case 2:
        if (!change.sealed_keys.empty()) change.sealed_keys.erase(change.sealed_keys.begin());
        break;
      case 3:
        change.invite_secret = SecretBytes::Random(next(2000));
        break;
      case 4:
        change.invite_secret.reset();
        break;
    }
    absl::Status written = KeyFile::Write(path_, Passphrase(), change, fast);
    if (written.ok()) {
      live = std::move(change);
      last_good = *base::ReadWholeFile(path_);
    } else {
      ++refused;
      EXPECT_EQ(*base::ReadWholeFile(path_), last_good)
          << "a refused write changed the file at step " << step;
    }
    auto read = KeyFile::Read(path_, Passphrase());
    ASSERT_TRUE(read.ok()) << "step " << step << ": " << read.status();
    EXPECT_TRUE(read->identity_seed.Equals(live.identity_seed));
    EXPECT_EQ(read->couple_keys.size(), live.couple_keys.size());
    EXPECT_EQ(read->sealed_keys.size(), live.sealed_keys.size());
  }
  EXPECT_GT(refused, 10);  // the sequence did try what the format cannot hold
}

}  // namespace
}  // namespace mend::crypto
