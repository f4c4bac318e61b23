// Two real client sessions against a real in-process mendd: pairing, sync,
// appends, and a hostile server that edits its RocksDB store behind their
// backs. Every tampering must end in a verification error that names what
// was wrong, and must leave the local replica untouched.
#include "client/core/session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "base/atomic_file.h"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/core/problem.h"
#include "client/core/reminder_summary.h"
#include "client/core/replica.h"
#include "client/core/verification_error.h"
#include "client/views/obligation_text.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/invite.h"
#include "crypto/key_file.h"
#include "crypto/sealed_reflection.h"
#include "fmt/format.h"
#include "mend/v1/envelope.pb.h"
#include "nlohmann/json.hpp"
#include "tests/client/tampered_store.h"
#include "tests/client/two_partners.h"
#include "tests/server/test_server.h"
#include "toml++/toml.h"

namespace mend::client {
namespace {

using SessionTest = TamperedStoreTest;

TEST_F(SessionTest, PairingWritesGenesisAndJoined) {
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_EQ(alex_->couple().entries.size(), 2u);
  EXPECT_TRUE(alex_->couple().joined);
  EXPECT_EQ(alex_->couple().NameOf(sam_->identity().sign_pk()), "Sam");
}

// Two more profiles on the same server, not yet paired.
class PairingTest : public SessionTest {
 protected:
  std::unique_ptr<Session> Fresh(const std::string& name) {
    EXPECT_TRUE(Session::Init(Profile::Locate(name), name, {address_, ""}, pass_, false,
                              crypto::KdfLimits::MinimumForTests())
                    .ok());
    return Open(name);
  }
  mend::v1::MemberState StateOf(Session& inviter, const Bytes& member) {
    auto couple = (*inviter.connection())->GetCouple(inviter.state().couple_id);
    EXPECT_TRUE(couple.ok()) << couple.status();
    for (const auto& m : couple->members()) {
      if (m.member() == member) return m.state();
    }
    return mend::v1::MEMBER_STATE_UNSPECIFIED;
  }
};

// v1 confirmed the joiner, granted the key and wrote the Genesis as soon as
// the answer opened: whoever had the code was paired, silently.
TEST_F(PairingTest, NothingIsConfirmedOrWrittenBeforeTheSafetyNumberIsCompared) {
  auto carol = Fresh("carol"), dave = Fresh("dave");
  auto code = carol->Invite("", 3600);
  ASSERT_TRUE(code.ok());
  ASSERT_TRUE(dave->Join(*code).ok());
  auto r = carol->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pairing.step, PairingProgress::Step::kCompareSafetyNumber);
  EXPECT_NE(DescribePairing(r->pairing).find("Compare the safety number"), std::string::npos);
  EXPECT_EQ(StateOf(*carol, dave->identity().sign_pk()), mend::v1::MEMBER_STATE_PENDING);
  EXPECT_TRUE((*carol->connection())->GetHead(carol->state().couple_id).value().seq() == 0);
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  EXPECT_EQ(carol->Append(p).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(carol->ConfirmSafetyNumber().ok());
  EXPECT_EQ(StateOf(*carol, dave->identity().sign_pk()), mend::v1::MEMBER_STATE_ACTIVE);
  EXPECT_EQ(carol->head().seq, 1u);  // the Genesis
  ASSERT_TRUE(dave->Sync().ok());    // Joined is a membership entry: written without the comparison
  EXPECT_EQ(dave->head().seq, 2u);
  auto early = dave->Append(p);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(early.status().message().find("safety number"), std::string::npos);
  ASSERT_TRUE(dave->ConfirmSafetyNumber().ok());
  EXPECT_EQ(dave->Append(p).value_or(0), 3u);
}

TEST_F(PairingTest, ARejectedJoinerIsTurnedAwayAndANewCodePairsSomeoneElse) {
  auto carol = Fresh("carol"), mallory = Fresh("mallory"), dave = Fresh("dave");
  auto code = carol->Invite("", 3600);
  ASSERT_TRUE(mallory->Join(*code).ok());
  ASSERT_TRUE(carol->Sync().ok());
  ASSERT_TRUE(carol->RejectPartner().ok());  // the numbers did not match
  auto fresh = carol->Reinvite(3600);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_TRUE(dave->Join(*fresh).ok());
  ASSERT_TRUE(carol->Sync().ok());
  EXPECT_EQ(carol->state().partner->sign_pk, dave->identity().sign_pk());
  ASSERT_TRUE(carol->ConfirmSafetyNumber().ok());
  EXPECT_EQ(StateOf(*carol, mallory->identity().sign_pk()), mend::v1::MEMBER_STATE_UNSPECIFIED);
}

// Stop 21: a joiner the inviter turned away saw "waiting for your partner to
// confirm you" for ever, and the profile could never join again.
TEST_F(PairingTest, AJoinerTurnedAwayIsToldAndMayJoinAgainWithANewCode) {
  auto carol = Fresh("carol"), dave = Fresh("dave");
  auto code = carol->Invite("", 3600);
  ASSERT_TRUE(dave->Join(*code).ok());
  auto waiting = dave->Sync();
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->pairing.step, PairingProgress::Step::kAwaitingConfirmation);
  ASSERT_TRUE(carol->Sync().ok());
  ASSERT_TRUE(carol->RejectPartner().ok());  // the numbers did not match
  auto told = dave->Sync();
  ASSERT_TRUE(told.ok()) << told.status();
  EXPECT_EQ(told->pairing.step, PairingProgress::Step::kTurnedAway);
  EXPECT_EQ(told->pairing.partner_name, "carol");
  EXPECT_EQ(dave->state().pairing, PairingState::kUnpaired);
  dave.reset();
  auto again = Open("dave");
  EXPECT_EQ(again->state().pairing, PairingState::kUnpaired);  // and it was saved
  auto fresh = carol->Reinvite(3600);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_TRUE(again->Join(*fresh).ok());
  ASSERT_TRUE(carol->Sync().ok());
  ASSERT_TRUE(carol->ConfirmSafetyNumber().ok());
  auto paired = again->Sync();
  ASSERT_TRUE(paired.ok()) << paired.status();
  EXPECT_EQ(again->state().pairing, PairingState::kPaired);
  EXPECT_EQ(again->head().seq, 2u);  // the Genesis and its Joined
}

// Stop 21: the server kept three open invites while the inviter's client
// kept only the newest secret, so a partner who used an older code was turned
// away as if an impostor. A new code now withdraws the older ones.
TEST_F(PairingTest, ANewCodeWithdrawsTheOlderOne) {
  auto carol = Fresh("carol"), dave = Fresh("dave");
  auto old_code = carol->Invite("", 3600);
  ASSERT_TRUE(old_code.ok());
  auto new_code = carol->Reinvite(3600);
  ASSERT_TRUE(new_code.ok()) << new_code.status();
  absl::Status with_old = dave->Join(*old_code);
  EXPECT_EQ(with_old.code(), absl::StatusCode::kNotFound) << with_old;
  EXPECT_NE(with_old.message().find("new code"), std::string::npos) << with_old;
  EXPECT_EQ(dave->state().pairing, PairingState::kUnpaired);
  ASSERT_TRUE(dave->Join(*new_code).ok());
  auto r = carol->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pairing.step, PairingProgress::Step::kCompareSafetyNumber)
      << DescribePairing(r->pairing);
}

