#include <gtest/gtest.h>

#include "crypto/entry_codec.h"
#include "crypto/grant.h"
#include "tests/crypto/test_identities.h"

namespace mend::crypto {
namespace {

using mend::testing::Alice;
using mend::testing::FixedCoupleId;
using mend::testing::FixedCoupleKey;

struct Sealed {
  mend::v1::Entry entry;
  KeyRing keys;
};

Sealed SealOne(const mend::v1::Payload& payload) {
  Sealed s;
  s.keys[0] = FixedCoupleKey();
  EntryPosition pos{FixedCoupleId(), 1, GenesisPrevHash(FixedCoupleId()), 0, 1};
  s.entry = *SealEntry(pos, payload, Alice(), s.keys[0]);
  return s;
}

std::optional<EntryFailure> Open(const mend::v1::Entry& entry, const KeyRing& keys,
                                 OpenedEntry* out) {
  mend::v1::EntryHeader header;
  if (auto f = ParseHeader(entry, 1, &header)) return f;
  return OpenEntry(entry, header, keys, nullptr, out);
}

TEST(Entry, SealThenOpenRoundTrips) {
  Sealed s = SealOne(mend::testing::CheckInPayload(7, "a good day"));
  OpenedEntry opened;
  ASSERT_EQ(Open(s.entry, s.keys, &opened), std::nullopt);
  EXPECT_EQ(opened.payload.check_in().mood(), 7u);
  EXPECT_EQ(opened.payload.check_in().note(), "a good day");
  EXPECT_EQ(opened.header.seq(), 1u);
  EXPECT_EQ(opened.hash, EntryHash(s.entry.header(), s.entry.ciphertext()));
}

TEST(Entry, CiphertextIsPaddedTo256ByteBuckets) {
  Sealed small = SealOne(mend::testing::CheckInPayload(7, ""));
  Sealed larger = SealOne(mend::testing::CheckInPayload(7, std::string(200, 'x')));
  Sealed big = SealOne(mend::testing::CheckInPayload(7, std::string(300, 'x')));
  EXPECT_EQ(small.entry.ciphertext().size(), 256u + 16);
  EXPECT_EQ(larger.entry.ciphertext().size(), 256u + 16);
  EXPECT_EQ(big.entry.ciphertext().size(), 512u + 16);
}

TEST(Entry, OversizePayloadIsRefused) {
  KeyRing keys;
  keys[0] = FixedCoupleKey();
  EntryPosition pos{FixedCoupleId(), 1, GenesisPrevHash(FixedCoupleId()), 0, 1};
  auto entry =
      SealEntry(pos, mend::testing::CheckInPayload(1, std::string(70000, 'x')), Alice(), keys[0]);
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
}

// Flips each byte of one field in turn and expects the entry to be rejected.
void ExpectEveryFlipRejected(int field) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "flip me"));
  auto get = [&](mend::v1::Entry& e) -> std::string* {
    switch (field) {
      case 0:
        return e.mutable_header();
      case 1:
        return e.mutable_ciphertext();
      default:
        return e.mutable_signature();
    }
  };
  size_t n = get(s.entry)->size();
  for (size_t i = 0; i < n; ++i) {
    for (uint8_t bit : {0x01, 0x80}) {
      mend::v1::Entry tampered = s.entry;
      (*get(tampered))[i] = static_cast<char>((*get(tampered))[i] ^ bit);
      OpenedEntry opened;
      EXPECT_NE(Open(tampered, s.keys, &opened), std::nullopt)
          << "field " << field << " byte " << i << " bit " << int(bit);
    }
  }
}

TEST(Entry, EveryHeaderByteFlipIsRejected) { ExpectEveryFlipRejected(0); }
TEST(Entry, EveryCiphertextByteFlipIsRejected) { ExpectEveryFlipRejected(1); }
TEST(Entry, EverySignatureByteFlipIsRejected) { ExpectEveryFlipRejected(2); }

TEST(Entry, CiphertextFlipFailsTheSignatureCheckFirst) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "x"));
  s.entry.mutable_ciphertext()->at(3) ^= 1;
  OpenedEntry opened;
  auto failure = Open(s.entry, s.keys, &opened);
  ASSERT_NE(failure, std::nullopt);
  EXPECT_EQ(failure->check, EntryCheck::kSignature);
}

// v2: an entry whose signature holds but which this reader cannot open is not
// a chain failure (its signer could otherwise wedge the log); it is marked
// unreadable, with the reason, and the fold shows it as invalid.
TEST(Entry, WrongCoupleKeyMakesTheEntryUnreadable) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "x"));
  KeyRing wrong;
  wrong[0] = SecretBytes::Random(32);
  OpenedEntry opened;
  ASSERT_EQ(Open(s.entry, wrong, &opened), std::nullopt);
  EXPECT_NE(opened.unreadable.find("does not decrypt"), std::string::npos) << opened.unreadable;
  EXPECT_FALSE(opened.payload.has_check_in());
}

