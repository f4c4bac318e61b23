// The therapist report: what an export shows for a period, derived from the
// verified, folded log. Renderers (Markdown, JSON, HTML) only format a Report.
#ifndef MEND_CLIENT_VIEWS_REPORT_H_
#define MEND_CLIENT_VIEWS_REPORT_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/state/fold.h"
#include "client/views/redaction.h"

namespace mend::client {

struct ReportOptions {
  std::string since;                           // YYYY-MM-DD, local, inclusive
  std::string until;                           // YYYY-MM-DD, local, inclusive
  std::set<mend::v1::Payload::KindCase> only;  // empty: every kind
  std::set<std::string> redact;  // RedactionWords(): notes, letters, questions, answers,
                                 // disclosures, triggers, reflections
  int64_t now_unix_ms = 0;
};

struct MoodPoint {
  std::string date;  // YYYY-MM-DD
  int64_t unix_ms = 0;
  uint32_t mood = 0;
};

struct PartnerSummary {
  std::string name;
  bool is_me = false;
  int checkins = 0;
  double mood_mean = 0;
  std::string mood_trend;  // "rising", "steady", "falling", or "" with too few check-ins
  std::vector<MoodPoint> moods;
  int triggers_logged = 0;
  int acknowledgements_given = 0;
};

struct WeekTriggers {
  std::string week;  // Monday, YYYY-MM-DD
  int count = 0;
  double mean_intensity = 0;
};

struct CommitmentSummary {
  uint64_t seq = 0;
  std::string title;
  std::string state;
  std::string proposer;
  std::string bound;
  std::string cadence;
  std::string review_date;
  int kept = 0;  // reports in the period
  int slipped = 0;
};

struct TimelineItem {
  uint64_t seq = 0;
  int64_t unix_ms = 0;
  std::string when;  // local "YYYY-MM-DD HH:MM"
  std::string author;
  std::string kind;
  std::string title;  // one line
  std::string body;   // several lines, may be empty
  bool valid = true;
  std::string invalid_reason;
  const crypto::OpenedEntry* entry = nullptr;  // for the JSON renderer's raw values
};

struct Report {
  ReportOptions options;
  std::string generated_at;  // local "YYYY-MM-DD HH:MM"
  std::string exported_by;
  std::string safety_number;
  bool safety_confirmed = false;
  uint64_t head_seq = 0;
  std::string head_hash_hex;
  std::string chain_code;
  std::vector<PartnerSummary> partners;  // exporter first
  std::vector<WeekTriggers> trigger_weeks;
  int triggers = 0;
  int triggers_open = 0;
  double trigger_mean_intensity = 0;
  std::optional<double> median_minutes_to_acknowledge;
  std::vector<CommitmentSummary> commitments;
  std::vector<std::string> open_questions;
  std::vector<std::string> space_requests;
  std::vector<TimelineItem> timeline;
};

struct ReportContext {
  const CoupleState* couple = nullptr;
  std::string me;  // my sign_pk
  std::string safety_number;
  bool safety_confirmed = false;
  uint64_t head_seq = 0;
  std::string head_hash;
};

Report BuildReport(const ReportContext& context, const ReportOptions& options);

// "2w", "10d", "3m" before `today` (YYYY-MM-DD): the first day of that period.
absl::StatusOr<std::string> PeriodStart(const std::string& last, const std::string& today);

std::string RenderMarkdown(const Report& report);
std::string RenderJson(const Report& report);
std::string RenderHtml(const Report& report);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_REPORT_H_
