#include "crypto/chain_verifier.h"

#include <gtest/gtest.h>

#include "tests/crypto/test_identities.h"

namespace mend::crypto {
namespace {

using mend::testing::MakeChain;

TEST(ChainVerifier, AcceptsAValidChain) {
  auto chain = MakeChain(6);
  ChainResult r = VerifyChain(chain.Context(), chain.entries);
  ASSERT_EQ(r.failure, std::nullopt) << r.failure->Message();
  EXPECT_EQ(r.entries.size(), 6u);
  EXPECT_EQ(r.head.seq, 6u);
  EXPECT_EQ(r.head.hash, EntryHash(chain.entries[5].header(), chain.entries[5].ciphertext()));
}

TEST(ChainVerifier, ContinuesFromAKnownHead) {
  auto chain = MakeChain(6);
  ChainResult first = VerifyChain(chain.Context(), std::span(chain.entries).first(3));
  ASSERT_EQ(first.failure, std::nullopt);
  ChainContext next = chain.Context();
  next.head = first.head;
  ChainResult rest = VerifyChain(next, std::span(chain.entries).subspan(3));
  ASSERT_EQ(rest.failure, std::nullopt);
  EXPECT_EQ(rest.head.seq, 6u);
}

EntryFailure ExpectFailure(const mend::testing::TestChain& chain,
                           const std::vector<mend::v1::Entry>& entries) {
  ChainResult r = VerifyChain(chain.Context(), entries);
  EXPECT_NE(r.failure, std::nullopt);
  return r.failure.value_or(EntryFailure{});
}

TEST(ChainVerifier, GapIsASequenceFailure) {
  auto chain = MakeChain(4);
  auto entries = chain.entries;
  entries.erase(entries.begin() + 2);
  EntryFailure f = ExpectFailure(chain, entries);
  EXPECT_EQ(f.check, EntryCheck::kSequence);
  EXPECT_EQ(f.seq, 3u);
}

TEST(ChainVerifier, ReorderIsASequenceFailure) {
  auto chain = MakeChain(4);
  auto entries = chain.entries;
  std::swap(entries[1], entries[2]);
  EXPECT_EQ(ExpectFailure(chain, entries).check, EntryCheck::kSequence);
}

TEST(ChainVerifier, DuplicateIsASequenceFailure) {
  auto chain = MakeChain(3);
  auto entries = chain.entries;
  entries.insert(entries.begin() + 2, entries[1]);
  EXPECT_EQ(ExpectFailure(chain, entries).check, EntryCheck::kSequence);
}

TEST(ChainVerifier, DifferentPrevHashIsAChainFailure) {
  auto chain = MakeChain(3);
  // Entry 2 re-sealed on a different predecessor hash, correctly signed.
  auto entries = chain.entries;
  EntryPosition pos{mend::testing::FixedCoupleId(), 2, std::string(32, '\x11'), 0, 5};
  entries[1] = *SealEntry(pos, mend::testing::CheckInPayload(3, "fork"), mend::testing::Bob(),
                          chain.keys.at(0));
  EntryFailure f = ExpectFailure(chain, entries);
  EXPECT_EQ(f.check, EntryCheck::kChain);
  EXPECT_EQ(f.seq, 2u);
}

TEST(ChainVerifier, NonMemberAuthorIsAnAuthorFailure) {
  auto chain = MakeChain(1);
  auto entries = chain.entries;
  EntryPosition pos{mend::testing::FixedCoupleId(), 2,
                    EntryHash(entries[0].header(), entries[0].ciphertext()), 0, 5};
  entries.push_back(*SealEntry(pos, mend::testing::CheckInPayload(3, "intruder"),
                               mend::testing::FixedIdentity(0x99), chain.keys.at(0)));
  EXPECT_EQ(ExpectFailure(chain, entries).check, EntryCheck::kAuthor);
}

TEST(ChainVerifier, OtherCouplesEntryIsACoupleIdFailure) {
  auto chain = MakeChain(1);
  std::string other_couple(16, '\x07');
  EntryPosition pos{other_couple, 1, GenesisPrevHash(other_couple), 0, 5};
  std::vector<mend::v1::Entry> entries{*SealEntry(pos, mend::testing::CheckInPayload(3, "x"),
                                                  mend::testing::Alice(), chain.keys.at(0))};
  EXPECT_EQ(ExpectFailure(chain, entries).check, EntryCheck::kCoupleId);
}

TEST(ChainVerifier, SignatureByTheOtherMemberIsASignatureFailure) {
  auto chain = MakeChain(1);
  auto entries = chain.entries;
  // Bob signs an entry whose header claims Alice as author.
  Bytes hash = EntryHash(entries[0].header(), entries[0].ciphertext());
  entries[0].set_signature(mend::testing::Bob().Sign(EntrySignatureInput(hash)));
  EXPECT_EQ(ExpectFailure(chain, entries).check, EntryCheck::kSignature);
}

TEST(ChainVerifier, StopsAtTheFirstBadEntryAndKeepsThePrefix) {
  auto chain = MakeChain(5);
  auto entries = chain.entries;
  entries[3].mutable_signature()->at(0) ^= 1;
  ChainResult r = VerifyChain(chain.Context(), entries);
  ASSERT_NE(r.failure, std::nullopt);
  EXPECT_EQ(r.failure->seq, 4u);
  EXPECT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.head.seq, 3u);
  EXPECT_NE(r.failure->Message().find("entry 4 failed the signature check"), std::string::npos);
}

}  // namespace
}  // namespace mend::crypto
