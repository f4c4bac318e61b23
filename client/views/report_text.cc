// The Markdown and JSON renderings of a Report.
#include <google/protobuf/util/json_util.h>

#include "client/views/report.h"
#include "client/views/text_safety.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

// Text inside a line (a table cell, a title): escaped, on one line.
std::string Cell(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return EscapeMarkdown(s);
}

std::string Mean(double v) { return fmt::format("{:.1f}", v); }

std::string Minutes(double m) {
  if (m < 60) return fmt::format("{:.0f} min", m);
  if (m < 48 * 60) return fmt::format("{:.1f} h", m / 60);
  return fmt::format("{:.1f} days", m / 1440);
}

}  // namespace

std::string RenderMarkdown(const Report& r) {
  std::string out = "# mend report\n\n";
  out += fmt::format("- **Period:** {} to {} (local time)\n", r.options.since, r.options.until);
  std::string names;
  for (const auto& p : r.partners) names += (names.empty() ? "" : " and ") + Cell(p.name);
  out += fmt::format("- **Partners:** {}\n", names);
  out += fmt::format("- **Exported by:** {} on {}\n", Cell(r.exported_by), r.generated_at);
  out += fmt::format("- **Safety number:** {}{}\n", r.safety_number,
                     r.safety_confirmed ? " (confirmed in person)" : " (not yet confirmed)");
  out += fmt::format("- **Verified chain head:** entry {}, hash `{}`, chain code **{}**\n\n",
                     r.head_seq, r.head_hash_hex, r.chain_code);
  out +=
      "Every entry below was signed by its author and verified against one hash chain. If both "
      "partners export, "
      "the chain codes match when they saw the same history.\n\n";

  out += "## Summary\n\n| | ";
  for (const auto& p : r.partners) out += Cell(p.name) + " | ";
  out += "\n|---|";
  for (size_t i = 0; i < r.partners.size(); ++i) out += "---|";
  out += "\n| Check-ins | ";
  for (const auto& p : r.partners) out += std::to_string(p.checkins) + " | ";
  out += "\n| Mean mood (1-10) | ";
  for (const auto& p : r.partners) out += (p.checkins ? Mean(p.mood_mean) : "-") + " | ";
  out += "\n| Mood trend | ";
  for (const auto& p : r.partners) out += (p.mood_trend.empty() ? "-" : p.mood_trend) + " | ";
  out += "\n| Triggers logged | ";
  for (const auto& p : r.partners) out += std::to_string(p.triggers_logged) + " | ";
  out += "\n| Acknowledgements given | ";
  for (const auto& p : r.partners) out += std::to_string(p.acknowledgements_given) + " | ";
  out += "\n\n";

  out += fmt::format("### Triggers\n\n{} triggers, mean intensity {}, {} still open", r.triggers,
                     r.triggers ? Mean(r.trigger_mean_intensity) : "-", r.triggers_open);
  out += r.median_minutes_to_acknowledge ? fmt::format("; median time to acknowledge {}.\n\n",
                                                       Minutes(*r.median_minutes_to_acknowledge))
                                         : ".\n\n";
  if (!r.trigger_weeks.empty()) {
    out += "| Week of | Triggers | Mean intensity |\n|---|---|---|\n";
    for (const auto& w : r.trigger_weeks)
      out += fmt::format("| {} | {} | {} |\n", w.week, w.count, Mean(w.mean_intensity));
    out += "\n";
  }
  out += "### Commitments\n\n";
  if (r.commitments.empty()) {
    out += "No commitments.\n\n";
  } else {
    out +=
        "| # | Commitment | State | Binds | Cadence | Kept | Slipped | Review "
        "|\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& c : r.commitments) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", c.seq, Cell(c.title),
                         c.state, Cell(c.bound), c.cadence, c.kept, c.slipped,
                         c.review_date.empty() ? "-" : c.review_date);
    }
    out += "\n";
  }
  if (!r.open_questions.empty()) {
    out += "### Open questions\n\n";
    for (const auto& q : r.open_questions) out += "- " + Cell(q) + "\n";
    out += "\n";
  }
  if (!r.space_requests.empty()) {
    out += "### Requests for space\n\n";
    for (const auto& s : r.space_requests) out += "- " + Cell(s) + "\n";
    out += "\n";
  }
  out += "## Timeline\n\n";
  if (r.timeline.empty()) out += "No entries in this period.\n";
  for (const auto& t : r.timeline) {
    out +=
        fmt::format("### #{} · {} · {}\n\n**{}**{}\n\n", t.seq, t.when, Cell(t.author),
                    Cell(t.title), t.valid ? "" : " — *invalid: " + Cell(t.invalid_reason) + "*");
    if (!t.body.empty()) {
      std::string quoted = "> ";
      for (char c : EscapeMarkdown(t.body)) {
        quoted.push_back(c);
        if (c == '\n') quoted += "> ";
      }
      out += quoted + "\n\n";
    }
  }
  return out;
}