// The inviter asked for a new code just as the partner joined with the old
// one: the server refuses the new invite (the couple has its joiner), and the
// old code's secret must still open the join (it was once thrown away first,
// and the partner turned away as if an impostor).
TEST_F(PairingTest, AReinviteThatFailsKeepsTheCodeThePartnerUsed) {
  auto carol = Fresh("carol"), dave = Fresh("dave");
  auto code = carol->Invite("", 3600);
  ASSERT_TRUE(dave->Join(*code).ok());
  EXPECT_FALSE(carol->Reinvite(3600).ok());  // carol has not synced: she does not know yet
  auto r = carol->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pairing.step, PairingProgress::Step::kCompareSafetyNumber)
      << DescribePairing(r->pairing);
}

// v1: a join whose answer did not open stopped the inviter's every sync for good.
TEST_F(PairingTest, AGarbageJoinAnswerIsTurnedAwayWithAClearMessage) {
  auto carol = Fresh("carol"), mallory = Fresh("mallory"), dave = Fresh("dave");
  auto code = carol->Invite("", 3600);
  auto secret = crypto::ParseInviteCode(*code);
  ASSERT_TRUE(secret.ok());
  Connection* conn = *mallory->connection();
  ASSERT_TRUE(conn->JoinCouple(crypto::DeriveInviteKeys(*secret).invite_id,
                               mallory->identity().box_pk(), crypto::RandomBytes(200))
                  .ok());
  auto r = carol->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pairing.step, PairingProgress::Step::kAnswerTurnedAway);
  EXPECT_NE(r->pairing.why.find("does not open"), std::string::npos) << r->pairing.why;
  EXPECT_NE(DescribePairing(r->pairing).find("mend pair invite"), std::string::npos);
  auto fresh = carol->Reinvite(3600);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_TRUE(dave->Join(*fresh).ok());
  ASSERT_TRUE(carol->Sync().ok());
  ASSERT_TRUE(carol->ConfirmSafetyNumber().ok());
  EXPECT_EQ(carol->head().seq, 1u);
}

// v1 signed logins for whatever server id a server announced: a server set up
// in its place (a DNS change, a hijacked address) was taken at its word.
TEST_F(SessionTest, AServerWhoseIdChangedIsRefusedBeforeAnythingIsSigned) {
  ASSERT_TRUE(alex_->Sync().ok());
  const Bytes pinned = alex_->state().server_id;
  ASSERT_EQ(pinned.size(), 16u);
  alex_.reset();
  sam_.reset();
  StopServer();
  std::filesystem::remove_all(data_);  // another server: a fresh store, a fresh id
  StartServer();
  auto alex = Open("alex");
  auto r = alex->Sync();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsVerificationError(r.status())) << r.status();
  EXPECT_NE(r.status().message().find("is not the server you paired through"), std::string::npos)
      << r.status();
  EXPECT_EQ(Open("alex")->state().server_id, pinned);
}

TEST_F(SessionTest, AVersionOneProfileIsRefusedNotMisread) {
  sam_.reset();
  Profile profile = Profile::Locate("sam");
  bool had_mac = false;
  auto state = profile.LoadState(LocalKeyOf("sam"), &had_mac);
  ASSERT_TRUE(state.ok());
  state->version = 1;  // as a v1 mend wrote it, MAC and all
  ASSERT_TRUE(profile.SaveState(*state, LocalKeyOf("sam")).ok());
  auto opened = Session::Open(profile, pass_);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("earlier mend (protocol v1)"), std::string::npos)
      << opened.status();
  EXPECT_NE(HintFor(opened.status()).value_or("").find("make a new profile"), std::string::npos)
      << opened.status();
}

