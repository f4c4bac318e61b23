// The weekly talk agenda, its prompts, and what is owed (reports due by
// cadence, reviews passed, acknowledgements, answers, reflections).
#include "client/views/talk.h"

#include <gtest/gtest.h>

#include <set>

#include "client/core/session.h"
#include "client/state/obligations.h"
#include "client/views/report.h"
#include "tests/client/synthetic_log.h"

namespace mend::client {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kMonday = 1772445600000;  // 2026-03-02 10:00 UTC

class TalkTest : public ::testing::Test {
 protected:
  TalkTest() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
  uint64_t Add(const std::string& author, const mend::v1::Payload& p, int64_t at) {
    return log_.Add(author, p, at);
  }
  uint64_t AgreedCommitment(mend::v1::Cadence cadence, const std::string& review, int64_t at) {
    mend::v1::Payload p;
    auto* c = p.mutable_commitment_proposal();
    c->set_type(mend::v1::PROPOSAL_TYPE_NEW);
    c->set_title("check in daily");
    c->set_bound(mend::v1::BOUND_PROPOSER);
    c->set_cadence(cadence);
    c->set_review_date(review);
    uint64_t seq = Add(kAlex, p, at);
    mend::v1::Payload r;
    r.mutable_commitment_response()->set_proposal_seq(seq);
    r.mutable_commitment_response()->set_decision(mend::v1::DECISION_ACCEPT);
    Add(kSam, r, at);
    return seq;
  }
  std::vector<Obligation> OwedBy(const std::string& who, int64_t now) {
    state_ = Fold(log_.entries);
    return Obligations(state_, who, LocalDate(now), now);
  }
  static bool Has(const std::vector<Obligation>& v, Owed what, bool mine) {
    for (const auto& o : v) {
      if (o.what == what && o.mine == mine) return true;
    }
    return false;
  }
  SyntheticLog log_{kMonday - 30 * kDay};
  CoupleState state_;
};

TEST_F(TalkTest, DailyReportIsDueTheNextDayUntilReported) {
  uint64_t c = AgreedCommitment(mend::v1::CADENCE_DAILY, "", kMonday);
  EXPECT_FALSE(Has(OwedBy(kAlex, kMonday + 3600 * 1000), Owed::kOutcome, true));
  EXPECT_TRUE(Has(OwedBy(kAlex, kMonday + kDay), Owed::kOutcome, true));
  EXPECT_TRUE(Has(OwedBy(kSam, kMonday + kDay), Owed::kOutcome, false));  // Sam sees Alex owes it
  mend::v1::Payload r;
  r.mutable_commitment_outcome()->set_commitment_seq(c);
  r.mutable_commitment_outcome()->set_outcome(mend::v1::OUTCOME_KEPT);
  Add(kAlex, r, kMonday + kDay);
  EXPECT_FALSE(Has(OwedBy(kAlex, kMonday + kDay + 1000), Owed::kOutcome, true));
}

TEST_F(TalkTest, WeeklyReportIsDueAfterSevenDays) {
  AgreedCommitment(mend::v1::CADENCE_WEEKLY, "", kMonday);
  EXPECT_FALSE(Has(OwedBy(kAlex, kMonday + 6 * kDay), Owed::kOutcome, true));
  EXPECT_TRUE(Has(OwedBy(kAlex, kMonday + 7 * kDay), Owed::kOutcome, true));
}

TEST_F(TalkTest, PassedReviewDateIsOwedByBoth) {
  AgreedCommitment(mend::v1::CADENCE_ONGOING, "2026-03-05", kMonday);
  EXPECT_FALSE(Has(OwedBy(kSam, kMonday + kDay), Owed::kReview, true));
  EXPECT_TRUE(Has(OwedBy(kSam, kMonday + 3 * kDay), Owed::kReview, true));
  EXPECT_TRUE(Has(OwedBy(kAlex, kMonday + 3 * kDay), Owed::kReview, true));
}

TEST_F(TalkTest, UnacknowledgedTriggerIsOwedByThePartner) {
  mend::v1::Payload t;
  t.mutable_trigger()->set_intensity(6);
  Add(kSam, t, kMonday);
  auto owed = OwedBy(kAlex, kMonday);
  EXPECT_TRUE(Has(owed, Owed::kAcknowledgement, true));
  EXPECT_FALSE(Has(OwedBy(kSam, kMonday), Owed::kAcknowledgement, true));
}

TEST_F(TalkTest, AgendaShowsTheWeekLettersAwaitingReplyAndLastFollowUps) {
  mend::v1::Payload c;
  c.mutable_check_in()->set_mood(6);
  Add(kSam, c, kMonday + kDay);
  Add(kSam, c, kMonday + 8 * kDay);  // next week: not on this agenda
  mend::v1::Payload letter;
  letter.mutable_letter()->set_subject("For you");
  letter.mutable_letter()->set_body("...");
  uint64_t l = Add(kAlex, letter, kMonday + kDay);
  mend::v1::Payload notes;
  notes.mutable_talk_notes()->set_week("2026-02-23");
  notes.mutable_talk_notes()->add_follow_ups("plan a walk");
  Add(kAlex, notes, kMonday - 3 * kDay);
  state_ = Fold(log_.entries);
  Agenda a = BuildAgenda(state_, kAlex, "2026-03-02", kMonday + 2 * kDay);
  ASSERT_EQ(a.partners.size(), 2u);
  EXPECT_EQ(a.partners[1].checkins, 1);
  ASSERT_EQ(a.unanswered_letters.size(), 1u);
  ASSERT_EQ(a.last_follow_ups.size(), 1u);
  EXPECT_EQ(a.last_follow_ups[0], "plan a walk");
  EXPECT_EQ(a.prompts.size(), 3u);
  // A reply from the partner takes the letter off the agenda.
  mend::v1::Payload reply = letter;
  reply.mutable_letter()->set_in_reply_to(l);
  Add(kSam, reply, kMonday + 2 * kDay);
  state_ = Fold(log_.entries);
  a = BuildAgenda(state_, kAlex, "2026-03-02", kMonday + 2 * kDay);
  ASSERT_EQ(a.unanswered_letters.size(), 1u);  // only Sam's reply, which awaits Alex
  EXPECT_NE(a.unanswered_letters[0].find("from Sam"), std::string::npos);
}

TEST(TalkPrompts, ThreeDifferentPromptsAndNeverLastWeeksAgain) {
  std::string monday = "2026-01-05";
  std::vector<std::string> last;
  for (int week = 0; week < 200; ++week) {
    auto prompts = PromptsForWeek(monday);
    ASSERT_EQ(prompts.size(), 3u);
    EXPECT_EQ(std::set<std::string>(prompts.begin(), prompts.end()).size(), 3u);
    for (const auto& p : prompts) {
      EXPECT_EQ(std::find(last.begin(), last.end(), p), last.end())
          << "week " << monday << " repeats " << p;
    }
    last = prompts;
    monday = AddDays(monday, 7);
  }
}

}  // namespace
}  // namespace mend::client

namespace mend::client {
namespace {

TEST(TalkMarkdown, APartnersFollowUpCarriesNoMarkupAndStaysOnItsLine) {
  SyntheticLog log(1772445600000 - 30LL * 24 * 3600 * 1000);
  mend::v1::Payload notes;
  notes.mutable_talk_notes()->set_week("2026-02-23");
  notes.mutable_talk_notes()->add_follow_ups(
      "![](https://attacker.example/pixel.png)\n## Fake heading <img src=x>");
  log.Add(kSam, notes, 1772445600000 - 3LL * 24 * 3600 * 1000);
  const CoupleState state = Fold(log.entries);
  const std::string md =
      RenderAgendaMarkdown(BuildAgenda(state, kAlex, "2026-03-02", 1772445600000));
  EXPECT_EQ(md.find("\n## Fake"), std::string::npos) << md;
  for (size_t i = 0; i < md.size(); ++i) {
    if (md[i] == '!' || md[i] == '<' || md[i] == '[') {
      EXPECT_TRUE(i > 0 && md[i - 1] == '\\') << "unescaped " << md[i] << " in " << md;
    }
  }
}

}  // namespace
}  // namespace mend::client
