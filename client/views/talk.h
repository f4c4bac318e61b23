// The weekly talk agenda (`mend talk`), derived from the verified log, never
// stored: each partner's week, triggers and how they were met, commitments
// due, open questions, letters awaiting a reply, the last talk's follow-ups,
// and three prompts from a small curated set that rotates by week.
#ifndef MEND_CLIENT_VIEWS_TALK_H_
#define MEND_CLIENT_VIEWS_TALK_H_

#include <optional>
#include <string>
#include <vector>

#include "client/state/fold.h"

namespace mend::client {

struct AgendaPartner {
  std::string name;
  int checkins = 0;
  double mood_mean = 0;
  std::vector<uint32_t> moods;
};

struct AgendaTrigger {
  uint64_t seq = 0;
  std::string author;
  uint32_t intensity = 0;
  std::string what;
  bool acknowledged = false;
  std::optional<double> minutes_to_acknowledge;
};

struct Agenda {
  std::string week;      // Monday, YYYY-MM-DD
  std::string week_end;  // Sunday
  std::vector<AgendaPartner> partners;
  std::vector<AgendaTrigger> triggers;
  std::vector<std::string> commitments_due;
  std::vector<std::string> open_questions;
  std::vector<std::string> unanswered_letters;
  std::string last_talk_week;
  std::string last_talk_agreed;
  std::vector<std::string> last_follow_ups;
  std::vector<std::string> reflections;
  std::vector<std::string> prompts;
};

// The curated prompts (data shipped with mend), and this week's three:
// consecutive weeks never share a prompt.
const std::vector<std::string>& TalkPrompts();
std::vector<std::string> PromptsForWeek(const std::string& monday);

Agenda BuildAgenda(const CoupleState& couple, const Bytes& me, const std::string& monday,
                   int64_t now_unix_ms);
std::string RenderAgendaText(const Agenda& agenda);
std::string RenderAgendaMarkdown(const Agenda& agenda);
std::string RenderAgendaJson(const Agenda& agenda);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_TALK_H_