TEST(Transport, AServerOfAnotherProtocolIsRefusedSayingWhichSideToUpgrade) {
  EXPECT_TRUE(CheckProtocolVersion(2, "h:1").ok());
  auto v1 = CheckProtocolVersion(0, "h:1");  // a v1 server announces no protocol
  EXPECT_NE(v1.message().find("speaks mend protocol v1"), std::string::npos) << v1;
  EXPECT_NE(v1.message().find("upgrade mendd"), std::string::npos) << v1;
  auto v3 = CheckProtocolVersion(3, "h:1");
  EXPECT_NE(v3.message().find("upgrade mend"), std::string::npos) << v3;
}

TEST(Transport, PlaintextOnlyToLoopbackOrWhenToldSo) {
  for (const char* a :
       {"127.0.0.1:7850", "localhost:7850", "[::1]:7850", "127.8.9.1:1", "ipv4:127.0.0.1:5",
        "ipv4:127.0.0.1:5,127.0.0.2:6", "ipv6:[::1]:5,[::1]:6"}) {
    EXPECT_TRUE(IsLoopbackTarget(a)) << a;
  }
  // A list of nodes is loopback only when every one is.
  for (const char* a :
       {"10.0.0.1:7850", "mend.example.org:443", "127.example.com:1", "[2001:db8::1]:7850",
        "192.168.1.2:7850", "", "ipv4:", "ipv4:127.0.0.1:5,10.0.0.1:6",
        "ipv4:10.0.0.1:6,127.0.0.1:5", "ipv6:[::1]:5,[2001:db8::1]:6"}) {
    EXPECT_FALSE(IsLoopbackTarget(a)) << a;
  }
  EXPECT_EQ((*Connection::Open({"10.0.0.1:7850", ""}))->TransportName(), "TLS, system roots");
  EXPECT_EQ((*Connection::Open({"mend.example.org:443", ""}))->TransportName(),
            "TLS, system roots");
  EXPECT_EQ((*Connection::Open({"10.0.0.1:7850", "", true}))->TransportName(),
            "plaintext, --insecure");
  EXPECT_EQ((*Connection::Open({"127.0.0.1:7850", ""}))->TransportName(), "plaintext, loopback");
}

// Stop 22: owed.json lies on disk unencrypted, for reminders that need no
// passphrase, and held a commitment's title and a reflection's prompt id
// ("report on commitment #3 "no contact with Jordan"").
TEST_F(SessionTest, TheReminderSummaryOnDiskHoldsNoWordOfAnyEntry) {
  mend::v1::Payload proposal;
  auto* c = proposal.mutable_commitment_proposal();
  c->set_type(mend::v1::PROPOSAL_TYPE_NEW);
  c->set_title("no contact with Jordan");
  c->set_bound(mend::v1::BOUND_PROPOSER);
  c->set_cadence(mend::v1::CADENCE_ONCE);
  auto proposed = alex_->Append(proposal);
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  ASSERT_TRUE(sam_->Sync().ok());
  mend::v1::Payload accept;
  accept.mutable_commitment_response()->set_proposal_seq(*proposed);
  accept.mutable_commitment_response()->set_decision(mend::v1::DECISION_ACCEPT);
  ASSERT_TRUE(sam_->Append(accept).ok());
  ASSERT_TRUE(sam_->SealReflection("the night at Jordan's", "what happened?", "I lied").ok());
  ASSERT_TRUE(alex_->Sync().ok());
  const int64_t now = alex_->couple().entries.back().unix_ms + 1000;
  ASSERT_TRUE(WriteReminderSummary(alex_->profile(), alex_->state(), alex_->couple(), now).ok());
  auto text = base::ReadWholeFile(ReminderSummaryPath(alex_->profile()));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("Jordan"), std::string::npos) << *text;
  auto summary = ReadReminderSummary(alex_->profile());
  ASSERT_TRUE(summary.ok()) << summary.status();
  std::vector<std::string> owed;
  for (const Obligation& o : summary->owed) owed.push_back(DescribeObligation(o, false));
  EXPECT_EQ(
      owed,
      (std::vector<std::string>{
          fmt::format("say whether commitment #{} was kept", *proposed),
          fmt::format("write your sealed reflection on the prompt of #{}", alex_->head().seq)}));
}

TEST_F(SessionTest, EntriesReachThePartnerVerified) {
  CheckIn(*alex_, 7);
  auto r = sam_->Sync();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->new_entries, 1u);
  EXPECT_EQ(sam_->entries().back().payload.check_in().mood(), 7u);
}

// A session folds each entry once as it adopts it, in a vector of entries
// that grows (and moves) under the folded state: what it shows must be what
// a fresh open, folding everything at once, shows.
// Stop 22: a `seen` file that refused a write failed the sync after the
// entries were stored, and those first sightings were never written.
TEST_F(SessionTest, FirstSightingsTheSeenFileRefusedAreWrittenWithTheNext) {
  ASSERT_TRUE(sam_->Sync().ok());
  const std::string seen = sam_->profile().first_seen_path();
  ASSERT_TRUE(std::filesystem::exists(seen));
  std::filesystem::rename(seen, seen + ".aside");
  std::filesystem::create_directory(seen);  // every write to it fails
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(4);
  auto refused = alex_->Append(p);
  ASSERT_TRUE(refused.ok());
  auto r = sam_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  std::filesystem::remove(seen);
  std::filesystem::rename(seen + ".aside", seen);
  auto next = alex_->Append(p);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  auto sam = Open("sam");
  ASSERT_TRUE(sam->LoadHistory().ok());  // the sightings of every entry, not only the newest
  EXPECT_EQ(sam->first_seen().count(*refused), 1u);
  EXPECT_EQ(sam->first_seen().count(*next), 1u);
}

