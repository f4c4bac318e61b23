#include "client/views/talk.h"

#include "client/state/calendar.h"
#include "client/state/obligations.h"
#include "client/views/obligation_text.h"
#include "client/views/report.h"
#include "client/views/text_safety.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {

Agenda BuildAgenda(const CoupleState& c, const Bytes& me, const std::string& monday, int64_t now) {
  Agenda a;
  a.week = monday;
  a.week_end = AddDays(monday, 6);
  auto in_week = [&](int64_t ms) {
    std::string d = LocalDate(ms);
    return d >= a.week && d <= a.week_end;
  };
  std::vector<const Member*> order;
  if (const Member* m = c.FindMember(me)) order.push_back(m);
  if (const Member* p = c.Partner(me)) order.push_back(p);
  for (const Member* m : order) {
    AgendaPartner p;
    p.name = m->name;
    for (const FoldedEntry& f : c.entries) {
      const auto& e = *f.entry;
      if (f.valid && e.payload.has_check_in() && e.header.author() == m->sign_pk &&
          in_week(f.unix_ms)) {
        ++p.checkins;
        p.moods.push_back(e.payload.check_in().mood());
      }
    }
    double sum = 0;
    for (uint32_t mood : p.moods) sum += mood;
    p.mood_mean = p.moods.empty() ? 0 : sum / static_cast<double>(p.moods.size());
    a.partners.push_back(p);
  }
  for (const auto& [seq, t] : c.triggers) {
    if (!in_week(t.created_unix_ms) && t.ack_seq != 0)
      continue;  // open ones from earlier weeks stay on the agenda
    AgendaTrigger at{
        seq, c.NameOf(t.author), t.trigger.intensity(), t.trigger.what_happened(), t.ack_seq != 0,
        {}};
    if (t.ack_seq != 0)
      at.minutes_to_acknowledge = static_cast<double>(t.ack_unix_ms - t.created_unix_ms) / 60000.0;
    a.triggers.push_back(at);
  }
  const std::string today = LocalDate(now);
  for (const Obligation& o : Obligations(c, me, today, now)) {
    if (o.what == Owed::kOutcome || o.what == Owed::kReview)
      a.commitments_due.push_back(DescribeObligation(o, /*with_subject=*/true));
  }
  for (const auto& [seq, q] : c.questions) {
    if (q.answer_seq == 0)
      a.open_questions.push_back(
          fmt::format("#{} from {}: {}", seq, c.NameOf(q.author), q.question.text()));
  }
  std::map<uint64_t, const FoldedEntry*> letters;
  for (const FoldedEntry& f : c.entries) {
    if (f.valid && f.entry->payload.has_letter()) letters[f.entry->header.seq()] = &f;
  }
  for (const auto& [seq, f] : letters) {
    bool replied = false;
    for (const auto& [other_seq, g] : letters) {
      if (g->entry->payload.letter().in_reply_to() == seq &&
          g->entry->header.author() != f->entry->header.author()) {
        replied = true;
      }
    }
    if (!replied) {
      a.unanswered_letters.push_back(fmt::format("#{} from {}: \"{}\"", seq,
                                                 c.NameOf(f->entry->header.author()),
                                                 f->entry->payload.letter().subject()));
    }
  }
  for (const FoldedEntry& f : c.entries) {
    const auto& e = *f.entry;
    if (!f.valid || !e.payload.has_talk_notes() || e.payload.talk_notes().week() >= a.week)
      continue;
    a.last_talk_week = e.payload.talk_notes().week();
    a.last_talk_agreed = e.payload.talk_notes().agreed();
    a.last_follow_ups.assign(e.payload.talk_notes().follow_ups().begin(),
                             e.payload.talk_notes().follow_ups().end());
  }
  for (const auto& [prompt, by_author] : c.sealed) {
    std::string who;
    bool all_revealed = by_author.size() == 2;
    for (const auto& [author, rec] : by_author) {
      who += (who.empty() ? "" : " and ") + c.NameOf(author);
      all_revealed = all_revealed && rec.reveal_seq != 0;
    }
    a.reflections.push_back(fmt::format("'{}': {} ({})", prompt,
                                        all_revealed ? "both answers revealed" : "sealed",
                                        "answered by " + who));
  }
  a.prompts = PromptsForWeek(monday);
  return a;
}

