// The self-contained HTML rendering of a Report: inline CSS and inline SVG
// charts, nothing fetched from anywhere, printable on A4, readable on a phone.
#include <algorithm>

#include "client/state/calendar.h"
#include "client/views/report.h"
#include "client/views/text_safety.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr const char* kColors[2] = {"#2b6cb0", "#c05621"};

std::string Esc(const std::string& s) { return EscapeHtml(s); }

std::string Paragraphs(const std::string& text) {
  std::string out = "<p>";
  for (char c : Esc(text)) {
    if (c == '\n')
      out += "<br>";
    else
      out.push_back(c);
  }
  return out + "</p>";
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a202c;max-width:860px;margin:0 auto;padding:16px;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #e2e8f0;padding-bottom:4px;margin-top:1.6em}
.meta{color:#4a5568;font-size:.92em}.meta dt{font-weight:600;float:left;clear:left;width:11em}.meta dd{margin-left:11.5em}
.code{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.95em}th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f7fafc}.chart{width:100%;height:auto;max-width:680px;display:block;margin:.6em 0}
.entry{border-left:4px solid #cbd5e0;padding:4px 12px;margin:10px 0;break-inside:avoid}
.entry h3{font-size:1em;margin:0}.entry .when{color:#718096;font-size:.85em}.entry p{margin:.3em 0}
.k-trigger{border-color:#c53030}.k-ack{border-color:#38a169}.k-checkin{border-color:#3182ce}.k-letter{border-color:#805ad5}
.k-disclosure{border-color:#d69e2e}.invalid{background:#fff5f5}.legend span{display:inline-block;margin-right:1.2em}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:middle}
.note{color:#4a5568;font-size:.9em}
@media print{body{max-width:none;font-size:10.5pt}h2{break-after:avoid}section{break-inside:avoid-page}}
@page{size:A4;margin:15mm}
)";

std::string MoodChart(const Report& r) {
  const int w = 680, h = 240, left = 36, right = 12, top = 12, bottom = 28;
  const int64_t first = DayIndex(r.options.since), last = DayIndex(r.options.until);
  const double days = static_cast<double>(std::max<int64_t>(1, last - first + 1));
  auto x = [&](const MoodPoint& m) {
    double day = static_cast<double>(DayIndex(m.date) - first) + 0.5;
    return left + (w - left - right) * day / days;
  };
  auto y = [&](double mood) { return top + (h - top - bottom) * (10.0 - mood) / 9.0; };
  std::string svg = fmt::format(
      R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="Mood over time for both partners">)",
      w, h);
  for (int m = 1; m <= 10; m += 3) {
    svg += fmt::format(
        R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e2e8f0"/><text x="4" y="{:.1f}" font-size="11" fill="#718096">{}</text>)",
        left, w - right, y(m), y(m), y(m) + 4, m);
  }
  svg += fmt::format(
      R"(<text x="{}" y="{}" font-size="11" fill="#718096">{}</text><text x="{}" y="{}" font-size="11" fill="#718096" text-anchor="end">{}</text>)",
      left, h - 8, Esc(r.options.since), w - right, h - 8, Esc(r.options.until));
  for (size_t i = 0; i < r.partners.size() && i < 2; ++i) {
    const auto& p = r.partners[i];
    if (p.moods.empty()) continue;
    std::string points;
    for (const auto& m : p.moods) points += fmt::format("{:.1f},{:.1f} ", x(m), y(m.mood));
    svg += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>)",
                       kColors[i], points);
    for (const auto& m : p.moods) {
      svg += fmt::format(
          R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"><title>{} {}: {}/10</title></circle>)",
          x(m), y(m.mood), kColors[i], Esc(p.name), Esc(m.date), m.mood);
    }
  }
  svg += "</svg>";
  std::string legend = "<div class=\"legend\">";
  for (size_t i = 0; i < r.partners.size() && i < 2; ++i) {
    legend += fmt::format(R"(<span><i class="swatch" style="background:{}"></i>{}</span>)",
                          kColors[i], Esc(r.partners[i].name));
  }
  return svg + legend + "</div>";
}

std::string TriggerChart(const Report& r) {
  const int w = 680, h = 200, left = 36, top = 16, bottom = 34;
  int max = 1;
  for (const auto& wk : r.trigger_weeks) max = std::max(max, wk.count);
  const size_t n = std::max<size_t>(1, r.trigger_weeks.size());
  const double slot = static_cast<double>(w - left - 12) / static_cast<double>(n);
  std::string svg = fmt::format(
      R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="Triggers per week with mean intensity">)",
      w, h);
  for (size_t i = 0; i < r.trigger_weeks.size(); ++i) {
    const auto& wk = r.trigger_weeks[i];
    double bh = (h - top - bottom) * static_cast<double>(wk.count) / max;
    double bw = std::min(slot * 0.7, 56.0);
    double bx = left + slot * static_cast<double>(i) + (slot - bw) / 2;
    double opacity = 0.25 + 0.75 * wk.mean_intensity / 10.0;
    svg += fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#c53030" fill-opacity="{:.2f}"><title>week of {}: {} triggers, mean intensity {:.1f}</title></rect>)",
        bx, h - bottom - bh, bw, bh, opacity, Esc(wk.week), wk.count, wk.mean_intensity);
    svg += fmt::format(
        R"(<text x="{:.1f}" y="{:.1f}" font-size="11" text-anchor="middle">{} · {:.1f}</text>)",
        bx + bw / 2, h - bottom - bh - 4, wk.count, wk.mean_intensity);
    svg += fmt::format(
        R"(<text x="{:.1f}" y="{}" font-size="10" fill="#718096" text-anchor="middle">{}</text>)",
        bx + bw / 2, h - 18, Esc(wk.week.substr(5)));
  }
  svg += fmt::format(
      R"(<text x="{}" y="{}" font-size="10" fill="#718096">week of (count · mean intensity; darker is more intense)</text>)",
      left, h - 4);
  return svg + "</svg>";
}