TEST_F(SessionTest, TheFoldAppendByAppendIsTheFoldOfTheWholeLog) {
  mend::v1::Payload trigger;
  trigger.mutable_trigger()->set_intensity(5);
  trigger.mutable_trigger()->set_what_happened("x");
  for (int i = 0; i < 40; ++i) {
    CheckIn(i % 2 ? *alex_ : *sam_, static_cast<uint32_t>(1 + i % 10));
    if (i % 8 == 0) {
      ASSERT_TRUE(alex_->Append(trigger).ok());
    }
  }
  ASSERT_TRUE(sam_->Sync().ok());
  for (Session* s : {alex_.get(), sam_.get()}) {
    ASSERT_EQ(s->couple().entries.size(), s->entries().size());
    for (size_t i = 0; i < s->entries().size(); ++i)
      EXPECT_EQ(s->couple().entries[i].entry, &s->entries()[i]);
  }
  auto fresh = Open("sam");
  ASSERT_TRUE(fresh->LoadHistory().ok());
  ASSERT_EQ(fresh->couple().entries.size(), sam_->couple().entries.size());
  for (size_t i = 0; i < sam_->couple().entries.size(); ++i) {
    EXPECT_EQ(fresh->couple().entries[i].valid, sam_->couple().entries[i].valid) << i;
    EXPECT_EQ(fresh->couple().entries[i].unix_ms, sam_->couple().entries[i].unix_ms) << i;
  }
  EXPECT_EQ(fresh->couple().triggers.size(), 5u);
  EXPECT_EQ(sam_->couple().triggers.size(), 5u);
}

TEST_F(SessionTest, StaleHeadIsRebuiltOnTheNewHead) {
  CheckIn(*alex_, 7);
  // Sam has not synced: his append is built on seq 2, refused, rebuilt on 3.
  EXPECT_EQ(CheckIn(*sam_, 4), 4u);
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_EQ(alex_->head().seq, 4u);
}

TEST_F(SessionTest, RulesAreCheckedBeforeWriting) {
  mend::v1::Payload p;
  p.mutable_trigger()->set_intensity(5);
  p.mutable_trigger()->set_what_happened("x");
  auto t = sam_->Append(p);
  ASSERT_TRUE(t.ok());
  mend::v1::Payload ack;
  ack.mutable_acknowledgement()->set_trigger_seq(*t);
  auto own = sam_->Append(ack);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(alex_->Append(ack).ok());
}

TEST_F(SessionTest, RotationKeepsTheLogReadableForBoth) {
  CheckIn(*alex_, 5);
  ASSERT_TRUE(sam_->Rotate().ok());
  CheckIn(*sam_, 6);
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_EQ(alex_->couple().epoch, 1u);
  EXPECT_EQ(alex_->entries().back().header.key_epoch(), 1u);
  EXPECT_EQ(CheckIn(*alex_, 8), 6u);
  // A fresh open re-verifies everything from the replica with both keys.
  EXPECT_EQ(Open("sam")->head().seq, 5u);
  ASSERT_TRUE(sam_->Sync().ok());
  EXPECT_EQ(sam_->head().seq, 6u);
}

// A hostile Alex announces one key for epoch 1 and grants Sam another. v1
// left Sam's client stopped at Alex's next entry for good, blaming the server
// (and a non-committing AEAD could make one entry read two ways). v2: Sam's
// client uses only the announced key, shows Alex's entries as unreadable and
// why, and `mend rotate` moves both to a key they share.
TEST_F(SessionTest, AGrantOfAnotherKeyThanTheLogAnnouncesIsNamedAndRotatedAway) {
  crypto::SecretBytes announced = crypto::SecretBytes::Random(32),
                      given = crypto::SecretBytes::Random(32);
  const Bytes couple_id = alex_->state().couple_id;
  auto grant = [&](const crypto::SecretBytes& key, const Session& to) {
    mend::v1::KeyGrant g;
    g.set_epoch(1);
    g.set_member(to.identity().sign_pk());
    g.set_sealed_key(*crypto::SealCoupleKey(key, to.identity().box_pk()));
    g.set_granter(alex_->identity().sign_pk());
    g.set_key_id(crypto::KeyId(key));
    g.set_signature(alex_->identity().Sign(
        crypto::GrantSignatureInput(couple_id, 1, g.member(), g.key_id(), g.sealed_key())));
    return g;
  };
  Connection* conn = *alex_->connection();
  ASSERT_TRUE(conn->PutGrants(couple_id, {grant(announced, *alex_), grant(given, *sam_)}).ok());
  mend::v1::Payload rotation;
  rotation.mutable_key_rotation()->set_new_epoch(1);
  rotation.mutable_key_rotation()->set_key_id(crypto::KeyId(announced));
  ASSERT_EQ(alex_->Append(rotation).value_or(0), 3u);
  // Alex writes under the announced key (as a modified client would).
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(3);
  auto hidden =
      *crypto::SealEntry({couple_id, 4, alex_->head().hash, 1, 5}, p, alex_->identity(), announced);
  std::optional<mend::v1::Head> stale;
  ASSERT_TRUE(conn->Append(hidden, &stale).ok());

  auto r = sam_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();  // no stop
  const FoldedEntry& f = sam_->couple().entries.back();
  EXPECT_FALSE(f.valid);
  EXPECT_NE(f.invalid_reason.find("not the key the log announces"), std::string::npos)
      << f.invalid_reason;
  auto blocked = sam_->Append(p);
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kFailedPrecondition);
  // A fact from the session, and the way out from the command line.
  EXPECT_EQ(ProblemOf(blocked.status()), Problem::kKeyNotAnnounced) << blocked.status();
  EXPECT_NE(HintFor(blocked.status()).value_or("").find("mend rotate"), std::string::npos);
  ASSERT_TRUE(sam_->Rotate().ok());  // under epoch 0, which both hold, to epoch 2
  EXPECT_EQ(sam_->couple().epoch, 2u);
  EXPECT_EQ(CheckIn(*sam_, 6), 6u);
  EXPECT_TRUE(sam_->couple().entries.back().valid);
}