std::string RenderJson(const Report& r) {
  nlohmann::json j;
  j["schema"] = "mend-export/1";
  j["period"] = {{"since", r.options.since}, {"until", r.options.until}, {"timezone", "local"}};
  j["generated_at"] = r.generated_at;
  j["exported_by"] = r.exported_by;
  j["safety_number"] = r.safety_number;
  j["safety_confirmed"] = r.safety_confirmed;
  j["chain"] = {
      {"head_seq", r.head_seq}, {"head_hash", r.head_hash_hex}, {"chain_code", r.chain_code}};
  nlohmann::json partners = nlohmann::json::array();
  for (const auto& p : r.partners) {
    nlohmann::json moods = nlohmann::json::array();
    for (const auto& m : p.moods)
      moods.push_back({{"date", m.date}, {"unix_ms", m.unix_ms}, {"mood", m.mood}});
    partners.push_back(
        {{"name", p.name},
         {"is_exporter", p.is_me},
         {"checkins", p.checkins},
         {"mood_mean", p.checkins ? nlohmann::json(p.mood_mean) : nlohmann::json(nullptr)},
         {"mood_trend", p.mood_trend},
         {"moods", moods},
         {"triggers_logged", p.triggers_logged},
         {"acknowledgements_given", p.acknowledgements_given}});
  }
  nlohmann::json weeks = nlohmann::json::array();
  for (const auto& w : r.trigger_weeks)
    weeks.push_back({{"week", w.week}, {"count", w.count}, {"mean_intensity", w.mean_intensity}});
  nlohmann::json commitments = nlohmann::json::array();
  for (const auto& c : r.commitments) {
    commitments.push_back({{"seq", c.seq},
                           {"title", c.title},
                           {"state", c.state},
                           {"proposer", c.proposer},
                           {"bound", c.bound},
                           {"cadence", c.cadence},
                           {"review_date", c.review_date},
                           {"kept", c.kept},
                           {"slipped", c.slipped}});
  }
  j["summary"] = {
      {"partners", partners},
      {"triggers",
       {{"count", r.triggers},
        {"open", r.triggers_open},
        {"mean_intensity",
         r.triggers ? nlohmann::json(r.trigger_mean_intensity) : nlohmann::json(nullptr)},
        {"median_minutes_to_acknowledge", r.median_minutes_to_acknowledge
                                              ? nlohmann::json(*r.median_minutes_to_acknowledge)
                                              : nlohmann::json(nullptr)},
        {"weeks", weeks}}},
      {"commitments", commitments},
      {"open_questions", r.open_questions},
      {"space_requests", r.space_requests},
  };
  nlohmann::json entries = nlohmann::json::array();
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  for (const auto& t : r.timeline) {
    std::string payload;
    (void)google::protobuf::util::MessageToJsonString(
        RedactPayload(t.entry->payload, r.options.redact), &payload, opts);
    nlohmann::json e = {{"seq", t.seq},
                        {"created", t.when},
                        {"created_unix_ms", t.unix_ms},
                        {"author", t.author},
                        {"kind", t.kind},
                        {"title", t.title},
                        {"body", t.body},
                        {"valid", t.valid},
                        {"payload", nlohmann::json::parse(payload, nullptr, false)}};
    if (!t.valid) e["invalid_reason"] = t.invalid_reason;
    entries.push_back(e);
  }
  j["entries"] = entries;
  // ASCII only: no control or bidirectional character reaches whoever cats the file.
  return j.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
}

}  // namespace mend::client
