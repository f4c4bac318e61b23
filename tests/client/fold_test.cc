// The fold's rules, each with an entry that breaks it (shown invalid, never
// applied) and the same entry written by the right member (applied).
#include "client/state/fold.h"

#include <gtest/gtest.h>

#include "client/state/facts.h"
#include "crypto/aead.h"
#include "crypto/sealed_reflection.h"
#include "fmt/format.h"
#include "tests/crypto/two_key_ciphertext.h"

namespace mend::client {
namespace {

const std::string kAlex(32, 'A'), kSam(32, 'S'), kStranger(32, 'X');
const std::string kCouple(16, 'C');

class FoldTest : public ::testing::Test {
 protected:
  FoldTest() {
    mend::v1::Payload g;
    g.mutable_genesis()->mutable_inviter()->set_sign_pk(kAlex);
    g.mutable_genesis()->mutable_inviter()->set_display_name("Alex");
    g.mutable_genesis()->mutable_joiner()->set_sign_pk(kSam);
    g.mutable_genesis()->mutable_joiner()->set_display_name("Sam");
    g.mutable_genesis()->set_transcript_hash("T");
    g.mutable_genesis()->set_key_id(std::string(32, 'K'));
    g.mutable_genesis()->set_couple_id(kCouple);
    Add(kAlex, g);
    mend::v1::Payload j;
    j.mutable_joined()->set_transcript_hash("T");
    Add(kSam, j);
  }
  // Appends an entry; returns its seq.
  uint64_t Add(const std::string& author, const mend::v1::Payload& p, uint32_t epoch = 0,
               int64_t at = 0) {
    crypto::OpenedEntry e;
    e.header.set_seq(entries_.size() + 1);
    e.header.set_author(author);
    e.header.set_key_epoch(epoch);
    e.payload = p;
    e.payload.set_written_unix_ms(at ? at : 1000 * static_cast<int64_t>(entries_.size() + 1));
    entries_.push_back(e);
    return entries_.size();
  }
  CoupleState State() { return Fold(entries_); }
  const FoldedEntry& Last(const CoupleState& s) { return s.entries.back(); }

  uint64_t Propose(const std::string& who,
                   mend::v1::ProposalType type = mend::v1::PROPOSAL_TYPE_NEW, uint64_t target = 0,
                   mend::v1::Bound bound = mend::v1::BOUND_PROPOSER) {
    mend::v1::Payload p;
    auto* c = p.mutable_commitment_proposal();
    c->set_type(type);
    c->set_target_seq(target);
    c->set_title("no contact with X");
    c->set_bound(bound);
    return Add(who, p);
  }
  uint64_t Respond(const std::string& who, uint64_t seq,
                   mend::v1::Decision d = mend::v1::DECISION_ACCEPT) {
    mend::v1::Payload p;
    p.mutable_commitment_response()->set_proposal_seq(seq);
    p.mutable_commitment_response()->set_decision(d);
    return Add(who, p);
  }
  uint64_t Report(const std::string& who, uint64_t seq, mend::v1::Outcome o) {
    mend::v1::Payload p;
    p.mutable_commitment_outcome()->set_commitment_seq(seq);
    p.mutable_commitment_outcome()->set_outcome(o);
    return Add(who, p);
  }
  uint64_t TriggerBy(const std::string& who, uint32_t intensity = 6) {
    mend::v1::Payload p;
    p.mutable_trigger()->set_intensity(intensity);
    p.mutable_trigger()->set_what_happened("a song in the car");
    return Add(who, p);
  }
  uint64_t Ack(const std::string& who, uint64_t seq) {
    mend::v1::Payload p;
    p.mutable_acknowledgement()->set_trigger_seq(seq);
    p.mutable_acknowledgement()->set_message("I hear you");
    return Add(who, p);
  }