TEST_F(SessionTest, LeaveClosesTheLog) {
  ASSERT_TRUE(sam_->Leave("taking a break").ok());
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  auto r = alex_->Append(p);
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_TRUE(alex_->couple().closed);
}

TEST_F(SessionTest, FlippedByteInAnEntryIsCaught) {
  CheckIn(*alex_, 7);
  std::string couple_id = alex_->state().couple_id;
  EditStore([&](StoreEditor& editor) {
    auto e = editor.GetEntry(couple_id, 3);
    (*e.mutable_ciphertext())[10] ^= 1;
    editor.PutEntry(couple_id, 3, e);
  });
  ExpectSyncFails("sam", "entry 3 failed the signature check");
}

TEST_F(SessionTest, FlippedHeaderByteIsCaught) {
  CheckIn(*alex_, 7);
  std::string couple_id = alex_->state().couple_id;
  EditStore([&](StoreEditor& editor) {
    auto e = editor.GetEntry(couple_id, 3);
    (*e.mutable_header())[e.header().size() - 3] ^= 1;  // inside the nonce
    editor.PutEntry(couple_id, 3, e);
  });
  ExpectSyncFails("sam", "entry 3 failed the signature check");
}

TEST_F(SessionTest, FlippedSignatureByteIsCaught) {
  CheckIn(*alex_, 7);
  std::string couple_id = alex_->state().couple_id;
  EditStore([&](StoreEditor& editor) {
    auto e = editor.GetEntry(couple_id, 3);
    (*e.mutable_signature())[20] ^= 0x40;
    editor.PutEntry(couple_id, 3, e);
  });
  ExpectSyncFails("sam", "entry 3 failed the signature check");
}

TEST_F(SessionTest, ReplayedOldEntryAtANewSeqIsCaught) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());
  std::string couple_id = alex_->state().couple_id;
  EditStore([&](StoreEditor& editor) {
    auto old = editor.GetEntry(couple_id, 3);
    editor.PutEntry(couple_id, 4, old);
    editor.SetHead(couple_id, 4, crypto::EntryHash(old.header(), old.ciphertext()));
  });
  ExpectSyncFails("sam", "sequence check");
}

TEST_F(SessionTest, EntryUnderAnUnknownEpochIsCaught) {
  ASSERT_TRUE(alex_->Sync().ok());
  std::string couple_id = alex_->state().couple_id;
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  // Signed by a member, but under a key for an epoch nobody granted.
  auto e = *crypto::SealEntry({couple_id, 3, alex_->head().hash, 7, 5}, p, alex_->identity(),
                              crypto::SecretBytes::Random(32));
  EditStore([&](StoreEditor& editor) {
    editor.PutEntry(couple_id, 3, e);
    editor.SetHead(couple_id, 3, crypto::EntryHash(e.header(), e.ciphertext()));
  });
  // v2: the entry is Alex's, signed into the chain, and cannot be read; it is
  // shown as invalid, naming why, and does not stop the log (a partner who
  // could stop it could wedge the couple for good).
  auto sam = Open("sam");
  ASSERT_TRUE(sam->Sync().ok());
  ASSERT_EQ(sam->head().seq, 3u);
  const FoldedEntry& f = sam->couple().entries.back();
  EXPECT_FALSE(f.valid);
  EXPECT_NE(f.invalid_reason.find("key epoch 7, which the log has not announced"),
            std::string::npos)
      << f.invalid_reason;
  EXPECT_EQ(CheckIn(*sam, 6), 4u);  // the log goes on
}

TEST_F(SessionTest, EntrySignedByANonMemberIsCaught) {
  ASSERT_TRUE(alex_->Sync().ok());
  std::string couple_id = alex_->state().couple_id;
  auto keys = crypto::KeyFile::Read(Profile::Locate("alex").key_path(), pass_);
  ASSERT_TRUE(keys.ok());
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  auto e = *crypto::SealEntry({couple_id, 3, alex_->head().hash, 0, 5}, p,
                              crypto::Identity::Generate(), keys->couple_keys.at(0));
  EditStore([&](StoreEditor& editor) {
    editor.PutEntry(couple_id, 3, e);
    editor.SetHead(couple_id, 3, crypto::EntryHash(e.header(), e.ciphertext()));
  });
  ExpectSyncFails("sam", "author check");
}

