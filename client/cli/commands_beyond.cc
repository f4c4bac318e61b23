// The weekly talk, sealed reflections, disclosure preferences and reminders.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/refuse_text.h"
#include "client/cli/text_input.h"
#include "client/views/render.h"
#include "client/views/report.h"
#include "client/views/talk.h"
#include "client/views/text_safety.h"
#include "client/views/vocabulary.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

std::string ModeName(mend::v1::DisclosureMode mode) {
  return PhraseOf(DisclosureModeWords(), mode, "no preference");
}

absl::Status RunTalk(const GlobalOptions& g, const std::string& week, const std::string& format) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  const std::string day = week.empty() ? LocalDate(NowMs()) : week;
  if (!IsCalendarDate(day)) return absl::InvalidArgumentError("--week takes a date, YYYY-MM-DD");
  Agenda agenda = BuildAgenda(session->couple(), session->state().sign_pk, WeekOf(day), NowMs());
  std::string fmt_name = g.json ? "json" : format;
  std::cout << (fmt_name == "json" ? RenderAgendaJson(agenda)
                : fmt_name == "md" ? RenderAgendaMarkdown(agenda)
                                   : RenderAgendaText(agenda));
  if (fmt_name == "text" && agenda.last_talk_week.empty())
    std::cerr << "mend: hint: after your talk, `mend talk notes` records what you agreed\n";
  return absl::OkStatus();
}

absl::Status RunTalkNotes(const GlobalOptions& g, const std::string& week) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"agreed", "follow_ups"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  ASSIGN_OR_RETURN(std::string text, input.Get("agreed", "what did you agree?"));
  ASSIGN_OR_RETURN(
      auto follow_ups,
      input.GetList("follow_ups", "anything to pick up next week? separate items with ';'"));
  if (text.empty() && follow_ups.empty()) {
    return absl::InvalidArgumentError(
        "say what was agreed, or what to pick up next week; nothing was written");
  }
  mend::v1::Payload p;
  auto* t = p.mutable_talk_notes();
  t->set_week(WeekOf(week.empty() ? LocalDate(NowMs()) : week));
  t->set_agreed(text);
  for (const auto& f : follow_ups) t->add_follow_ups(f);
  return WriteEntry(*session, g, p);
}

absl::Status RunReflect(const GlobalOptions& g, const std::string& prompt_id) {
  if (prompt_id.empty())
    return absl::InvalidArgumentError("--prompt-id is required (a short name you both use)");
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"prompt", "answer"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  // The first to answer gives the prompt's text; the other answers the same.
  std::string text;
  auto it = session->couple().sealed.find(prompt_id);
  if (it != session->couple().sealed.end()) {
    text = it->second.begin()->second.prompt_text;
  } else {
    ASSIGN_OR_RETURN(text, input.Get("prompt", "the prompt you are both answering (optional):"));
  }
  ASSIGN_OR_RETURN(std::string answer,
                   input.Get("answer", "your answer (sealed until you have both answered):", true));
  ASSIGN_OR_RETURN(uint64_t seq, session->SealReflection(prompt_id, text, answer));
  const auto& by_author = session->couple().sealed.at(prompt_id);
  bool partner_answered =
      session->state().partner && by_author.count(session->state().partner->sign_pk);
  std::cout << fmt::format(
      "sealed your answer as #{}; {}\n", seq,
      partner_answered
          ? "both have answered: yours is revealed now, and your partner's when their client next "
            "syncs (`mend reflect show " +
                ShellQuoted(prompt_id) + "`)"
          : "nobody can read it until your partner has sealed theirs");
  return absl::OkStatus();
}

