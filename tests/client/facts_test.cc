// The facts file (PROTOCOL.md "Client files"): an open reads the sealed facts
// of the verified head and only the replica entries after them, and any facts
// file that is not this profile's at this head is not used.
#include "client/state/facts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/atomic_file.h"
#include "client/core/facts_file.h"
#include "client/core/replica.h"
#include "tests/client/two_partners.h"

namespace mend::client {
namespace {

class FactsTest : public TwoPartnersTest {
 protected:
  // A history with something of each everyday kind, as Sam's device sees it.
  void WriteHistory() {
    for (uint32_t mood = 1; mood <= 5; ++mood) CheckIn(mood % 2 ? *alex_ : *sam_, mood);
    mend::v1::Payload trigger;
    trigger.mutable_trigger()->set_intensity(6);
    trigger.mutable_trigger()->set_what_happened("a song in the car");
    trigger_ = *alex_->Append(trigger);
    mend::v1::Payload proposal;
    proposal.mutable_commitment_proposal()->set_type(mend::v1::PROPOSAL_TYPE_NEW);
    proposal.mutable_commitment_proposal()->set_title("phone calls at nine");
    proposal.mutable_commitment_proposal()->set_bound(mend::v1::BOUND_PROPOSER);
    uint64_t proposed = *alex_->Append(proposal);
    ASSERT_TRUE(sam_->Sync().ok());
    mend::v1::Payload accept;
    accept.mutable_commitment_response()->set_proposal_seq(proposed);
    accept.mutable_commitment_response()->set_decision(mend::v1::DECISION_ACCEPT);
    ASSERT_TRUE(sam_->Append(accept).ok());
    mend::v1::Payload ask;
    ask.mutable_question()->set_text("where were you on Friday?");
    ASSERT_TRUE(sam_->Append(ask).ok());
    ASSERT_TRUE(alex_->SealReflection("hardest", "What was hardest?", "the silence").ok());
    ASSERT_TRUE(sam_->Sync().ok());
  }
  static std::string FactsBytes(const Session& s) {
    return FactsOf(s.couple()).SerializeAsString();
  }
  std::string FactsPath(const std::string& name) { return Profile::Locate(name).facts_path(); }

  uint64_t trigger_ = 0;
};

TEST_F(FactsTest, OpeningReadsNoEntryBeforeTheFactsAndKnowsWhatTheWholeFoldKnows) {
  WriteHistory();
  const uint64_t head = sam_->head().seq;
  ASSERT_GT(head, 10u);
  auto reopened = Open("sam");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->entries_read_on_load(), 0u);
  EXPECT_FALSE(reopened->history_loaded());
  EXPECT_EQ(reopened->head().seq, head);
  EXPECT_EQ(FactsBytes(*reopened), FactsBytes(*sam_));
  EXPECT_EQ(reopened->couple().commitments.size(), 1u);
  EXPECT_EQ(reopened->couple().sealed.count("hardest"), 1u);
  // The rules still see the whole history: Sam acknowledges Alex's trigger,
  // and a second acknowledgement of it is refused.
  mend::v1::Payload ack;
  ack.mutable_acknowledgement()->set_trigger_seq(trigger_);
  ASSERT_TRUE(reopened->Append(ack).ok());
  EXPECT_FALSE(reopened->Append(ack).ok());
  // The history, on demand, folds to the same facts.
  auto whole = Open("sam");
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(whole->entries_read_on_load(), 0u);
  ASSERT_TRUE(whole->LoadHistory().ok());
  EXPECT_TRUE(whole->history_loaded());
  EXPECT_EQ(whole->entries_read_on_load(), head + 1);
  EXPECT_EQ(whole->couple().entries.size(), head + 1);
  EXPECT_EQ(FactsBytes(*whole), FactsBytes(*reopened));
}

TEST_F(FactsTest, EntriesAfterTheFactsAreVerifiedInFullSignaturesIncluded) {
  CheckIn(*alex_, 3);
  ASSERT_TRUE(sam_->Sync().ok());
  // What a crash between writing the replica and recording the new head
  // leaves: state.json and the facts at entry 3, the replica through entry 5.
  const std::string state_at_3 = *base::ReadWholeFile(Profile::Locate("sam").state_path());
  const std::string facts_at_3 = *base::ReadWholeFile(FactsPath("sam"));
  CheckIn(*alex_, 4);
  CheckIn(*alex_, 5);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  ASSERT_TRUE(base::AtomicWriteFile(Profile::Locate("sam").state_path(), state_at_3, 0600).ok());
  ASSERT_TRUE(base::AtomicWriteFile(FactsPath("sam"), facts_at_3, 0600).ok());
  {
    auto s = Open("sam");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->entries_read_on_load(), 2u);
    EXPECT_EQ(s->signatures_checked_on_load(), 2u);
    EXPECT_EQ(s->head().seq, 5u);
  }
  ASSERT_TRUE(base::AtomicWriteFile(Profile::Locate("sam").state_path(), state_at_3, 0600).ok());
  ASSERT_TRUE(base::AtomicWriteFile(FactsPath("sam"), facts_at_3, 0600).ok());
  // The same, with entry 5's signature broken (same size, valid checksum):
  // the open reads the whole replica instead, and refuses it.
  client::Replica replica(Profile::Locate("sam").replica_path());
  auto entries = *replica.Load();
  ASSERT_EQ(entries.size(), 5u);
  entries[4].mutable_signature()->at(5) ^= 1;
  ASSERT_TRUE(replica.Rewrite(entries).ok());
  auto s = Session::Open(Profile::Locate("sam"), pass_);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(IsVerificationError(s.status())) << s.status();
  EXPECT_NE(std::string(s.status().message()).find("signature"), std::string::npos) << s.status();
}