TEST_F(SessionTest, ServerShowingThePartnersDifferentHistoriesIsCaught) {
  // Both at seq 2. The server forks: Alex writes entry 3 on one copy of the
  // store, Sam is served another copy and writes his own entry 3.
  alex_.reset();
  sam_.reset();
  StopServer();
  auto fork = TempDir("mendd-fork");
  std::filesystem::copy(data_, fork, std::filesystem::copy_options::recursive);
  StartServer();
  Reopen();
  CheckIn(*alex_, 7);
  alex_.reset();
  sam_.reset();
  StopServer();
  auto real = data_;
  data_ = fork;
  StartServer();
  Reopen();
  CheckIn(*sam_, 2);  // Sam verified his own entry 3
  alex_.reset();
  sam_.reset();
  StopServer();
  data_ = real;
  StartServer();
  // As soon as Alex's entry reaches Sam, the fork shows.
  ExpectSyncFails("sam", "fork");
  std::filesystem::remove_all(fork);
}

TEST_F(SessionTest, TextThatIsNotUtf8IsRefusedBeforeWriting) {
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  p.mutable_check_in()->set_note(std::string("bad \xff\xfe bytes"));
  auto r = alex_->Append(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("UTF-8"), std::string::npos);
  EXPECT_EQ(alex_->head().seq, 2u);
}

TEST_F(SessionTest, DeletedLastEntryIsARollback) {
  CheckIn(*alex_, 7);
  CheckIn(*alex_, 8);
  ASSERT_TRUE(sam_->Sync().ok());  // Sam has verified entry 4
  std::string couple_id = alex_->state().couple_id;
  std::string hash3 = sam_->entries()[2].hash;
  EditStore([&](StoreEditor& editor) {
    editor.DeleteEntry(couple_id, 4);
    editor.SetHead(couple_id, 3, hash3);
  });
  ExpectSyncFails("sam", "rollback");
}

TEST_F(SessionTest, RestoredOlderCopyOfTheServerIsARollback) {
  CheckIn(*alex_, 7);
  alex_.reset();
  sam_.reset();
  StopServer();
  auto snapshot = TempDir("mendd-snapshot");
  std::filesystem::copy(data_, snapshot, std::filesystem::copy_options::recursive);
  StartServer();
  Reopen();
  CheckIn(*alex_, 3);
  CheckIn(*alex_, 2);
  ASSERT_TRUE(sam_->Sync().ok());
  alex_.reset();
  sam_.reset();
  StopServer();
  std::filesystem::remove_all(data_);
  std::filesystem::copy(snapshot, data_, std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(snapshot);
  StartServer();
  ExpectSyncFails("sam", "rollback");
}

TEST_F(SessionTest, SwappedEntriesAreCaught) {
  CheckIn(*alex_, 7);
  CheckIn(*alex_, 8);
  std::string couple_id = alex_->state().couple_id;
  EditStore([&](StoreEditor& editor) {
    auto e3 = editor.GetEntry(couple_id, 3), e4 = editor.GetEntry(couple_id, 4);
    editor.PutEntry(couple_id, 3, e4);
    editor.PutEntry(couple_id, 4, e3);
  });
  ExpectSyncFails("sam", "sequence check");
}

TEST_F(SessionTest, ForkedHistoryIsCaught) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());  // Sam verified entry 3
  // The server swaps entry 3 for another that Alex also signed (say, from a
  // second device it showed a different head), and builds entry 4 on it.
  const std::string couple_id = alex_->state().couple_id;
  const auto [alt3, alt4] = ForkAfterEntryTwo();
  EditStore([&](StoreEditor& editor) {
    editor.PutEntry(couple_id, 3, alt3);
    editor.PutEntry(couple_id, 4, alt4);
    editor.SetHead(couple_id, 4, crypto::EntryHash(alt4.header(), alt4.ciphertext()));
  });
  ExpectSyncFails("sam", "fork");
}

TEST_F(SessionTest, TamperedLocalReplicaIsCaughtWhenItsHistoryIsRead) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  std::string path = Profile::Locate("sam").replica_path();
  std::string data = *base::ReadWholeFile(path);
  data[data.size() - 40] ^= 1;
  ASSERT_TRUE(base::AtomicWriteFile(path, data, 0600).ok());
  // An open reads the sealed facts, not the entries they were folded from;
  // the first read of the history catches the edit.
  auto s = Open("sam");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->LoadHistory().ok());
  // Without the facts file, the open itself reads the history.
  s.reset();
  ASSERT_EQ(::unlink(Profile::Locate("sam").facts_path().c_str()), 0);
  EXPECT_FALSE(Session::Open(Profile::Locate("sam"), pass_).ok());
}

TEST_F(SessionTest, ReopeningChecksOnlySignaturesBeyondTheAnchor) {
  for (uint32_t mood = 1; mood <= 4; ++mood) CheckIn(*alex_, mood);
  ASSERT_TRUE(sam_->Sync().ok());
  ASSERT_EQ(sam_->head().seq, 6u);
  auto reopened = Open("sam");
  ASSERT_NE(reopened, nullptr);
  ASSERT_TRUE(reopened->LoadHistory().ok());
  EXPECT_EQ(reopened->entries_read_on_load(), 6u);
  EXPECT_EQ(reopened->signatures_checked_on_load(), 0u);
  EXPECT_EQ(reopened->head().seq, 6u);
  EXPECT_EQ(reopened->couple().entries.size(), sam_->couple().entries.size());
}

