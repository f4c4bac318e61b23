// Commands that write an entry.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "base/atomic_file.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/refuse_text.h"
#include "client/cli/text_input.h"
#include "client/core/reminder_summary.h"
#include "client/state/kinds/kind.h"
#include "client/views/vocabulary.h"
#include "crypto/bytes.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

using mend::v1::Payload;

std::string Lowercase(std::string word) {
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

absl::StatusOr<mend::v1::Feeling> ParseFeeling(const std::string& word) {
  auto feeling = FromCliWord(FeelingWords(), Lowercase(word));
  if (!feeling) {
    return absl::InvalidArgumentError(
        fmt::format("unknown feeling '{}'; use one of {} (words of your own go in other_feelings)",
                    word, ListOfCliWords(FeelingWords())));
  }
  return *feeling;
}

// The body from --body-file, the --input's "body", or $EDITOR on a private
// file inside the profile directory (mode 0600), removed afterwards with the
// editor's usual backup files.
absl::StatusOr<std::string> ComposeText(const Session& session, const std::string& body_file,
                                        TextInput& text) {
  if (!body_file.empty()) return base::ReadWholeFile(body_file);
  if (text.has("body")) return text.Get("body", "", true);
  const char* editor = std::getenv("EDITOR");
  if (editor == nullptr || *editor == '\0') {
    return absl::InvalidArgumentError("no $EDITOR set; set EDITOR or give --body-file FILE");
  }
  std::string path =
      session.profile().dir() + "/.draft-" + base::ToHex(crypto::RandomBytes(6)) + ".md";
  RETURN_IF_ERROR(base::AtomicWriteFile(path, "", 0600));
  std::string command = fmt::format("{} '{}'", editor, path);
  int rc = std::system(command.c_str());
  auto body = base::ReadWholeFile(path);
  std::error_code ignored;
  for (const std::string& leftover :
       {path, path + "~", path + ".swp", path + ".bak", path + ".orig"}) {
    std::filesystem::remove(leftover, ignored);
  }
  const auto dir = std::filesystem::path(path).parent_path();
  const std::string name = std::filesystem::path(path).filename().string();
  std::filesystem::remove(dir / ("." + name + ".swp"), ignored);  // vim
  std::filesystem::remove(dir / ("#" + name + "#"), ignored);     // emacs
  if (rc != 0)
    return absl::AbortedError(
        fmt::format("the editor exited with status {}; nothing was written", rc));
  return body;
}

struct CheckInArgs {
  int mood = 0;
  std::vector<std::string> feelings;  // from the shared vocabulary
};
struct TriggerArgs {
  int intensity = 0;
  std::vector<std::string> feelings, help;
};
struct LetterArgs {
  std::string body_file;
  uint64_t reply_to = 0;
};
struct SpaceArgs {
  std::string until, contact = "urgent";
  bool end = false;
};

absl::Status RunCheckIn(const GlobalOptions& g, CheckInArgs a) {
  ASSIGN_OR_RETURN(TextInput text,
                   TextInput::Load(g.input, {"needs", "gratitude", "note", "other_feelings"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  if (a.mood == 0) {
    if (!AtTerminal())
      return absl::InvalidArgumentError("--mood 1..10 is required when not at a terminal");
    std::string mood = AskLine("mood, 1 (very low) to 10 (very good):");
    a.mood = std::atoi(mood.c_str());
    std::string feelings = AskLine("feelings (e.g. hopeful anxious), blank for none:");
    size_t at = 0;
    while (at < feelings.size()) {
      size_t end = feelings.find_first_of(" ,", at);
      std::string w = feelings.substr(at, end == std::string::npos ? std::string::npos : end - at);
      if (!w.empty()) a.feelings.push_back(w);
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  Payload p;
  auto* c = p.mutable_check_in();
  c->set_mood(static_cast<uint32_t>(std::max(0, a.mood)));
  for (const auto& f : a.feelings) {
    ASSIGN_OR_RETURN(auto feeling, ParseFeeling(f));
    c->add_feelings(feeling);
  }
  ASSIGN_OR_RETURN(*c->mutable_needs(),
                   text.Get("needs", "what do you need from your partner? (blank: nothing)"));
  ASSIGN_OR_RETURN(*c->mutable_gratitude(),
                   text.Get("gratitude", "something you appreciated? (blank: nothing)"));
  ASSIGN_OR_RETURN(*c->mutable_note(), text.Get("note", "anything else? (blank: nothing)"));
  ASSIGN_OR_RETURN(
      auto own_words,
      text.GetList("other_feelings", "feelings in your own words, separated by ';' (blank: none)"));
  for (auto& w : own_words) c->add_other_feelings(std::move(w));
  return WriteEntry(*session, g, p);
}

absl::Status RunTrigger(const GlobalOptions& g, const TriggerArgs& a) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"what_happened", "note"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  auto* t = p.mutable_trigger();
  t->set_intensity(static_cast<uint32_t>(std::max(0, a.intensity)));
  ASSIGN_OR_RETURN(*t->mutable_what_happened(), text.Get("what_happened", "what happened?", true));
  ASSIGN_OR_RETURN(*t->mutable_note(), text.Get("note", "anything else? (blank: nothing)"));
  for (const auto& f : a.feelings) {
    ASSIGN_OR_RETURN(auto feeling, ParseFeeling(f));
    t->add_feelings(feeling);
  }
  for (const auto& h : a.help) {
    auto help = FromCliWord(HelpWords(), Lowercase(h));
    if (!help) {
      return absl::InvalidArgumentError(
          fmt::format("unknown --help-with '{}'; use {}", h, ListOfCliWords(HelpWords())));
    }
    t->add_would_help(*help);
  }
  return WriteEntry(*session, g, p);
}

absl::Status RunAck(const GlobalOptions& g, uint64_t seq) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"message"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  p.mutable_acknowledgement()->set_trigger_seq(seq);
  ASSIGN_OR_RETURN(*p.mutable_acknowledgement()->mutable_message(),
                   text.Get("message", "what do you want them to hear? (blank: acknowledge only)"));
  return WriteEntry(*session, g, p);
}

absl::Status RunAsk(const GlobalOptions& g, const std::string& topic) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"text"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  ASSIGN_OR_RETURN(*p.mutable_question()->mutable_text(), text.Get("text", "your question:", true));
  p.mutable_question()->set_topic(topic);
  return WriteEntry(*session, g, p);
}

absl::Status RunAnswer(const GlobalOptions& g, uint64_t seq, bool confirm) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"text"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  auto q = session->couple().questions.find(seq);
  if (q != session->couple().questions.end()) {
    RETURN_IF_ERROR(CheckDisclosurePreference(*session, q->second.question.topic(), confirm));
  }
  Payload p;
  p.mutable_answer()->set_question_seq(seq);
  ASSIGN_OR_RETURN(*p.mutable_answer()->mutable_text(), text.Get("text", "your answer:", true));
  return WriteEntry(*session, g, p);
}

absl::Status RunLetter(const GlobalOptions& g, const LetterArgs& a) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"subject", "body"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  ASSIGN_OR_RETURN(std::string subject, text.Get("subject", "subject? (blank: none)"));
  ASSIGN_OR_RETURN(std::string body, ComposeText(*session, a.body_file, text));
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("the letter is empty; nothing was written");
  }
  Payload p;
  p.mutable_letter()->set_subject(subject);
  p.mutable_letter()->set_body(body);
  p.mutable_letter()->set_in_reply_to(a.reply_to);
  return WriteEntry(*session, g, p);
}