std::string AdherenceChart(const Report& r) {
  std::vector<const CommitmentSummary*> reported;
  for (const auto& c : r.commitments) {
    if (c.kept + c.slipped > 0) reported.push_back(&c);
  }
  if (reported.empty()) return "<p class=\"note\">No kept or slipped reports in this period.</p>";
  const int w = 680, row = 26, label = 260;
  const int h = static_cast<int>(reported.size()) * row + 10;
  std::string svg = fmt::format(
      R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="Commitment adherence">)", w,
      h);
  for (size_t i = 0; i < reported.size(); ++i) {
    const auto& c = *reported[i];
    const double total = c.kept + c.slipped;
    const double width = w - label - 60;
    const double kw = width * c.kept / total;
    const int y = static_cast<int>(i) * row + 5;
    std::string title = c.title.size() > 38 ? c.title.substr(0, 36) + "…" : c.title;
    svg += fmt::format(R"(<text x="0" y="{}" font-size="12">#{} {}</text>)", y + 15, c.seq,
                       Esc(title));
    svg += fmt::format(
        R"(<rect x="{}" y="{}" width="{:.1f}" height="18" fill="#38a169"/><rect x="{:.1f}" y="{}" width="{:.1f}" height="18" fill="#dd6b20"/>)",
        label, y, kw, label + kw, y, width - kw);
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="12">{}/{} kept</text>)",
                       label + width + 6, y + 14, c.kept, c.kept + c.slipped);
  }
  return svg +
         "</svg><div class=\"legend\"><span><i class=\"swatch\" "
         "style=\"background:#38a169\"></i>kept</span>"
         "<span><i class=\"swatch\" style=\"background:#dd6b20\"></i>slipped</span></div>";
}

}  // namespace