TEST_F(SessionTest, TheAnchorCoversSignatureBytesToo) {
  for (uint32_t mood = 1; mood <= 3; ++mood) CheckIn(*alex_, mood);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  // A well-formed replica (valid record checksums) whose entry 3 carries a
  // broken signature: the entry hash does not cover signatures, the anchor does.
  client::Replica replica(Profile::Locate("sam").replica_path());
  auto entries = *replica.Load();
  entries[2].mutable_signature()->at(5) ^= 1;
  ASSERT_TRUE(replica.Rewrite(entries).ok());
  auto s = Open("sam");
  ASSERT_NE(s, nullptr);
  absl::Status history = s->LoadHistory();
  ASSERT_FALSE(history.ok());
  EXPECT_TRUE(IsVerificationError(history)) << history;
  EXPECT_NE(std::string(history.message()).find("signature"), std::string::npos) << history;
}

TEST_F(SessionTest, AWrongAnchorMeansEverySignatureIsCheckedAgain) {
  for (uint32_t mood = 1; mood <= 3; ++mood) CheckIn(*alex_, mood);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  Profile profile = Profile::Locate("sam");
  bool had_mac = false;
  const crypto::SecretBytes key = LocalKeyOf("sam");
  auto state = *profile.LoadState(key, &had_mac);
  ASSERT_FALSE(state.replica_anchor.empty());
  state.replica_anchor[0] ^= 1;
  ASSERT_TRUE(profile.SaveState(state, key).ok());
  auto reopened = Open("sam");
  ASSERT_NE(reopened, nullptr);
  ASSERT_TRUE(reopened->LoadHistory().ok());
  EXPECT_EQ(reopened->signatures_checked_on_load(), 5u);
  // Saving the state again anchors the prefix afresh.
  ASSERT_TRUE(reopened->Sync().ok());
  auto again = Open("sam");
  ASSERT_TRUE(again->LoadHistory().ok());
  EXPECT_EQ(again->signatures_checked_on_load(), 0u);
}

TEST_F(SessionTest, TornReplicaTailIsDroppedAndFetchedAgain) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  std::string path = Profile::Locate("sam").replica_path();
  std::string data = *base::ReadWholeFile(path);
  ASSERT_TRUE(base::AtomicWriteFile(path, data.substr(0, data.size() - 30), 0600).ok());
  auto s = Open("sam");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->head().seq, 2u);
  ASSERT_TRUE(s->Sync().ok());
  EXPECT_EQ(s->head().seq, 3u);
}

