// The curated weekly-talk prompts. They come from the practice the domain
// articles describe: asking what the partner needs, naming what was hard and
// what helped, validating again and again, phasing transparency as trust grows.
#include "client/state/calendar.h"
#include "client/views/report.h"
#include "client/views/talk.h"

namespace mend::client {

const std::vector<std::string>& TalkPrompts() {
  static const std::vector<std::string> kPrompts = {
      "What do you need from me this week?",
      "What was the hardest moment of your week, and what did you do with it?",
      "When did you feel closest to me this week?",
      "What helped most when you were triggered, and what did not?",
      "Is there anything you have been waiting for me to ask about?",
      "Which of our commitments still feels necessary, and which could change?",
      "What is one thing I did this week that rebuilt a little trust?",
      "What are you afraid to tell me, and what would make it safer to say?",
      "How are you taking care of yourself outside of us?",
      "What would you like our next week to look like?",
      "Where did you feel heard this week, and where not?",
      "What do you want me to understand about your pain that I have not yet?",
      "What small ritual could we add or keep that makes us feel like a team?",
  };
  return kPrompts;
}

std::vector<std::string> PromptsForWeek(const std::string& monday) {
  const auto& all = TalkPrompts();
  // Week k takes prompts 3k, 3k+1, 3k+2 (mod n). With n >= 6, windows of
  // neighbouring weeks never overlap, so no prompt repeats from last week.
  const int64_t week = DayIndex(monday) / 7;
  const size_t n = all.size();
  std::vector<std::string> out;
  for (int i = 0; i < 3; ++i)
    out.push_back(all[static_cast<size_t>((week * 3 + i) % static_cast<int64_t>(n))]);
  return out;
}

}  // namespace mend::client
