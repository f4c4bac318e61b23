#include "crypto/invite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "tests/crypto/test_identities.h"

namespace mend::crypto {
namespace {

TEST(InviteCode, FormatsAsMendPrefixAndGroups) {
  std::string code = FormatInviteCode(SecretBytes::Random(16));
  ASSERT_EQ(code.size(), 4 + 27 + 6u);
  EXPECT_EQ(code.substr(0, 5), "mend-");
  EXPECT_EQ(code[10], '-');
}

TEST(InviteCode, ParsesWhatItFormats) {
  for (int i = 0; i < 50; ++i) {
    SecretBytes secret = SecretBytes::Random(16);
    auto back = ParseInviteCode(FormatInviteCode(secret));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(back->Equals(secret));
  }
}

TEST(InviteCode, ToleratesCaseSpacesAndLookalikes) {
  SecretBytes secret = SecretBytes::CopyOf(std::string(16, '\0'));  // all zero digits
  std::string code = FormatInviteCode(secret);
  std::string sloppy;
  for (char c : code) sloppy.push_back(c == '0' ? 'o' : static_cast<char>(std::tolower(c)));
  std::replace(sloppy.begin(), sloppy.end(), '-', ' ');
  auto back = ParseInviteCode("  " + sloppy + " ");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->Equals(secret));
}

TEST(InviteCode, EverySingleCharacterTypoIsReportedAsMistyped) {
  SecretBytes secret = SecretBytes::Random(16);
  std::string code = FormatInviteCode(secret);
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (size_t i = 5; i < code.size(); ++i) {
    if (code[i] == '-') continue;
    for (char c : alphabet) {
      if (c == code[i]) continue;
      // 0<->Z is the one substitution a weighted mod-31 sum cannot see.
      if ((c == '0' && code[i] == 'Z') || (c == 'Z' && code[i] == '0')) continue;
      std::string typo = code;
      typo[i] = c;
      auto r = ParseInviteCode(typo);
      ASSERT_FALSE(r.ok() && r->Equals(secret)) << typo;
      ASSERT_FALSE(r.ok()) << "undetected typo " << typo;
      EXPECT_NE(r.status().message().find("mistyped"), std::string::npos);
    }
  }
}

TEST(InviteCode, SwappedNeighboursAreDetected) {
  std::string code = FormatInviteCode(SecretBytes::Random(16));
  std::string compact;
  for (char c : code.substr(5))
    if (c != '-') compact.push_back(c);
  for (size_t i = 0; i + 1 < compact.size(); ++i) {
    if (compact[i] == compact[i + 1]) continue;
    std::string a = compact.substr(i, 2);
    if (a == "0Z" || a == "Z0") continue;
    std::string t = compact;
    std::swap(t[i], t[i + 1]);
    EXPECT_FALSE(ParseInviteCode(t).ok()) << t;
  }
}

TEST(InviteCode, WrongLengthIsMistyped) {
  EXPECT_FALSE(ParseInviteCode("mend-ABCDE").ok());
  EXPECT_FALSE(ParseInviteCode("").ok());
}

struct Pairing {
  SecretBytes secret = SecretBytes::Random(16);
  InviteKeys keys = DeriveInviteKeys(secret);
  mend::v1::PairingOffer offer;
  Pairing() {
    offer.set_couple_id(mend::testing::FixedCoupleId());
    offer.mutable_inviter()->set_sign_pk(mend::testing::Alice().sign_pk());
    offer.mutable_inviter()->set_box_pk(mend::testing::Alice().box_pk());
    offer.mutable_inviter()->set_display_name("Alex");
  }
};

TEST(InvitePairing, OfferAndAnswerRoundTrip) {
  Pairing p;
  Bytes offer_ct = SealOffer(p.keys, p.offer);
  InviteKeys joiner_keys = DeriveInviteKeys(p.secret);
  EXPECT_EQ(joiner_keys.invite_id, p.keys.invite_id);
  Bytes offer_plain;
  auto opened = OpenOffer(joiner_keys, offer_ct, &offer_plain);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->inviter().display_name(), "Alex");

  crypto::Identity bob = mend::testing::Bob();
  Bytes t = PairingTranscript(offer_plain, bob.public_identity());
  mend::v1::PairingAnswer answer;
  answer.mutable_joiner()->set_sign_pk(bob.sign_pk());
  answer.mutable_joiner()->set_box_pk(bob.box_pk());
  answer.set_transcript_signature(bob.Sign(TranscriptSignatureInput(t)));
  Bytes answer_ct = SealAnswer(joiner_keys, offer_ct, answer);

  auto got = OpenAnswer(p.keys, offer_ct, answer_ct);
  ASSERT_TRUE(got.ok());
  Bytes t2 = PairingTranscript(p.offer.SerializeAsString(),
                               {got->joiner().sign_pk(), got->joiner().box_pk()});
  EXPECT_TRUE(VerifySignature(got->joiner().sign_pk(), TranscriptSignatureInput(t2),
                              got->transcript_signature()));
}

TEST(InvitePairing, OfferDoesNotOpenWithAnotherCode) {
  Pairing p;
  Bytes offer_ct = SealOffer(p.keys, p.offer);
  Bytes plain;
  EXPECT_FALSE(OpenOffer(DeriveInviteKeys(SecretBytes::Random(16)), offer_ct, &plain).ok());
}

TEST(InvitePairing, ServerSwappedOfferIsRejected) {
  Pairing p;
  Bytes offer_ct = SealOffer(p.keys, p.offer);
  offer_ct[30] ^= 1;
  Bytes plain;
  EXPECT_FALSE(OpenOffer(p.keys, offer_ct, &plain).ok());
}

TEST(InvitePairing, AnswerIsBoundToTheOffer) {
  Pairing p;
  Bytes offer_ct = SealOffer(p.keys, p.offer);
  Bytes answer_ct = SealAnswer(p.keys, offer_ct, mend::v1::PairingAnswer());
  Bytes other_offer = SealOffer(p.keys, p.offer);  // same content, fresh nonce
  EXPECT_TRUE(OpenAnswer(p.keys, offer_ct, answer_ct).ok());
  EXPECT_FALSE(OpenAnswer(p.keys, other_offer, answer_ct).ok());
}

}  // namespace
}  // namespace mend::crypto