TEST_F(FactsTest, FactsThatAreNotThisProfilesAtThisHeadAreNotUsed) {
  CheckIn(*alex_, 3);
  ASSERT_TRUE(sam_->Sync().ok());
  const std::string own_at_3 = *base::ReadWholeFile(FactsPath("sam"));
  CheckIn(*alex_, 4);
  ASSERT_TRUE(sam_->Sync().ok());
  ASSERT_TRUE(alex_->Sync().ok());
  const std::string expected = FactsBytes(*sam_);
  const std::string own_at_4 = *base::ReadWholeFile(FactsPath("sam"));
  sam_.reset();
  std::string damaged = own_at_4;
  damaged[40] ^= 1;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Alex's facts at the same head", *base::ReadWholeFile(FactsPath("alex"))},
      {"Sam's own facts at an older head", own_at_3},
      {"an empty file", ""},
      {"Sam's facts at this head, one bit flipped", damaged},
  };
  for (const auto& [what, bytes] : cases) {
    ASSERT_TRUE(base::AtomicWriteFile(FactsPath("sam"), bytes, 0600).ok());
    auto s = Open("sam");
    ASSERT_NE(s, nullptr) << what;
    EXPECT_EQ(s->entries_read_on_load(), 4u) << what << ": the whole replica is read";
    EXPECT_EQ(FactsBytes(*s), expected) << what;
  }
  // No file at all: the same; and the next save writes it again.
  ASSERT_EQ(::unlink(FactsPath("sam").c_str()), 0);
  auto s = Open("sam");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->entries_read_on_load(), 4u);
  ASSERT_TRUE(s->Sync().ok());
  EXPECT_EQ(Open("sam")->entries_read_on_load(), 0u);
  // The untouched file at this head is used again.
  ASSERT_TRUE(base::AtomicWriteFile(FactsPath("sam"), own_at_4, 0600).ok());
  EXPECT_EQ(Open("sam")->entries_read_on_load(), 0u);
}

// A session opened from the facts carries the replica digest on: what it
// saves anchors the whole replica, so reading the history later skips every
// signature checked before, and a replica cut short of the facts is read whole.
TEST_F(FactsTest, WhatASessionOpenedFromTheFactsSavesStillAnchorsTheWholeReplica) {
  CheckIn(*alex_, 3);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  {
    auto s = Open("sam");
    ASSERT_EQ(s->entries_read_on_load(), 0u);
    CheckIn(*s, 4);
    CheckIn(*s, 5);
  }
  auto s = Open("sam");
  ASSERT_EQ(s->entries_read_on_load(), 0u);
  ASSERT_TRUE(s->LoadHistory().ok());
  EXPECT_EQ(s->entries_read_on_load(), 5u);
  EXPECT_EQ(s->signatures_checked_on_load(), 0u);
  s.reset();
  const std::string path = Profile::Locate("sam").replica_path();
  const std::string whole = *base::ReadWholeFile(path);
  ASSERT_TRUE(base::AtomicWriteFile(path, whole.substr(0, whole.size() - 30), 0600).ok());
  auto cut = Open("sam");
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ(cut->entries_read_on_load(), 4u);  // the torn record dropped; fetched again
  ASSERT_TRUE(cut->Sync().ok());
  EXPECT_EQ(cut->head().seq, 5u);
}

TEST_F(FactsTest, TheFactsFileHoldsNoPlaintextAndOnlyItsOwnerCanReadIt) {
  mend::v1::Payload letter;
  letter.mutable_letter()->set_subject("about the summer");
  letter.mutable_letter()->set_body("a body");
  ASSERT_TRUE(alex_->Append(letter).ok());
  mend::v1::Payload proposal;
  proposal.mutable_commitment_proposal()->set_type(mend::v1::PROPOSAL_TYPE_NEW);
  proposal.mutable_commitment_proposal()->set_title("phone calls at nine");
  proposal.mutable_commitment_proposal()->set_bound(mend::v1::BOUND_PROPOSER);
  ASSERT_TRUE(alex_->Append(proposal).ok());
  const std::string bytes = *base::ReadWholeFile(FactsPath("alex"));
  EXPECT_EQ(bytes.find("phone calls"), std::string::npos);
  EXPECT_EQ(bytes.find("Sam"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(FactsPath("alex")).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const crypto::Bytes couple_id = alex_->state().couple_id;
  const crypto::ChainHead head = alex_->head();
  auto own =
      LoadFacts(FactsPath("alex"), FactsKey(alex_->identity()), couple_id, head.seq, head.hash);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->facts().commitments_size(), 1);
  EXPECT_TRUE(absl::IsDataLoss(
      LoadFacts(FactsPath("alex"), FactsKey(sam_->identity()), couple_id, head.seq, head.hash)
          .status()));
}

}  // namespace
}  // namespace mend::client
