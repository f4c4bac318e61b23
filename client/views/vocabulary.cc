#include "client/views/vocabulary.h"

#include <cctype>

namespace mend::client {

using namespace mend::v1;

Vocabulary<Feeling> FeelingWords() {
  static constexpr Word<Feeling> kWords[] = {
      {FEELING_CALM, "calm", "calm"},
      {FEELING_HOPEFUL, "hopeful", "hopeful"},
      {FEELING_GRATEFUL, "grateful", "grateful"},
      {FEELING_CONNECTED, "connected", "connected"},
      {FEELING_ANXIOUS, "anxious", "anxious"},
      {FEELING_SAD, "sad", "sad"},
      {FEELING_ANGRY, "angry", "angry"},
      {FEELING_HURT, "hurt", "hurt"},
      {FEELING_LONELY, "lonely", "lonely"},
      {FEELING_ASHAMED, "ashamed", "ashamed"},
      {FEELING_GUILTY, "guilty", "guilty"},
      {FEELING_OVERWHELMED, "overwhelmed", "overwhelmed"},
      {FEELING_NUMB, "numb", "numb"},
      {FEELING_INSECURE, "insecure", "insecure"},
      {FEELING_TIRED, "tired", "tired"},
  };
  return kWords;
}

Vocabulary<Help> HelpWords() {
  static constexpr Word<Help> kWords[] = {
      {HELP_SPACE, "space", "space"}, {HELP_REASSURANCE, "reassurance", "reassurance"},
      {HELP_TALK, "talk", "talk"},    {HELP_CLOSENESS, "closeness", "closeness"},
      {HELP_OTHER, "other", "other"},
  };
  return kWords;
}

Vocabulary<Bound> BoundWords() {
  static constexpr Word<Bound> kWords[] = {
      {BOUND_PROPOSER, "me", "the one who proposes"},
      {BOUND_PARTNER, "partner", "the partner"},
      {BOUND_BOTH, "both", "both"},
  };
  return kWords;
}

Vocabulary<Cadence> CadenceWords() {
  static constexpr Word<Cadence> kWords[] = {
      {CADENCE_DAILY, "daily", "daily"},
      {CADENCE_WEEKLY, "weekly", "weekly"},
      {CADENCE_ONCE, "once", "once"},
      {CADENCE_ONGOING, "ongoing", "ongoing"},
  };
  return kWords;
}

Vocabulary<Decision> DecisionWords() {
  static constexpr Word<Decision> kWords[] = {
      {DECISION_ACCEPT, "accept", "accepts"},
      {DECISION_DECLINE, "decline", "declines"},
      {DECISION_REQUEST_CHANGES, "request-changes", "asks for changes to"},
  };
  return kWords;
}

Vocabulary<Outcome> OutcomeWords() {
  static constexpr Word<Outcome> kWords[] = {
      {OUTCOME_KEPT, "kept", "kept"},
      {OUTCOME_SLIPPED, "slipped", "slipped on"},
  };
  return kWords;
}

Vocabulary<Contact> ContactWords() {
  static constexpr Word<Contact> kWords[] = {
      {CONTACT_NONE, "none", "no contact"},
      {CONTACT_URGENT_ONLY, "urgent", "urgent only"},
      {CONTACT_CHECKINS_ONLY, "checkins", "check-ins welcome"},
  };
  return kWords;
}

Vocabulary<DisclosureMode> DisclosureModeWords() {
  static constexpr Word<DisclosureMode> kWords[] = {
      {DISCLOSURE_MODE_PROACTIVE, "proactive", "tell me proactively"},
      {DISCLOSURE_MODE_WHEN_ASKED, "when-asked", "only when I ask"},
      {DISCLOSURE_MODE_ASK_FIRST, "ask-first", "ask me first"},
  };
  return kWords;
}

std::string Capitalized(std::string phrase) {
  if (!phrase.empty())
    phrase[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(phrase[0])));
  return phrase;
}

}  // namespace mend::client