std::string RenderHtml(const Report& r) {
  std::string names;
  for (const auto& p : r.partners) names += (names.empty() ? "" : " and ") + p.name;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += fmt::format("<title>mend report: {} ({} to {})</title><style>{}</style></head><body>\n",
                     Esc(names), Esc(r.options.since), Esc(r.options.until), kStyle);
  out += fmt::format("<h1>mend report</h1><p>{}, {} to {}</p>\n", Esc(names), Esc(r.options.since),
                     Esc(r.options.until));
  out += "<dl class=\"meta\">";
  out +=
      fmt::format("<dt>Exported by</dt><dd>{} on {}</dd>", Esc(r.exported_by), Esc(r.generated_at));
  out += fmt::format("<dt>Safety number</dt><dd class=\"code\">{}{}</dd>", Esc(r.safety_number),
                     r.safety_confirmed ? " (confirmed in person)" : " (not yet confirmed)");
  out += fmt::format(
      "<dt>Verified chain head</dt><dd>entry {}, chain code <b>{}</b><br><span "
      "class=\"code\">{}</span></dd>",
      r.head_seq, Esc(r.chain_code), Esc(r.head_hash_hex));
  out +=
      "</dl><p class=\"note\">Every entry was signed by its author and verified on one hash chain. "
      "When both partners "
      "export, their chain codes match if they saw the same history.</p>\n";

  out += "<section><h2>Mood</h2>";
  out += "<table><tr><th></th>";
  for (const auto& p : r.partners) out += "<th>" + Esc(p.name) + "</th>";
  auto row = [&](const char* label, auto value) {
    out += std::string("<tr><th>") + label + "</th>";
    for (const auto& p : r.partners) out += "<td>" + value(p) + "</td>";
    out += "</tr>";
  };
  out += "</tr>";
  row("Check-ins", [](const PartnerSummary& p) { return std::to_string(p.checkins); });
  row("Mean mood (1-10)", [](const PartnerSummary& p) {
    return p.checkins ? fmt::format("{:.1f}", p.mood_mean) : std::string("-");
  });
  row("Trend", [](const PartnerSummary& p) {
    return p.mood_trend.empty() ? std::string("-") : p.mood_trend;
  });
  row("Triggers logged", [](const PartnerSummary& p) { return std::to_string(p.triggers_logged); });
  row("Acknowledgements given",
      [](const PartnerSummary& p) { return std::to_string(p.acknowledgements_given); });
  out += "</table>" + MoodChart(r) + "</section>\n";

  out += "<section><h2>Triggers</h2>";
  out += fmt::format(
      "<p>{} triggers, mean intensity {}, {} still open{}.</p>", r.triggers,
      r.triggers ? fmt::format("{:.1f}", r.trigger_mean_intensity) : "-", r.triggers_open,
      r.median_minutes_to_acknowledge ? fmt::format("; median time to acknowledge {:.0f} minutes",
                                                    *r.median_minutes_to_acknowledge)
                                      : "");
  if (!r.trigger_weeks.empty()) out += TriggerChart(r);
  out += "</section>\n<section><h2>Commitments</h2>";
  if (r.commitments.empty()) {
    out += "<p>No commitments.</p>";
  } else {
    out +=
        "<table><tr><th>#</th><th>Commitment</th><th>State</th><th>Binds</th><th>Cadence</"
        "th><th>Kept</th><th>Slipped</th><th>Review</th></tr>";
    for (const auto& c : r.commitments) {
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</"
          "td><td>{}</td></tr>",
          c.seq, Esc(c.title), Esc(c.state), Esc(c.bound), Esc(c.cadence), c.kept, c.slipped,
          c.review_date.empty() ? "-" : Esc(c.review_date));
    }
    out += "</table>" + AdherenceChart(r);
  }
  out += "</section>\n";
  if (!r.open_questions.empty() || !r.space_requests.empty()) {
    out += "<section><h2>Open items</h2><ul>";
    for (const auto& q : r.open_questions) out += "<li>Open question " + Esc(q) + "</li>";
    for (const auto& s : r.space_requests) out += "<li>" + Esc(s) + "</li>";
    out += "</ul></section>\n";
  }
  out += "<h2>Timeline</h2>\n";
  if (r.timeline.empty())
    out += "<p>No entries in this period. Nothing was written between these dates.</p>\n";
  for (const auto& t : r.timeline) {
    out += fmt::format(
        "<div class=\"entry k-{}{}\"><h3>#{} {}</h3><div class=\"when\">{} · {}</div>", Esc(t.kind),
        t.valid ? "" : " invalid", t.seq, Esc(t.title), Esc(t.when), Esc(t.author));
    if (!t.valid) out += "<p><b>Invalid entry:</b> " + Esc(t.invalid_reason) + "</p>";
    if (!t.body.empty()) out += Paragraphs(t.body);
    out += "</div>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace mend::client