absl::Status RunReflectShow(const GlobalOptions& g, const std::string& prompt_id) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  const CoupleState& c = session->couple();
  auto it = c.sealed.find(prompt_id);
  if (it == c.sealed.end())
    return absl::NotFoundError(fmt::format("nobody has answered '{}' yet", prompt_id));
  nlohmann::json answers = nlohmann::json::array();
  std::string prompt_text;
  for (const Member& m : c.members) {
    auto rec = it->second.find(m.sign_pk);
    std::optional<std::string> text;
    if (rec != it->second.end()) text = c.RevealedFor(rec->second, session->identity().sign_pk());
    nlohmann::json a = {{"name", m.name},
                        {"answered", rec != it->second.end()},
                        {"revealed", rec != it->second.end() && rec->second.reveal_seq != 0}};
    if (rec != it->second.end()) {
      if (prompt_text.empty()) prompt_text = rec->second.prompt_text;
      if (text) a["answer"] = *text;
    }
    answers.push_back(a);
  }
  if (g.json) {
    std::cout << nlohmann::json(
                     {{"prompt_id", prompt_id}, {"prompt", prompt_text}, {"answers", answers}})
                     .dump()
              << "\n";
    return absl::OkStatus();
  }
  // The prompt and the answers are the partner's words: the prompt on one
  // line, each answer indented under its author's name.
  std::cout << OneLine(prompt_id) << (prompt_text.empty() ? "" : ": " + OneLine(prompt_text))
            << "\n\n";
  for (const auto& a : answers) {
    std::string state =
        !a["answered"].get<bool>()   ? "has not answered yet"
        : !a["revealed"].get<bool>() ? "has answered; sealed until both have answered"
        : !a.contains("answer")      ? "has revealed; shown once your own reveal is on the log "
                                       "(`mend sync` posts it)"
                                     : "";
    if (state.empty()) {
      std::cout << OneLine(a["name"].get<std::string>()) << ":\n"
                << IndentedLines(a["answer"].get<std::string>(), "    ") << "\n";
    } else {
      std::cout << OneLine(a["name"].get<std::string>()) << " " << state << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status RunPrefsDisclose(const GlobalOptions& g, const std::string& topic,
                              const std::string& mode) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  mend::v1::Payload p;
  auto* pref = p.mutable_disclosure_prefs()->add_prefs();
  pref->set_topic(topic);
  auto parsed = FromCliWord(DisclosureModeWords(), mode);
  if (!parsed)
    return absl::InvalidArgumentError("--mode is " + ListOfCliWords(DisclosureModeWords()));
  pref->set_mode(*parsed);
  return WriteEntry(*session, g, p);
}

absl::Status RunPrefsShow(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  const CoupleState& c = session->couple();
  nlohmann::json out = nlohmann::json::object();
  for (const Member& m : c.members) {
    nlohmann::json prefs = nlohmann::json::object();
    auto it = c.disclosure_prefs.find(m.sign_pk);
    if (it != c.disclosure_prefs.end()) {
      for (const auto& [topic, mode] : it->second) prefs[topic] = ModeName(mode);
    }
    out[m.name] = prefs;
    if (!g.json) {
      std::cout << OneLine(m.name) << (prefs.empty() ? ": no preferences\n" : ":\n");
      for (const auto& [topic, mode] : prefs.items())
        std::cout << "  " << OneLine(topic) << ": " << mode.get<std::string>() << "\n";
    }
  }
  if (g.json) std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

absl::Status RunRemind(const GlobalOptions& g, const std::string& daily, bool print, bool off) {
  std::filesystem::path dir = UserUnitDir();
  const std::string unit = "mend-remind-" + g.profile;
  if (off) {
    RemoveReminder(g.profile);
    std::cout << "reminders are off for profile '" << g.profile << "'\n";
    return absl::OkStatus();
  }
  if (daily.size() != 5 || daily[2] != ':' || !std::isdigit(static_cast<unsigned char>(daily[0])) ||
      std::stoi(daily.substr(0, 2)) > 23 || std::stoi(daily.substr(3, 2)) > 59) {
    return absl::InvalidArgumentError("--daily takes a time, HH:MM");
  }
  // The reminder reads only the summary each sync leaves (owed.json): it
  // needs no passphrase, and none is written anywhere for it.
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string command = fmt::format("{} --profile {} status --notify", self, g.profile);
  if (print) {
    std::cout << fmt::format("{} {} * * * {}\n", std::stoi(daily.substr(3, 2)),
                             std::stoi(daily.substr(0, 2)), command);
    return absl::OkStatus();
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string env = std::getenv("MEND_HOME")
                        ? fmt::format("Environment=MEND_HOME={}\n", std::getenv("MEND_HOME"))
                        : "";
  RETURN_IF_ERROR(
      base::AtomicWriteFile((dir / (unit + ".service")).string(),
                            fmt::format("[Unit]\nDescription=mend: what is owed to your partner\n\n"
                                        "[Service]\nType=oneshot\n{}ExecStart={}\n",
                                        env, command),
                            0600));
  RETURN_IF_ERROR(
      base::AtomicWriteFile((dir / (unit + ".timer")).string(),
                            fmt::format("[Unit]\nDescription=mend daily reminder\n\n[Timer]\n"
                                        "OnCalendar=*-*-* {}:00\nPersistent=true\n\n[Install]\n"
                                        "WantedBy=timers.target\n",
                                        daily),
                            0600));
  bool enabled =
      std::system("command -v systemctl >/dev/null 2>&1") == 0 &&
      std::system(
          ("systemctl --user daemon-reload >/dev/null 2>&1 && systemctl --user enable --now " +
           unit + ".timer >/dev/null 2>&1")
              .c_str()) == 0;
  std::cout << fmt::format("wrote {}.timer (daily at {}){}\n", (dir / unit).string(), daily,
                           enabled ? ""
                                   : "; enable it with `systemctl --user enable --now " + unit +
                                         ".timer`, or use --print for cron");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckDisclosurePreference(const Session& session, const std::string& topic,
                                       bool confirmed) {
  if (topic.empty() || !session.state().partner) return absl::OkStatus();
  const auto& partner = *session.state().partner;
  auto mode = session.couple().PreferenceOf(partner.sign_pk, topic);
  if (mode == mend::v1::DISCLOSURE_MODE_UNSPECIFIED) return absl::OkStatus();
  std::cerr << fmt::format("mend: {}'s preference for '{}': {}\n", OneLine(partner.name),
                           OneLine(topic), ModeName(mode));
  if (mode == mend::v1::DISCLOSURE_MODE_ASK_FIRST && !confirmed) {
    return absl::FailedPreconditionError(
        fmt::format("{} asked to be asked first before hearing about '{}'; ask them, and if they "
                    "say yes, add --confirm",
                    partner.name, topic));
  }
  return absl::OkStatus();
}

std::filesystem::path UserUnitDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  return std::filesystem::path(xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config") /
         "systemd" / "user";
}

bool RemoveReminder(const std::string& profile) {
  const std::filesystem::path dir = UserUnitDir();
  const std::string unit = "mend-remind-" + profile;
  std::error_code ec;
  bool removed = std::filesystem::remove(dir / (unit + ".timer"), ec);
  removed = std::filesystem::remove(dir / (unit + ".service"), ec) || removed;
  if (std::system("command -v systemctl >/dev/null 2>&1") == 0) {
    std::system(("systemctl --user disable --now " + unit + ".timer >/dev/null 2>&1").c_str());
  }
  return removed;
}

void DeclareBeyondCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  struct TalkArgs {
    std::string week, format = "text";
  };
  auto talk = std::make_shared<TalkArgs>();
  auto* c_talk = cli.app.add_subcommand("talk", "the weekly talk agenda (or `mend talk notes`)");
  c_talk->add_option("--week", talk->week, "any day of the week, YYYY-MM-DD (default: this week)");
  c_talk->add_option("--format", talk->format, "text, md or json")
      ->check(CLI::IsMember({"text", "md", "json"}));
  auto* c_talk_notes =
      c_talk->add_subcommand("notes", "record what you agreed in this week's talk (asks for it)");
  RefuseText(c_talk_notes, "--agreed", "agreed");
  RefuseText(c_talk_notes, "--follow-up", "follow_ups");
  c_talk_notes->add_option("--week", talk->week, "any day of the week the talk was about");
  c_talk_notes->callback(cli.Run([&g, talk] { return RunTalkNotes(g, talk->week); }));
  c_talk->final_callback([&g, &status = cli.status, talk, c_talk_notes] {
    if (!c_talk_notes->parsed()) status = RunTalk(g, talk->week, talk->format);
  });

  struct ReflectArgs {
    std::string id, show_id;
  };
  auto reflect = std::make_shared<ReflectArgs>();
  auto* c_reflect = cli.app.add_subcommand(
      "reflect", "answer a prompt sealed: nobody reads it until both have answered");
  c_reflect->add_option("--prompt-id", reflect->id,
                        "a short name for the prompt, the same for both of you");
  RefuseText(c_reflect, "--prompt", "prompt");
  RefuseText(c_reflect, "answer", "answer");
  auto* c_reflect_show =
      c_reflect->add_subcommand("show", "who has answered; both answers once revealed");
  c_reflect_show->add_option("prompt-id", reflect->show_id, "the prompt id")->required();
  c_reflect_show->callback(cli.Run([&g, reflect] { return RunReflectShow(g, reflect->show_id); }));
  c_reflect->final_callback([&g, &status = cli.status, reflect, c_reflect_show] {
    if (!c_reflect_show->parsed()) status = RunReflect(g, reflect->id);
  });

  auto* c_prefs = cli.app.add_subcommand("prefs", "how you want to learn things, by topic");
  c_prefs->require_subcommand(1);
  struct PrefsArgs {
    std::string topic, mode;
  };
  auto prefs = std::make_shared<PrefsArgs>();
  auto* c_prefs_disclose = c_prefs->add_subcommand("disclose", "set your preference for a topic");
  c_prefs_disclose->add_option("topic", prefs->topic, "the topic")->required();
  c_prefs_disclose->add_option("--mode", prefs->mode, ListOfCliWords(DisclosureModeWords()))
      ->check(CLI::IsMember(CliWords(DisclosureModeWords())))
      ->required();
  c_prefs_disclose->callback(
      cli.Run([&g, prefs] { return RunPrefsDisclose(g, prefs->topic, prefs->mode); }));
  c_prefs->add_subcommand("show", "both partners' preferences")->callback(cli.Run([&g] {
    return RunPrefsShow(g);
  }));

  struct RemindArgs {
    std::string daily;
    bool print = false, off = false;
  };
  auto remind = std::make_shared<RemindArgs>();
  auto* c_remind = cli.app.add_subcommand(
      "remind", "a local daily reminder of what you owe (systemd user timer or cron)");
  c_remind->add_option("--daily", remind->daily, "time of day, HH:MM");
  c_remind->add_flag("--print", remind->print,
                     "print a crontab line instead of installing a timer");
  c_remind->add_flag("--off", remind->off, "remove the reminder");
  c_remind->callback(
      cli.Run([&g, remind] { return RunRemind(g, remind->daily, remind->print, remind->off); }));
}

}  // namespace mend::client
