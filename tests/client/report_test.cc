// The therapist report on a history written through the real client path
// (sessions, a real server, verified sync), spread over weeks with a test clock.
#include "client/views/report.h"

#include <gtest/gtest.h>

#include "crypto/safety_number.h"
#include "nlohmann/json.hpp"
#include "tests/client/two_partners.h"

namespace mend::client {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kMinute = 60LL * 1000;
constexpr int64_t kMonday = 1772445600000;  // 2026-03-02 10:00 UTC, a Monday

class ReportTest : public TwoPartnersTest {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    now_ = kMonday - kDay;  // paired the day before
    clock_ = [this] { return now_; };
    TwoPartnersTest::SetUp();
    WriteHistory();
  }
  uint64_t Write(Session& s, int64_t at, const mend::v1::Payload& p) {
    now_ = at;
    auto seq = s.Append(p);
    EXPECT_TRUE(seq.ok()) << seq.status();
    return seq.value_or(0);
  }
  uint64_t CheckInAt(Session& s, int64_t at, uint32_t mood, const std::string& note = "") {
    mend::v1::Payload p;
    p.mutable_check_in()->set_mood(mood);
    p.mutable_check_in()->set_note(note);
    return Write(s, at, p);
  }
  uint64_t TriggerAt(Session& s, int64_t at, uint32_t intensity) {
    mend::v1::Payload p;
    p.mutable_trigger()->set_intensity(intensity);
    p.mutable_trigger()->set_what_happened("a reminder of that time");
    return Write(s, at, p);
  }
  uint64_t AckAt(Session& s, int64_t at, uint64_t trigger) {
    mend::v1::Payload p;
    p.mutable_acknowledgement()->set_trigger_seq(trigger);
    p.mutable_acknowledgement()->set_message("I hear you");
    return Write(s, at, p);
  }
  void Report(Session& s, int64_t at, uint64_t c, mend::v1::Outcome o) {
    mend::v1::Payload p;
    p.mutable_commitment_outcome()->set_commitment_seq(c);
    p.mutable_commitment_outcome()->set_outcome(o);
    Write(s, at, p);
  }
  void WriteHistory() {
    CheckInAt(*alex_, kMonday, 4, "private note");
    CheckInAt(*sam_, kMonday + kMinute, 6);
    uint64_t t1 = TriggerAt(*sam_, kMonday + kDay, 8);
    AckAt(*alex_, kMonday + kDay + 30 * kMinute, t1);
    mend::v1::Payload prop;
    prop.mutable_commitment_proposal()->set_type(mend::v1::PROPOSAL_TYPE_NEW);
    prop.mutable_commitment_proposal()->set_title("No contact with X");
    prop.mutable_commitment_proposal()->set_bound(mend::v1::BOUND_PROPOSER);
    commitment_ = Write(*alex_, kMonday + 2 * kDay, prop);
    mend::v1::Payload accept;
    accept.mutable_commitment_response()->set_proposal_seq(commitment_);
    accept.mutable_commitment_response()->set_decision(mend::v1::DECISION_ACCEPT);
    Write(*sam_, kMonday + 2 * kDay + kMinute, accept);
    Report(*alex_, kMonday + 3 * kDay, commitment_, mend::v1::OUTCOME_KEPT);
    uint64_t t2 = TriggerAt(*sam_, kMonday + 8 * kDay, 4);
    AckAt(*alex_, kMonday + 8 * kDay + 120 * kMinute, t2);
    TriggerAt(*sam_, kMonday + 9 * kDay, 6);  // stays open
    Report(*alex_, kMonday + 9 * kDay, commitment_, mend::v1::OUTCOME_KEPT);
    Report(*alex_, kMonday + 10 * kDay, commitment_, mend::v1::OUTCOME_SLIPPED);
    mend::v1::Payload letter;
    letter.mutable_letter()->set_subject("Sunday");
    letter.mutable_letter()->set_body("I am sorry. <script>alert(1)</script> & more");
    Write(*alex_, kMonday + 9 * kDay + kMinute, letter);
    CheckInAt(*alex_, kMonday + 9 * kDay + 2 * kMinute, 6);
    mend::v1::Payload q;
    q.mutable_question()->set_text("When can we talk?");
    Write(*sam_, kMonday + 10 * kDay, q);
    CheckInAt(*alex_, kMonday + 20 * kDay, 9);  // after the period
    ASSERT_TRUE(alex_->Sync().ok());
  }
  client::Report Build(const std::string& since, const std::string& until,
                       std::set<std::string> redact = {}) {
    ReportContext ctx;
    ctx.couple = &alex_->couple();
    ctx.me = alex_->state().sign_pk;
    ctx.safety_number = "12345";
    ctx.head_seq = alex_->head().seq;
    ctx.head_hash = alex_->head().hash;
    ReportOptions o;
    o.since = since;
    o.until = until;
    o.redact = std::move(redact);
    o.now_unix_ms = kMonday + 30 * kDay;
    return BuildReport(ctx, o);
  }
  uint64_t commitment_ = 0;
  int64_t now_ = 0;
};