  std::vector<crypto::OpenedEntry> entries_;
};

TEST_F(FoldTest, GenesisAndJoinedSetTheMembers) {
  CoupleState s = State();
  ASSERT_EQ(s.members.size(), 2u);
  EXPECT_EQ(s.NameOf(kSam), "Sam");
  EXPECT_TRUE(s.joined);
  EXPECT_EQ(s.Partner(kAlex)->sign_pk, kSam);
}

TEST_F(FoldTest, JoinedByTheInviterIsInvalid) {
  mend::v1::Payload j;
  j.mutable_joined()->set_transcript_hash("T");
  Add(kAlex, j);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(FoldTest, GenesisAfterEntryOneIsInvalid) {
  mend::v1::Payload g = entries_[0].payload;
  Add(kAlex, g);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(FoldTest, MoodOutOfRangeIsInvalid) {
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(11);
  Add(kAlex, p);
  EXPECT_FALSE(Last(State()).valid);
  p.mutable_check_in()->set_mood(10);
  Add(kAlex, p);
  EXPECT_TRUE(Last(State()).valid);
}

TEST_F(FoldTest, AcceptingOnesOwnProposalIsInvalidAndNotApplied) {
  uint64_t prop = Propose(kAlex);
  Respond(kAlex, prop);
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_NE(Last(s).invalid_reason.find("not its proposer"), std::string::npos);
  EXPECT_EQ(s.commitments.at(prop).state, CommitmentState::kProposed);
}

TEST_F(FoldTest, PartnerAcceptanceMakesItAgreed) {
  uint64_t prop = Propose(kAlex);
  Respond(kSam, prop);
  CoupleState s = State();
  EXPECT_TRUE(Last(s).valid);
  EXPECT_EQ(s.commitments.at(prop).state, CommitmentState::kAgreed);
}

TEST_F(FoldTest, DeclineAndRequestChangesAreFinalForThatProposal) {
  uint64_t a = Propose(kAlex), b = Propose(kAlex);
  Respond(kSam, a, mend::v1::DECISION_DECLINE);
  Respond(kSam, b, mend::v1::DECISION_REQUEST_CHANGES);
  Respond(kSam, a, mend::v1::DECISION_ACCEPT);
  CoupleState s = State();
  EXPECT_EQ(s.commitments.at(a).state, CommitmentState::kDeclined);
  EXPECT_EQ(s.commitments.at(b).state, CommitmentState::kChangesRequested);
  EXPECT_FALSE(Last(s).valid);
}

TEST_F(FoldTest, ReportOnAnUnagreedCommitmentIsInvalid) {
  uint64_t prop = Propose(kAlex);
  Report(kAlex, prop, mend::v1::OUTCOME_KEPT);
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_EQ(s.commitments.at(prop).kept, 0u);
}

TEST_F(FoldTest, ReportByAnUnboundPartnerIsInvalid) {
  uint64_t prop = Propose(kAlex, mend::v1::PROPOSAL_TYPE_NEW, 0, mend::v1::BOUND_PROPOSER);
  Respond(kSam, prop);
  Report(kSam, prop, mend::v1::OUTCOME_KEPT);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(FoldTest, ReportsCountAdherence) {
  uint64_t prop = Propose(kAlex, mend::v1::PROPOSAL_TYPE_NEW, 0, mend::v1::BOUND_BOTH);
  Respond(kSam, prop);
  Report(kAlex, prop, mend::v1::OUTCOME_KEPT);
  Report(kSam, prop, mend::v1::OUTCOME_KEPT);
  Report(kAlex, prop, mend::v1::OUTCOME_SLIPPED);
  CoupleState s = State();
  EXPECT_EQ(s.commitments.at(prop).kept, 2u);
  EXPECT_EQ(s.commitments.at(prop).slipped, 1u);
}

TEST_F(FoldTest, AcceptedAmendSupersedesTheTarget) {
  uint64_t prop = Propose(kAlex);
  Respond(kSam, prop);
  uint64_t amend = Propose(kSam, mend::v1::PROPOSAL_TYPE_AMEND, prop);
  Respond(kAlex, amend);
  CoupleState s = State();
  EXPECT_EQ(s.commitments.at(prop).state, CommitmentState::kSuperseded);
  EXPECT_EQ(s.commitments.at(prop).superseded_by, amend);
  EXPECT_EQ(s.commitments.at(amend).state, CommitmentState::kAgreed);
  Report(kAlex, prop, mend::v1::OUTCOME_KEPT);
  EXPECT_FALSE(Last(State()).valid);  // no reports on a superseded commitment
}

TEST_F(FoldTest, AcceptedRetireRetiresTheTarget) {
  uint64_t prop = Propose(kAlex);
  Respond(kSam, prop);
  uint64_t retire = Propose(kAlex, mend::v1::PROPOSAL_TYPE_RETIRE, prop);
  Respond(kSam, retire);
  EXPECT_EQ(State().commitments.at(prop).state, CommitmentState::kRetired);
}

TEST_F(FoldTest, AmendOfAProposalThatWasNeverAgreedIsInvalid) {
  uint64_t prop = Propose(kAlex);
  Propose(kSam, mend::v1::PROPOSAL_TYPE_AMEND, prop);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(FoldTest, AcknowledgingOnesOwnTriggerIsInvalid) {
  uint64_t t = TriggerBy(kSam);
  Ack(kSam, t);
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_EQ(s.triggers.at(t).ack_seq, 0u);
}

TEST_F(FoldTest, PartnerAcknowledgementClosesTheTriggerWithItsTime) {
  uint64_t t = TriggerBy(kSam);
  uint64_t a = Ack(kAlex, t);
  CoupleState s = State();
  EXPECT_EQ(s.triggers.at(t).ack_seq, a);
  EXPECT_GT(s.triggers.at(t).ack_unix_ms, s.triggers.at(t).created_unix_ms);
  Ack(kAlex, t);
  EXPECT_FALSE(Last(State()).valid);  // only once
}

TEST_F(FoldTest, TriggerIntensityOutOfRangeIsInvalid) {
  TriggerBy(kSam, 0);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(FoldTest, AnsweringOnesOwnQuestionIsInvalid) {
  mend::v1::Payload q;
  q.mutable_question()->set_text("did you reply?");
  uint64_t qs = Add(kSam, q);
  mend::v1::Payload a;
  a.mutable_answer()->set_question_seq(qs);
  a.mutable_answer()->set_text("yes");
  Add(kSam, a);
  EXPECT_FALSE(Last(State()).valid);
  Add(kAlex, a);
  CoupleState s = State();
  EXPECT_TRUE(Last(s).valid);
  EXPECT_NE(s.questions.at(qs).answer_seq, 0u);
}

TEST_F(FoldTest, NothingIsValidAfterLeave) {
  mend::v1::Payload leave;
  leave.mutable_leave()->set_reason("");
  Add(kSam, leave);
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  Add(kAlex, p);
  CoupleState s = State();
  EXPECT_TRUE(s.closed);
  EXPECT_FALSE(Last(s).valid);
}

TEST_F(FoldTest, RotationIsWrittenUnderAnAnnouncedKeyAndMovesForward) {
  mend::v1::Payload r;
  r.mutable_key_rotation()->set_new_epoch(1);
  Add(kAlex, r, /*epoch=*/0);
  EXPECT_FALSE(Last(State()).valid);  // no key id
  r.mutable_key_rotation()->set_key_id(std::string(32, '1'));
  Add(kAlex, r, /*epoch=*/1);
  EXPECT_FALSE(
      Last(State()).valid);  // under a key not yet announced: the partner could not read it
  Add(kAlex, r, /*epoch=*/0);
  CoupleState s = State();
  EXPECT_TRUE(Last(s).valid) << Last(s).invalid_reason;
  EXPECT_EQ(s.epoch, 1u);
  Add(kSam, r, /*epoch=*/0);
  EXPECT_FALSE(Last(State()).valid);  // epoch 1 is taken: a second announcement of it is not valid
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  Add(kSam, p, /*epoch=*/0);
  EXPECT_FALSE(Last(State()).valid);  // the retired key is not used again
  Add(kSam, p, /*epoch=*/1);
  EXPECT_TRUE(Last(State()).valid);
  // A partner who never received epoch 1's key rotates past it under epoch 0.
  r.mutable_key_rotation()->set_new_epoch(3);
  r.mutable_key_rotation()->set_key_id(std::string(32, '3'));
  Add(kSam, r, /*epoch=*/0);
  s = State();
  EXPECT_TRUE(Last(s).valid) << Last(s).invalid_reason;
  EXPECT_EQ(s.epoch, 3u);
}

TEST_F(FoldTest, SpaceRequestIsActiveUntilItsLastDayOrItsEnd) {
  mend::v1::Payload sp;
  sp.mutable_space_request()->set_until("2026-12-01");
  sp.mutable_space_request()->set_contact(mend::v1::CONTACT_NONE);
  Add(kSam, sp);
  CoupleState s = State();
  EXPECT_NE(s.ActiveSpace(kSam, "2026-12-01"), nullptr);
  EXPECT_EQ(s.ActiveSpace(kSam, "2026-12-02"), nullptr);
  EXPECT_EQ(s.ActiveSpace(kAlex, "2026-11-01"), nullptr);
  mend::v1::Payload end;
  end.mutable_space_request()->set_end(true);
  Add(kSam, end);
  EXPECT_EQ(State().ActiveSpace(kSam, "2026-11-30"), nullptr);
}

class SealedFoldTest : public FoldTest {
 protected:
  uint64_t Seal(const std::string& who, const std::string& prompt, const crypto::SecretBytes& key,
                const std::string& answer) {
    return AddSealed(who, prompt, crypto::SealReflectionText(key, {kCouple, who, prompt}, answer),
                     crypto::SealedKeyCommitment(key.view()));
  }
  uint64_t AddSealed(const std::string& who, const std::string& prompt,
                     const std::string& sealed_ct, const std::string& commitment) {
    mend::v1::Payload p;
    p.mutable_sealed_reflection()->set_prompt_id(prompt);
    p.mutable_sealed_reflection()->set_sealed_ct(sealed_ct);
    p.mutable_sealed_reflection()->set_key_commitment(commitment);
    return Add(who, p);
  }
  uint64_t Reveal(const std::string& who, uint64_t seq, const crypto::SecretBytes& key) {
    mend::v1::Payload p;
    p.mutable_reveal()->set_sealed_seq(seq);
    p.mutable_reveal()->set_key(std::string(key.view()));
    return Add(who, p);
  }
  crypto::SecretBytes ka = crypto::SecretBytes::Random(32), ks = crypto::SecretBytes::Random(32);
};

TEST_F(SealedFoldTest, RevealBeforeThePartnerSealedIsInvalid) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  Reveal(kAlex, a, ka);
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_NE(Last(s).invalid_reason.find("nobody goes first"), std::string::npos);
  EXPECT_TRUE(s.sealed.at("hardest").at(kAlex).revealed_text.empty());
}

TEST_F(SealedFoldTest, RevealByTheWrongAuthorIsInvalid) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  Seal(kSam, "hardest", ks, "the lies");
  Reveal(kSam, a, ka);  // Sam somehow has Alex's key: still not Sam's to reveal
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(SealedFoldTest, RevealWithAWrongKeyIsInvalid) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  Seal(kSam, "hardest", ks, "the lies");
  Reveal(kAlex, a, ks);
  EXPECT_FALSE(Last(State()).valid);
}

TEST_F(SealedFoldTest, BothSealedThenBothRevealedAreReadable) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  uint64_t b = Seal(kSam, "hardest", ks, "the lies");
  Reveal(kSam, b, ks);
  Reveal(kAlex, a, ka);
  CoupleState s = State();
  EXPECT_TRUE(Last(s).valid);
  EXPECT_EQ(s.sealed.at("hardest").at(kAlex).revealed_text, "the silence");
  EXPECT_EQ(s.sealed.at("hardest").at(kSam).revealed_text, "the lies");
  Reveal(kAlex, a, ka);
  EXPECT_FALSE(Last(State()).valid);  // only once
}

TEST_F(SealedFoldTest, SecondSealedReflectionToTheSamePromptIsInvalid) {
  Seal(kAlex, "hardest", ka, "one");
  Seal(kAlex, "hardest", ka, "two");
  EXPECT_FALSE(Last(State()).valid);
}

// v1 bound the ciphertext to the prompt only: Sam could copy Alex's sealed
// answer as his own, wait for Alex's reveal, and reveal the copy with the same
// key, "answering" with Alex's words.
TEST_F(SealedFoldTest, ACopiedSealedReflectionIsInvalid) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  const auto& original = entries_[a - 1].payload.sealed_reflection();
  AddSealed(kSam, "hardest", original.sealed_ct(), original.key_commitment());
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_NE(Last(s).invalid_reason.find("copies sealed reflection #"), std::string::npos)
      << Last(s).invalid_reason;
  // With a commitment of his own, the copied ciphertext is still a copy.
  entries_.pop_back();
  uint64_t copy =
      AddSealed(kSam, "hardest", original.sealed_ct(), crypto::SealedKeyCommitment(ks.view()));
  EXPECT_FALSE(State().entries[copy - 1].valid);
  // And a fresh ciphertext under Alex's commitment is a copy too.
  entries_.pop_back();
  copy =
      AddSealed(kSam, "hardest", crypto::SealReflectionText(ks, {kCouple, kSam, "hardest"}, "mine"),
                original.key_commitment());
  EXPECT_FALSE(State().entries[copy - 1].valid);
}

TEST_F(SealedFoldTest, TheAnswerIsBoundToItsCoupleAuthorAndPrompt) {
  Bytes ct = crypto::SealReflectionText(ka, {kCouple, kAlex, "hardest"}, "the silence");
  Bytes commit = crypto::SealedKeyCommitment(ka.view());
  EXPECT_TRUE(crypto::OpenAnswerText(ka.view(), commit, {kCouple, kAlex, "hardest"}, ct).ok());
  EXPECT_FALSE(crypto::OpenAnswerText(ka.view(), commit, {kCouple, kSam, "hardest"}, ct).ok());
  EXPECT_FALSE(
      crypto::OpenAnswerText(ka.view(), commit, {std::string(16, 'D'), kAlex, "hardest"}, ct).ok());
  EXPECT_FALSE(crypto::OpenAnswerText(ka.view(), commit, {kCouple, kAlex, "easiest"}, ct).ok());
  EXPECT_FALSE(crypto::OpenAnswerText(ks.view(), commit, {kCouple, kAlex, "hardest"}, ct).ok());
}

// XChaCha20-Poly1305 does not commit to its key: Sam builds one ciphertext
// that opens under two keys, waits for Alex's answer, and would reveal
// whichever key suits him. The commitment in the SealedReflection allows one.
TEST_F(SealedFoldTest, ATwoKeyCiphertextRevealsOnlyUnderTheCommittedKey) {
  const std::string prompt = "hardest";
  Bytes nonce = crypto::RandomBytes(crypto::kAeadNonceBytes);
  Bytes ad = crypto::SealedReflectionAd({kCouple, kSam, prompt});
  Bytes ct =
      nonce + mend::testing::TwoKeyCiphertext(ks.view(), ka.view(), nonce, ad, "it was me", 4);
  // The attack is real: the AEAD opens under both keys.
  ASSERT_TRUE(crypto::AeadOpen(ks, ct, ad).ok());
  ASSERT_TRUE(crypto::AeadOpen(ka, ct, ad).ok());
  uint64_t a = Seal(kAlex, prompt, crypto::SecretBytes::Random(32), "the silence");
  (void)a;
  uint64_t b = AddSealed(kSam, prompt, ct, crypto::SealedKeyCommitment(ks.view()));
  Reveal(kSam, b, ka);  // the other key
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_NE(Last(s).invalid_reason.find("committed to"), std::string::npos)
      << Last(s).invalid_reason;
  Reveal(kSam, b, ks);  // the committed key: valid, and the only reading there is
  s = State();
  EXPECT_TRUE(Last(s).valid) << Last(s).invalid_reason;
  EXPECT_EQ(s.sealed.at(prompt).at(kSam).revealed_text.substr(0, 9), "it was me");
}

TEST_F(SealedFoldTest, ASealThatNeverOpensShowsAsUnrevealed) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  // Sam seals random bytes under a commitment to a key that opens nothing.
  uint64_t b = AddSealed(kSam, "hardest", crypto::RandomBytes(24 + 16 + 30),
                         crypto::SealedKeyCommitment(ks.view()));
  Reveal(kAlex, a, ka);
  Reveal(kSam, b, ks);
  CoupleState s = State();
  EXPECT_FALSE(Last(s).valid);
  EXPECT_NE(Last(s).invalid_reason.find("does not open"), std::string::npos)
      << Last(s).invalid_reason;
  EXPECT_EQ(s.sealed.at("hardest").at(kSam).reveal_seq, 0u);
  // Alex's answer is revealed on the log; the log shows Sam has not revealed.
  EXPECT_EQ(s.sealed.at("hardest").at(kAlex).revealed_text, "the silence");
}

TEST_F(SealedFoldTest, APartnersAnswerIsShownOnlyOnceTheViewersOwnIsRevealed) {
  uint64_t a = Seal(kAlex, "hardest", ka, "the silence");
  uint64_t b = Seal(kSam, "hardest", ks, "the lies");
  Reveal(kSam, b, ks);
  CoupleState s = State();
  const SealedRecord& sams = s.sealed.at("hardest").at(kSam);
  EXPECT_EQ(s.RevealedFor(sams, kSam), "the lies");
  EXPECT_EQ(s.RevealedFor(sams, kAlex),
            std::nullopt);  // Alex's watch or --offline cannot read it yet
  Reveal(kAlex, a, ka);
  s = State();
  EXPECT_EQ(s.RevealedFor(s.sealed.at("hardest").at(kSam), kAlex), "the lies");
}

// v1 trusted the author's clock: a partner could date a trigger's
// acknowledgement before the trigger, or an entry next year, and the
// therapist's durations and the quiet-partner warning believed it.
TEST_F(FoldTest, AnEntryDatedBackwardsIsFlaggedAndTimeNeverRunsBackwards) {
  const int64_t day = 24LL * 3600 * 1000, t0 = 1767225600000;
  mend::v1::Payload trigger;
  trigger.mutable_trigger()->set_intensity(6);
  uint64_t t = Add(kAlex, trigger, 0, t0);
  mend::v1::Payload ack;
  ack.mutable_acknowledgement()->set_trigger_seq(t);
  uint64_t a = Add(kSam, ack, 0, t0 - 3 * day);  // "acknowledged three days before it was logged"
  CoupleState s = State();
  const FoldedEntry& f = s.entries[a - 1];
  EXPECT_TRUE(f.valid);
  EXPECT_EQ(f.time_warning, fmt::format("dated 3 days before entry {}", t));
  EXPECT_EQ(f.written_unix_ms, t0 - 3 * day);
  EXPECT_EQ(f.unix_ms, t0);  // held at the entry before's time
  EXPECT_GE(s.triggers.at(t).ack_unix_ms, s.triggers.at(t).created_unix_ms);
  // A small skew is a clock, not a lie.
  mend::v1::Payload checkin;
  checkin.mutable_check_in()->set_mood(5);
  uint64_t c = Add(kAlex, checkin, 0, t0 - 60 * 1000);
  EXPECT_TRUE(State().entries[c - 1].time_warning.empty());
}

TEST_F(FoldTest, AnEntryDatedNextYearIsFlaggedAndHeldToWhenItWasFirstSeen) {
  const int64_t day = 24LL * 3600 * 1000, t0 = 1767225600000;
  mend::v1::Payload checkin;
  checkin.mutable_check_in()->set_mood(5);
  uint64_t next_year = Add(kSam, checkin, 0, t0 + 365 * day);
  uint64_t honest = Add(kAlex, checkin, 0, t0 + 1000);
  std::map<uint64_t, int64_t> seen = {{next_year, t0}, {honest, t0 + 2000}};
  CoupleState s = Fold(entries_, {&seen, t0 + 5000});
  EXPECT_EQ(s.entries[next_year - 1].time_warning,
            "dated 365 days ahead of when this device first saw it");
  EXPECT_EQ(s.entries[next_year - 1].unix_ms, t0);
  // The honest entry after it is not blamed for the lie before it.
  EXPECT_TRUE(s.entries[honest - 1].time_warning.empty()) << s.entries[honest - 1].time_warning;
  // Without a first sighting, the reader's clock is the limit.
  s = Fold(entries_, {nullptr, t0});
  EXPECT_EQ(s.entries[next_year - 1].time_warning, "dated 365 days ahead of now");
}

TEST_F(FoldTest, LatestDisclosurePreferenceWins) {
  mend::v1::Payload p;
  auto* pref = p.mutable_disclosure_prefs()->add_prefs();
  pref->set_topic("X");
  pref->set_mode(mend::v1::DISCLOSURE_MODE_ASK_FIRST);
  Add(kSam, p);
  EXPECT_EQ(State().PreferenceOf(kSam, "X"), mend::v1::DISCLOSURE_MODE_ASK_FIRST);
  pref->set_mode(mend::v1::DISCLOSURE_MODE_PROACTIVE);
  Add(kSam, p);
  CoupleState s = State();
  EXPECT_EQ(s.PreferenceOf(kSam, "X"), mend::v1::DISCLOSURE_MODE_PROACTIVE);
  EXPECT_EQ(s.PreferenceOf(kAlex, "X"), mend::v1::DISCLOSURE_MODE_UNSPECIFIED);
}

// What a fold decided, as text: each entry's validity and times, and the
// records built from them.
std::string Describe(const CoupleState& s) {
  std::string out = fmt::format("joined={} closed={} epoch={}\n", s.joined, s.closed, s.epoch);
  for (const auto& e : s.entries) {
    out += fmt::format("#{} valid={} '{}' t={} written={} '{}'\n", e.entry->header.seq(), e.valid,
                       e.invalid_reason, e.unix_ms, e.written_unix_ms, e.time_warning);
  }
  for (const auto& [seq, c] : s.commitments) {
    out += fmt::format("c{} {} kept={} slipped={} agreed={}\n", seq, ToString(c.state), c.kept,
                       c.slipped, c.agreed_unix_ms);
  }
  for (const auto& [seq, t] : s.triggers)
    out += fmt::format("t{} ack={} at={}\n", seq, t.ack_seq, t.ack_unix_ms);
  for (const auto& [seq, q] : s.questions) out += fmt::format("q{} answer={}\n", seq, q.answer_seq);
  return out;
}

// A session folds each entry once, as it adopts it: continuing a fold must
// decide exactly what folding the whole history at once decides, wherever
// the history is cut, including a backdated entry whose flag depends on the
// entries before the cut.
TEST_F(FoldTest, FoldingMoreGivesTheStateOfTheWholeFoldAtEveryCut) {
  uint64_t prop = Propose(kAlex);
  Respond(kSam, prop);
  Report(kAlex, prop, mend::v1::OUTCOME_KEPT);
  uint64_t trigger = TriggerBy(kSam);
  mend::v1::Payload backdated;
  backdated.mutable_check_in()->set_mood(4);
  Add(kSam, backdated, 0, 3'600'000);  // an hour in: what the next entries are measured against
  Add(kAlex, backdated, 0, 1);         // dated an hour back: flagged
  Ack(kSam, trigger);                  // invalid: Sam's own trigger
  Ack(kAlex, trigger);
  Report(kSam, prop, mend::v1::OUTCOME_SLIPPED);  // invalid: Sam is not bound
  mend::v1::Payload checkin;
  checkin.mutable_check_in()->set_mood(8);
  Add(kSam, checkin);
  const std::string whole = Describe(Fold(entries_));
  ASSERT_NE(whole.find("dated"), std::string::npos);
  for (size_t cut = 0; cut <= entries_.size(); ++cut) {
    std::vector<crypto::OpenedEntry> prefix(entries_.begin(),
                                            entries_.begin() + static_cast<long>(cut));
    CoupleState s = Fold(prefix);
    for (auto& folded : s.entries) folded.entry = &entries_[folded.entry->header.seq() - 1];
    FoldMore(s, std::span<const crypto::OpenedEntry>(entries_).subspan(cut), {});
    EXPECT_EQ(Describe(s), whole) << "cut after " << cut << " entries";
  }
}

// An open restores the facts of the history it folded before (the facts
// file) and folds on from there: wherever the history is cut, that must give
// every fact the whole fold gives, and the same decision on each later entry.
TEST_F(FoldTest, FoldingOnFromRestoredFactsGivesTheWholeFoldAtEveryCut) {
  uint64_t prop = Propose(kAlex);
  Respond(kSam, prop);
  Report(kAlex, prop, mend::v1::OUTCOME_KEPT);
  uint64_t trigger = TriggerBy(kSam);
  mend::v1::Payload backdated;
  backdated.mutable_check_in()->set_mood(4);
  Add(kSam, backdated, 0, 3'600'000);
  Add(kAlex, backdated, 0, 1);  // dated an hour back: flagged
  mend::v1::Payload ask;
  ask.mutable_question()->set_text("where were you?");
  ask.mutable_question()->set_topic("the trip");
  uint64_t question = Add(kSam, ask);
  mend::v1::Payload answer;
  answer.mutable_answer()->set_question_seq(question);
  answer.mutable_answer()->set_text("I was there");
  Add(kAlex, answer);
  mend::v1::Payload space;
  space.mutable_space_request()->set_until("2099-01-01");
  space.mutable_space_request()->set_contact(mend::v1::CONTACT_URGENT_ONLY);
  Add(kSam, space);
  mend::v1::Payload prefs;
  auto* pref = prefs.mutable_disclosure_prefs()->add_prefs();
  pref->set_topic("X");
  pref->set_mode(mend::v1::DISCLOSURE_MODE_ASK_FIRST);
  Add(kSam, prefs);
  Ack(kAlex, trigger);
  Report(kSam, prop, mend::v1::OUTCOME_SLIPPED);  // invalid: Sam is not bound
  const CoupleState whole_state = Fold(entries_);
  const std::string whole = FactsOf(whole_state).SerializeAsString();
  ASSERT_EQ(whole_state.questions.size(), 1u);
  ASSERT_EQ(whole_state.space.size(), 1u);
  ASSERT_EQ(whole_state.disclosure_prefs.size(), 1u);
  for (size_t cut = 0; cut <= entries_.size(); ++cut) {
    std::vector<crypto::OpenedEntry> prefix(entries_.begin(),
                                            entries_.begin() + static_cast<long>(cut));
    // Through the bytes, as the facts file keeps them.
    mend::v1::FoldedFacts stored;
    ASSERT_TRUE(stored.ParseFromString(FactsOf(Fold(prefix)).SerializeAsString()));
    absl::StatusOr<CoupleState> s = StateFromFacts(stored);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(s->entries.empty());
    FoldMore(*s, std::span<const crypto::OpenedEntry>(entries_).subspan(cut), {});
    EXPECT_EQ(FactsOf(*s).SerializeAsString(), whole) << "cut after " << cut << " entries";
    ASSERT_EQ(s->entries.size(), entries_.size() - cut);
    for (size_t i = 0; i < s->entries.size(); ++i) {
      const FoldedEntry& mine = s->entries[i];
      const FoldedEntry& theirs = whole_state.entries[cut + i];
      EXPECT_EQ(mine.valid, theirs.valid) << "entry " << cut + i + 1 << ", cut " << cut;
      EXPECT_EQ(mine.unix_ms, theirs.unix_ms) << "entry " << cut + i + 1 << ", cut " << cut;
      EXPECT_EQ(mine.time_warning, theirs.time_warning) << "entry " << cut + i + 1;
    }
  }
}

// A revealed answer is whatever its Reveal opened, UTF-8 or not: the facts
// keep it byte for byte (a string field would refuse to parse it back).
TEST(FoldFacts, ARevealedAnswerThatIsNotUtf8SurvivesTheBytes) {
  CoupleState state;
  SealedRecord r;
  r.seq = 3;
  r.author = kSam;
  r.prompt_id = "hardest";
  r.revealed_text = "\xff\xfe not text";
  state.sealed["hardest"][kSam] = r;
  mend::v1::FoldedFacts stored;
  ASSERT_TRUE(stored.ParseFromString(FactsOf(state).SerializeAsString()));
  auto back = StateFromFacts(stored);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->sealed.at("hardest").at(kSam).revealed_text, r.revealed_text);
}

TEST(FoldFacts, AnUnknownCommitmentStateIsRefused) {
  mend::v1::FoldedFacts facts;
  facts.add_commitments()->set_state(99);
  EXPECT_FALSE(StateFromFacts(facts).ok());
}

TEST(FoldKinds, NamesRoundTrip) {
  for (const char* name :
       {"checkin", "trigger", "ack", "question", "answer", "letter", "disclosure", "proposal",
        "response", "outcome", "space", "leave", "rotation"}) {
    auto kind = ParseKindName(name);
    ASSERT_TRUE(kind.has_value()) << name;
  }
  EXPECT_FALSE(ParseKindName("nonsense").has_value());
}

}  // namespace
}  // namespace mend::client