absl::Status RunDisclose(const GlobalOptions& g, uint64_t commitment, const std::string& topic,
                         bool confirm) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"text"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  RETURN_IF_ERROR(CheckDisclosurePreference(*session, topic, confirm));
  Payload p;
  ASSIGN_OR_RETURN(*p.mutable_disclosure()->mutable_text(),
                   text.Get("text", "what do you want to tell them?", true));
  p.mutable_disclosure()->set_commitment_seq(commitment);
  p.mutable_disclosure()->set_topic(topic);
  return WriteEntry(*session, g, p);
}

absl::Status RunSpace(const GlobalOptions& g, const SpaceArgs& a) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, a.end ? std::set<std::string>{}
                                                                  : std::set<std::string>{"note"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  auto* s = p.mutable_space_request();
  s->set_end(a.end);
  if (!a.end) {
    if (a.until.empty()) return absl::InvalidArgumentError("--until YYYY-MM-DD is required");
    s->set_until(a.until);
    auto contact = FromCliWord(ContactWords(), a.contact);
    if (!contact) {
      return absl::InvalidArgumentError(
          fmt::format("--contact is {}", ListOfCliWords(ContactWords())));
    }
    s->set_contact(*contact);
    ASSIGN_OR_RETURN(*s->mutable_note(),
                     text.Get("note", "a note for your partner? (blank: none)"));
  }
  return WriteEntry(*session, g, p);
}

}  // namespace

absl::Status WriteEntry(Session& session, const GlobalOptions& g, const Payload& payload) {
  const ProfileState& s = session.state();
  if (s.partner) {
    const SpaceRecord* space = session.couple().ActiveSpace(s.partner->sign_pk, LocalDate(NowMs()));
    const KindRecord* kind = FindKind(payload.kind_case());
    if (space && kind && !WelcomeDuringSpace(kind->during_space, space->request.contact()) &&
        !g.despite_space) {
      return absl::FailedPreconditionError(
          fmt::format("{} asked for space until {}{}; a {} is not among what they welcome now. If "
                      "it cannot wait, add "
                      "--despite-space",
                      s.partner->name, space->request.until(),
                      space->request.note().empty() ? "" : " (\"" + space->request.note() + "\")",
                      KindName(payload)));
    }
  }
  ASSIGN_OR_RETURN(uint64_t seq, session.Append(payload));
  (void)WriteReminderSummary(session.profile(), session.state(), session.couple(), NowMs());
  if (g.json)
    std::cout << fmt::format("{{\"seq\":{}}}\n", seq);
  else
    std::cout << "wrote #" << seq << " (" << KindName(payload) << ")\n";
  return absl::OkStatus();
}

void DeclareEntryCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto checkin = std::make_shared<CheckInArgs>();
  auto* c_checkin =
      cli.app.add_subcommand("checkin", "record how you are (prompts when at a terminal)");
  c_checkin->add_option("--mood", checkin->mood, "1 (very low) to 10 (very good)");
  c_checkin->add_option("--feel", checkin->feelings,
                        "a feeling from the shared vocabulary (repeatable)");
  for (const char* field : {"needs", "gratitude", "note"})
    RefuseText(c_checkin, std::string("--") + field, field);
  c_checkin->callback(cli.Run([&g, checkin] { return RunCheckIn(g, *checkin); }));

  auto trigger = std::make_shared<TriggerArgs>();
  auto* c_trigger =
      cli.app.add_subcommand("trigger", "log a trigger for your partner to acknowledge");
  c_trigger->add_option("--intensity", trigger->intensity, "1 to 10")->required();
  RefuseText(c_trigger, "--what", "what_happened");
  c_trigger->add_option("--feel", trigger->feelings, "a feeling (repeatable)");
  c_trigger->add_option("--help-with", trigger->help,
                        "what would help: space, reassurance, talk, closeness, other");
  RefuseText(c_trigger, "--note", "note");
  c_trigger->callback(cli.Run([&g, trigger] { return RunTrigger(g, *trigger); }));
  auto ack_seq = std::make_shared<uint64_t>(0);
  auto* c_ack = cli.app.add_subcommand("ack", "acknowledge and validate your partner's trigger");
  c_ack->add_option("seq", *ack_seq, "the trigger's #")->required();
  RefuseText(c_ack, "--message", "message");
  c_ack->callback(cli.Run([&g, ack_seq] { return RunAck(g, *ack_seq); }));

  auto ask_topic = std::make_shared<std::string>();
  auto* c_ask = cli.app.add_subcommand("ask", "ask your partner a question (asks for the text)");
  c_ask->add_option("--topic", *ask_topic, "a topic name");
  RefuseText(c_ask, "text", "text");
  c_ask->callback(cli.Run([&g, ask_topic] { return RunAsk(g, *ask_topic); }));
  struct AnswerArgs {
    uint64_t seq = 0;
    bool confirm = false;
  };
  auto answer = std::make_shared<AnswerArgs>();
  auto* c_answer =
      cli.app.add_subcommand("answer", "answer your partner's question (asks for the text)");
  c_answer->add_option("seq", answer->seq, "the question's #")->required();
  RefuseText(c_answer, "text", "text");
  c_answer->add_flag("--confirm", answer->confirm,
                     "your partner agreed to hear about this topic now");
  c_answer->callback(cli.Run([&g, answer] { return RunAnswer(g, answer->seq, answer->confirm); }));

  auto letter = std::make_shared<LetterArgs>();
  auto* c_letter =
      cli.app.add_subcommand("letter", "write a letter (asks for a subject, opens $EDITOR)");
  RefuseText(c_letter, "--subject", "subject");
  c_letter->add_option("--body-file", letter->body_file,
                       "read the body from this file instead of $EDITOR");
  c_letter->add_option("--reply-to", letter->reply_to, "# of the letter this answers");
  c_letter->callback(cli.Run([&g, letter] { return RunLetter(g, *letter); }));
  struct DiscloseArgs {
    std::string topic;
    uint64_t commitment = 0;
    bool confirm = false;
  };
  auto disclose = std::make_shared<DiscloseArgs>();
  auto* c_disclose = cli.app.add_subcommand(
      "disclose", "tell your partner something before they ask (asks for the text)");
  RefuseText(c_disclose, "text", "text");
  c_disclose->add_option("--commitment", disclose->commitment, "# of a related commitment");
  c_disclose->add_option("--topic", disclose->topic,
                         "a topic name (shows your partner's preference for it)");
  c_disclose->add_flag("--confirm", disclose->confirm,
                       "your partner agreed to hear about this topic now");
  c_disclose->callback(cli.Run([&g, disclose] {
    return RunDisclose(g, disclose->commitment, disclose->topic, disclose->confirm);
  }));

  auto space = std::make_shared<SpaceArgs>();
  auto* c_space = cli.app.add_subcommand("space", "ask for space (or `mend space end`)");
  c_space->add_option("--until", space->until, "last day, YYYY-MM-DD");
  c_space
      ->add_option("--contact", space->contact,
                   "what is welcome meanwhile: " + ListOfCliWords(ContactWords()))
      ->check(CLI::IsMember(CliWords(ContactWords())))
      ->capture_default_str();
  RefuseText(c_space, "--note", "note");
  c_space->add_subcommand("end", "end your request for space now")->callback([space] {
    space->end = true;
  });
  c_space->final_callback(cli.Run([&g, space] { return RunSpace(g, *space); }));
}

}  // namespace mend::client