TEST_F(ReportTest, SummaryCountsMoodsTriggersAndAdherence) {
  auto r = Build("2026-03-02", "2026-03-15");
  ASSERT_EQ(r.partners.size(), 2u);
  EXPECT_EQ(r.partners[0].name, "Alex");
  EXPECT_EQ(r.partners[0].checkins, 2);
  EXPECT_DOUBLE_EQ(r.partners[0].mood_mean, 5.0);
  EXPECT_EQ(r.partners[1].checkins, 1);
  EXPECT_DOUBLE_EQ(r.partners[1].mood_mean, 6.0);
  EXPECT_EQ(r.triggers, 3);
  EXPECT_EQ(r.triggers_open, 1);
  EXPECT_DOUBLE_EQ(r.trigger_mean_intensity, 6.0);
  ASSERT_TRUE(r.median_minutes_to_acknowledge.has_value());
  EXPECT_DOUBLE_EQ(*r.median_minutes_to_acknowledge, 75.0);
  ASSERT_EQ(r.trigger_weeks.size(), 2u);
  EXPECT_EQ(r.trigger_weeks[0].week, "2026-03-02");
  EXPECT_EQ(r.trigger_weeks[0].count, 1);
  EXPECT_EQ(r.trigger_weeks[1].week, "2026-03-09");
  EXPECT_EQ(r.trigger_weeks[1].count, 2);
  EXPECT_DOUBLE_EQ(r.trigger_weeks[1].mean_intensity, 5.0);
  ASSERT_EQ(r.commitments.size(), 1u);
  EXPECT_EQ(r.commitments[0].kept, 2);
  EXPECT_EQ(r.commitments[0].slipped, 1);
  EXPECT_EQ(r.commitments[0].state, "agreed");
  ASSERT_EQ(r.open_questions.size(), 1u);
}

TEST_F(ReportTest, PeriodBoundariesAreInclusiveLocalDays) {
  auto all = Build("2026-03-02", "2026-03-15");
  for (const auto& t : all.timeline) EXPECT_LT(t.unix_ms, kMonday + 14 * kDay);
  auto later = Build("2026-03-03", "2026-03-15");
  EXPECT_EQ(later.partners[0].checkins, 1);  // Monday's check-in is out
  auto narrow = Build("2026-03-11", "2026-03-11");
  ASSERT_EQ(narrow.commitments.size(), 1u);
  EXPECT_EQ(narrow.commitments[0].kept, 1);
  EXPECT_EQ(narrow.commitments[0].slipped, 0);
  EXPECT_EQ(Build("2026-03-10", "2026-03-10").commitments[0].kept, 0);
  auto day12 = Build("2026-03-12", "2026-03-12");
  EXPECT_EQ(day12.commitments[0].slipped, 1);
  auto last = Build("2026-03-22", "2026-03-22");
  ASSERT_EQ(last.timeline.size(), 1u);
  EXPECT_EQ(last.partners[0].moods.at(0).mood, 9u);
}

TEST_F(ReportTest, EmptyPeriodIsAFriendlyReport) {
  auto r = Build("2027-01-01", "2027-01-31");
  EXPECT_TRUE(r.timeline.empty());
  EXPECT_NE(RenderMarkdown(r).find("No entries in this period"), std::string::npos);
  EXPECT_NE(RenderHtml(r).find("No entries in this period"), std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(RenderJson(r))["entries"].empty());
}

TEST_F(ReportTest, HtmlEscapesEntryTextAndIsSelfContained) {
  std::string html = RenderHtml(Build("2026-03-02", "2026-03-15"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("//"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Mood over time"), std::string::npos);
  EXPECT_NE(html.find("Commitment adherence"), std::string::npos);
}

TEST_F(ReportTest, RedactionRemovesTheTextEverywhere) {
  auto r = Build("2026-03-02", "2026-03-15", {"notes", "letters"});
  for (const std::string& out : {RenderMarkdown(r), RenderHtml(r), RenderJson(r)}) {
    EXPECT_EQ(out.find("private note"), std::string::npos);
    EXPECT_EQ(out.find("I am sorry"), std::string::npos);
    // Markdown escapes the brackets ("\\[redacted\\]"); each renders as "[redacted]".
    EXPECT_NE(out.find("redacted"), std::string::npos);
  }
  // Without redaction the text is there.
  EXPECT_NE(RenderMarkdown(Build("2026-03-02", "2026-03-15")).find("private note"),
            std::string::npos);
}

TEST_F(ReportTest, JsonCarriesTheRawValuesAndTheSummary) {
  auto j = nlohmann::json::parse(RenderJson(Build("2026-03-02", "2026-03-15")));
  EXPECT_EQ(j["schema"], "mend-export/1");
  EXPECT_EQ(j["summary"]["triggers"]["count"], 3);
  EXPECT_EQ(j["summary"]["triggers"]["median_minutes_to_acknowledge"], 75.0);
  EXPECT_EQ(j["summary"]["commitments"][0]["kept"], 2);
  EXPECT_EQ(j["chain"]["head_seq"], alex_->head().seq);
  bool saw_checkin = false;
  for (const auto& e : j["entries"]) {
    if (e["kind"] == "checkin" && e["author"] == "Sam") {
      EXPECT_EQ(e["payload"]["check_in"]["mood"], 6);
      saw_checkin = true;
    }
  }
  EXPECT_TRUE(saw_checkin);
}

TEST_F(ReportTest, MarkdownHasSummaryTables) {
  std::string md = RenderMarkdown(Build("2026-03-02", "2026-03-15"));
  EXPECT_NE(md.find("| Check-ins | 2 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2026-03-09 | 2 | 5.0 |"), std::string::npos);
  EXPECT_NE(md.find("No contact with X"), std::string::npos);
}

TEST(ReportDates, WeeksStartOnMondayAndPeriodsCountBack) {
  EXPECT_EQ(WeekOf("2026-03-08"), "2026-03-02");
  EXPECT_EQ(WeekOf("2026-03-02"), "2026-03-02");
  EXPECT_EQ(AddDays("2026-02-28", 1), "2026-03-01");
  EXPECT_EQ(*PeriodStart("2w", "2026-03-15"), "2026-03-02");
  EXPECT_FALSE(PeriodStart("2y", "2026-03-15").ok());
}

}  // namespace
}  // namespace mend::client