TEST(Entry, UnknownEpochIsReportedAsSuch) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "x"));
  KeyRing other;
  other[7] = FixedCoupleKey();
  OpenedEntry opened;
  ASSERT_EQ(Open(s.entry, other, &opened), std::nullopt);
  EXPECT_NE(opened.unreadable.find("no key for epoch 0"), std::string::npos) << opened.unreadable;
}

// With a non-committing AEAD one ciphertext can open under two keys; a key
// is used only when its id is the one the log announced for the epoch.
TEST(Entry, AKeyWhoseIdIsNotTheAnnouncedOneIsNotUsed) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "x"));
  KeyIds announced = {{0, KeyId(SecretBytes::Random(32))}};
  mend::v1::EntryHeader header;
  ASSERT_EQ(ParseHeader(s.entry, 1, &header), std::nullopt);
  header.set_seq(2);  // not entry 1, which announces its own key
  OpenedEntry opened;
  ASSERT_EQ(OpenEntry(s.entry, header, s.keys, &announced, &opened), std::nullopt);
  EXPECT_NE(opened.unreadable.find("not the key the log announces"), std::string::npos)
      << opened.unreadable;
  announced[0] = KeyId(s.keys.at(0));
  ASSERT_EQ(OpenEntry(s.entry, header, s.keys, &announced, &opened), std::nullopt);
  EXPECT_TRUE(opened.unreadable.empty()) << opened.unreadable;
  EXPECT_TRUE(opened.payload.has_check_in());
}

TEST(Entry, PaddingIs256ByteBlocksThenPadmeAbove1KiB) {
  EXPECT_EQ(PaddedLength(0), 256u);
  EXPECT_EQ(PaddedLength(255), 256u);
  EXPECT_EQ(PaddedLength(256), 512u);
  EXPECT_EQ(PaddedLength(1023), 1024u);
  EXPECT_EQ(PaddedLength(1024), 1280u);
  // Padmé: at 8 KiB the buckets are 512 bytes, at 32 KiB 2 KiB, so the
  // size of a long letter says little beyond its order of magnitude.
  EXPECT_EQ(PaddedLength(8192), 8704u);
  EXPECT_EQ(PaddedLength(33000), 34816u);
  size_t previous = 0;
  for (size_t n = 0; n < 63 * 1024; n += 97) {
    size_t p = PaddedLength(n);
    EXPECT_GT(p, n);
    EXPECT_EQ(p % 256, 0u);
    EXPECT_GE(p, previous);
    EXPECT_LE(p, n + 1 + (n + 1) / 8 + 256);  // Padmé's overhead is at most ~12%
    previous = p;
    auto padded = Pad(std::string(n, 'x'));
    if (p <= kMaxPaddedPayload) {
      ASSERT_TRUE(padded.ok());
      auto back = Unpad(*padded);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(back->size(), n);
    }
  }
  // A padded length that is not the canonical one for its content is refused.
  auto padded = Pad(std::string(100, 'x'));
  SecretBytes longer(512);
  std::copy(padded->data(), padded->data() + padded->size(), longer.data());
  EXPECT_FALSE(Unpad(longer).ok());
}

TEST(Entry, TruncatedHeaderIsAHeaderFailure) {
  Sealed s = SealOne(mend::testing::CheckInPayload(5, "x"));
  s.entry.mutable_header()->resize(s.entry.header().size() - 5);
  mend::v1::EntryHeader header;
  auto failure = ParseHeader(s.entry, 1, &header);
  ASSERT_NE(failure, std::nullopt);
  EXPECT_EQ(failure->check, EntryCheck::kHeader);
}

TEST(Entry, UnpadRejectsMissingMarker) {
  SecretBytes zeros(256);
  EXPECT_FALSE(Unpad(zeros).ok());
  EXPECT_FALSE(Unpad(SecretBytes(100)).ok());
}

TEST(Entry, PadThenUnpadRoundTripsAtBucketEdges) {
  for (size_t n : {0u, 1u, 255u, 256u, 511u}) {
    auto padded = Pad(std::string(n, 'a'));
    ASSERT_TRUE(padded.ok());
    EXPECT_EQ(padded->size() % 256, 0u);
    EXPECT_GT(padded->size(), n);
    auto back = Unpad(*padded);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->view(), std::string(n, 'a'));
  }
}

}  // namespace
}  // namespace mend::crypto