TEST_F(SessionTest, SealedReflectionsStaySealedUntilBothHaveAnsweredThenRevealThemselves) {
  ASSERT_TRUE(alex_->SealReflection("hardest", "What was hardest?", "when you went quiet").ok());
  ASSERT_TRUE(sam_->Sync().ok());
  // Sam's client has Alex's sealed reflection but cannot read it: no key, no Reveal.
  const auto& rec = sam_->couple().sealed.at("hardest").at(alex_->identity().sign_pk());
  EXPECT_EQ(rec.reveal_seq, 0u);
  EXPECT_TRUE(rec.revealed_text.empty());
  EXPECT_EQ(rec.sealed_ct.find("when you went quiet"), std::string::npos);
  auto sam_keys = crypto::KeyFile::Read(Profile::Locate("sam").key_path(), pass_);
  ASSERT_TRUE(sam_keys.ok());
  EXPECT_EQ(sam_keys->sealed_keys.count("hardest"), 0u);
  for (const auto& [epoch, key] : sam_keys->couple_keys) {
    EXPECT_FALSE(crypto::OpenAnswerText(key.view(), crypto::SealedKeyCommitment(key.view()),
                                        {alex_->state().couple_id, rec.author, "hardest"},
                                        rec.sealed_ct)
                     .ok());
  }
  // Alex's own client must not reveal early either, however often it syncs.
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_EQ(alex_->couple().sealed.at("hardest").at(alex_->identity().sign_pk()).reveal_seq, 0u);

  ASSERT_TRUE(
      sam_->SealReflection("hardest", "What was hardest?", "not knowing").ok());  // reveals Sam's
  // The sync that brings Sam's answer does not reveal Alex's at once: a Reveal
  // moments after a fetch would tell the server what was fetched.
  ASSERT_TRUE(alex_->Sync().ok());
  EXPECT_EQ(alex_->couple().sealed.at("hardest").at(alex_->identity().sign_pk()).reveal_seq, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(alex_->Sync().ok());  // the next one does
  EXPECT_NE(alex_->couple().sealed.at("hardest").at(alex_->identity().sign_pk()).reveal_seq, 0u);
  ASSERT_TRUE(sam_->Sync().ok());
  for (Session* s : {alex_.get(), sam_.get()}) {
    const auto& both = s->couple().sealed.at("hardest");
    EXPECT_EQ(both.at(alex_->identity().sign_pk()).revealed_text, "when you went quiet");
    EXPECT_EQ(both.at(sam_->identity().sign_pk()).revealed_text, "not knowing");
  }
  // The chain order proves both sealed before either revealed.
  uint64_t last_seal = 0, first_reveal = UINT64_MAX;
  for (const auto& e : sam_->entries()) {
    if (e.payload.has_sealed_reflection()) last_seal = std::max(last_seal, e.header.seq());
    if (e.payload.has_reveal()) first_reveal = std::min(first_reveal, e.header.seq());
  }
  EXPECT_LT(last_seal, first_reveal);
}

TEST_F(SessionTest, EarlyOrForeignRevealIsRefusedBeforeWriting) {
  ASSERT_TRUE(alex_->SealReflection("hardest", "", "when you went quiet").ok());
  uint64_t sealed_seq = alex_->head().seq;
  auto keys = crypto::KeyFile::Read(Profile::Locate("alex").key_path(), pass_);
  ASSERT_TRUE(keys.ok());
  mend::v1::Payload reveal;
  reveal.mutable_reveal()->set_sealed_seq(sealed_seq);
  reveal.mutable_reveal()->set_key(std::string(keys->sealed_keys.at("hardest").view()));
  auto early = alex_->Append(reveal);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(std::string(early.status().message()).find("nobody goes first"), std::string::npos);
  ASSERT_TRUE(sam_->SealReflection("hardest", "", "not knowing").ok());
  auto foreign = sam_->Append(reveal);  // Sam posting Alex's key
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(std::string(foreign.status().message()).find("only the author"), std::string::npos);
}

TEST_F(SessionTest, WrongPassphraseIsAClearError) {
  auto s = Session::Open(Profile::Locate("sam"), crypto::SecretBytes::CopyOf("nope"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace mend::client

namespace mend::client {
namespace {

class KeyFileSafetyTest : public TwoPartnersTest {};

// The verified reproduction of issue 14: a 300-character prompt id saved the
// key file with a one-byte length, and the identity was gone for good.
TEST_F(KeyFileSafetyTest, ALongPromptIdIsRefusedAndTheKeyFileStillOpens) {
  auto sealed = alex_->SealReflection(std::string(300, 'p'), "", "x");
  ASSERT_FALSE(sealed.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(sealed.status())) << sealed.status();
  EXPECT_NE(std::string(sealed.status().message()).find("1 to 64"), std::string::npos);
  alex_.reset();
  auto reopened = Session::Open(Profile::Locate("alex"), pass_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE((*reopened)->SealReflection(std::string(64, 'p'), "", "x").ok());
  EXPECT_TRUE(Session::Open(Profile::Locate("alex"), pass_).ok());
}

}  // namespace
}  // namespace mend::client

namespace mend::client {
namespace {

// Someone with the profile's files but not the passphrase edits them the way
// a text editor would: each edit is caught by the local MACs (exit 3 in the
// CLI), and nothing is changed.
class LocalFilesTest : public TwoPartnersTest {
 protected:
  std::string Read(const std::string& path) { return *base::ReadWholeFile(path); }
  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(base::AtomicWriteFile(path, text, 0600).ok());
  }
  void ExpectOpenRefused(const std::string& name, const std::string& needle) {
    auto opened = Session::Open(Profile::Locate(name), pass_);
    ASSERT_FALSE(opened.ok());
    EXPECT_TRUE(IsVerificationError(opened.status())) << opened.status();
    EXPECT_NE(std::string(opened.status().message()).find(needle), std::string::npos)
        << opened.status();
  }
  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }
};

TEST_F(LocalFilesTest, AnEditedStateFileIsRefusedAndLeftAsItWas) {
  for (uint32_t mood = 1; mood <= 3; ++mood) CheckIn(*alex_, mood);
  ASSERT_TRUE(sam_->Sync().ok());
  sam_.reset();
  const std::string path = Profile::Locate("sam").state_path();
  const std::string original = Read(path);
  // Lower the verified head (to hide a rollback), unmark the safety number as compared.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"verified_seq\": 5", "\"verified_seq\": 2"},
           {"\"safety_confirmed\": true", "\"safety_confirmed\": false"}}) {
    const std::string edited = Replace(original, from, to);
    Write(path, edited);
    ExpectOpenRefused("sam", "state.json");
    EXPECT_EQ(Read(path), edited);  // nothing rewritten
  }
  // A state file whose MAC was removed, once MACs are on, is tampering too.
  auto j = nlohmann::json::parse(original);
  j.erase("mac");
  Write(path, j.dump(2));
  ExpectOpenRefused("sam", "lost its MAC");
  Write(path, original);
  EXPECT_NE(Open("sam"), nullptr);
}

TEST_F(LocalFilesTest, ServerSettingsPointedElsewhereAreRefused) {
  alex_.reset();
  const std::string path = Profile::Locate("alex").config_path();
  const std::string original = Read(path);
  Write(path, Replace(original, address_, "evil.example:7850"));
  ExpectOpenRefused("alex", "config.toml");
  Write(path, original);
  EXPECT_NE(Open("alex"), nullptr);
}

TEST_F(LocalFilesTest, FilesOfAnOlderMendAreAdoptedOnceThenProtected) {
  sam_.reset();
  const Profile profile = Profile::Locate("sam");
  // What an older mend wrote: no MACs anywhere, no tag 5 in the key file.
  auto keys = *crypto::KeyFile::Read(profile.key_path(), pass_);
  keys.local_files_authenticated = false;
  ASSERT_TRUE(
      crypto::KeyFile::Write(profile.key_path(), pass_, keys, crypto::KdfLimits::MinimumForTests())
          .ok());
  auto j = nlohmann::json::parse(Read(profile.state_path()));
  j.erase("mac");
  Write(profile.state_path(), j.dump(2));
  toml::table config = toml::parse_file(profile.config_path());
  config["profiles"]["sam"].as_table()->erase("mac");
  std::ostringstream stripped;
  stripped << config;
  Write(profile.config_path(), stripped.str());
  auto adopted = Session::Open(profile, pass_);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_NE((*adopted)->adoption_note().find("older mend"), std::string::npos);
  adopted->reset();
  auto again = Session::Open(profile, pass_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->adoption_note().empty());  // once
  again->reset();
  Write(profile.state_path(), j.dump(2));  // the MAC removed again: now tampering
  ExpectOpenRefused("sam", "lost its MAC");
}

}  // namespace
}  // namespace mend::client