namespace {

std::string Minutes(double m) {
  if (m < 60) return fmt::format("{:.0f} min", m);
  if (m < 48 * 60) return fmt::format("{:.1f} h", m / 60);
  return fmt::format("{:.1f} days", m / 1440);
}

// One renderer for text and Markdown: they differ only in headings and bullets.
std::string Render(const Agenda& a, bool markdown) {
  std::string out = markdown ? fmt::format("# Weekly talk, week of {}\n\n", a.week)
                             : fmt::format("Weekly talk, week of {} to {}\n", a.week, a.week_end);
  auto heading = [&](const std::string& h) {
    out += markdown ? "\n## " + h + "\n\n" : "\n" + h + "\n";
  };
  // A bullet holds partner text: on one line, so it cannot fake another
  // bullet or heading, and in Markdown escaped, so it carries no markup.
  auto bullet = [&](std::string line) {
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out += (markdown ? "- " + EscapeMarkdown(line) : "  - " + line) + "\n";
  };
  heading("How each of us was");
  for (const auto& p : a.partners) {
    std::string moods;
    for (uint32_t m : p.moods) moods += (moods.empty() ? "" : " ") + std::to_string(m);
    bullet(p.checkins ? fmt::format("{}: {} check-ins, mean mood {:.1f} ({})", p.name, p.checkins,
                                    p.mood_mean, moods)
                      : fmt::format("{}: no check-ins this week", p.name));
  }
  heading("Triggers");
  if (a.triggers.empty()) bullet("none this week");
  for (const auto& t : a.triggers) {
    bullet(fmt::format("#{} {} ({}/10): {} — {}", t.seq, t.author, t.intensity, t.what,
                       t.acknowledged ? "acknowledged in " + Minutes(*t.minutes_to_acknowledge)
                                      : "NOT YET ACKNOWLEDGED"));
  }
  heading("Commitments due");
  if (a.commitments_due.empty()) bullet("nothing due");
  for (const auto& c : a.commitments_due) bullet(c);
  heading("Open questions");
  if (a.open_questions.empty()) bullet("none");
  for (const auto& q : a.open_questions) bullet(q);
  heading("Letters awaiting a reply");
  if (a.unanswered_letters.empty()) bullet("none");
  for (const auto& l : a.unanswered_letters) bullet(l);
  heading(a.last_talk_week.empty() ? "Follow-ups from the last talk"
                                   : "Follow-ups from the talk of " + a.last_talk_week);
  if (a.last_follow_ups.empty()) bullet(a.last_talk_week.empty() ? "no talk recorded yet" : "none");
  for (const auto& f : a.last_follow_ups) bullet(f);
  if (!a.reflections.empty()) {
    heading("Reflections");
    for (const auto& r : a.reflections) bullet(r);
  }
  heading("To talk about");
  for (const auto& p : a.prompts) bullet(p);
  return out;
}

}  // namespace

std::string RenderAgendaText(const Agenda& a) { return Render(a, false); }
std::string RenderAgendaMarkdown(const Agenda& a) { return Render(a, true); }

std::string RenderAgendaJson(const Agenda& a) {
  nlohmann::json partners = nlohmann::json::array(), triggers = nlohmann::json::array();
  for (const auto& p : a.partners) {
    partners.push_back(
        {{"name", p.name},
         {"checkins", p.checkins},
         {"mood_mean", p.checkins ? nlohmann::json(p.mood_mean) : nlohmann::json(nullptr)},
         {"moods", p.moods}});
  }
  for (const auto& t : a.triggers) {
    triggers.push_back({{"seq", t.seq},
                        {"author", t.author},
                        {"intensity", t.intensity},
                        {"what", t.what},
                        {"acknowledged", t.acknowledged},
                        {"minutes_to_acknowledge", t.minutes_to_acknowledge
                                                       ? nlohmann::json(*t.minutes_to_acknowledge)
                                                       : nlohmann::json(nullptr)}});
  }
  nlohmann::json j = {{"week", a.week},
                      {"week_end", a.week_end},
                      {"partners", partners},
                      {"triggers", triggers},
                      {"commitments_due", a.commitments_due},
                      {"open_questions", a.open_questions},
                      {"unanswered_letters", a.unanswered_letters},
                      {"last_talk",
                       {{"week", a.last_talk_week},
                        {"agreed", a.last_talk_agreed},
                        {"follow_ups", a.last_follow_ups}}},
                      {"reflections", a.reflections},
                      {"prompts", a.prompts}};
  return j.dump(2) + "\n";
}

}  // namespace mend::client
