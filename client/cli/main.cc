// mend: the command-line client.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>
#include <string>
#include <map>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/views/text_safety.h"
#include "client/core/verification_error.h"
#include "crypto/init.h"

namespace {

using namespace mend::client;

// Exit codes: 0 ok, 1 error, 2 usage, 3 verification failure.
int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  std::string message(status.message());
  std::cerr << "mend: error: " << message << "\n";
  if (auto hint = HintOf(status)) {
    std::cerr << "mend: hint: " << *hint << "\n";
    return IsVerificationError(status) ? 3 : 1;
  }
  if (IsVerificationError(status)) {
    std::cerr << "mend: hint: your local copy was left as it was. Do not trust the server until this is explained; "
                 "compare `mend status` chain codes with your partner in person.\n";
    return 3;
  }
  if (absl::IsUnauthenticated(status) && message.find("passphrase") != std::string::npos) {
    std::cerr << "mend: hint: check the passphrase (or the file given with --passphrase-file)\n";
  } else if (absl::IsUnavailable(status)) {
    std::cerr << "mend: hint: start the server (scripts/run) or fix `server` in the config file\n";
  } else if (absl::IsDataLoss(status) && message.find("key file") != std::string::npos) {
    std::cerr << "mend: hint: restore the key file from a backup; it cannot be repaired\n";
  }
  return 1;
}

// A person's words on the command line would stay in the shell history and
// show in `ps` for anyone with the laptop; mend refuses them there and says
// how to give them safely. Thrown by the validator of a refused option.
struct TextOnCommandLine {
  std::string option;   // "--note", or "the question" for a positional
  std::string command;  // "checkin"
  std::string field;    // the --input field: "note"
};

// Declares `name` on `cmd` only to refuse it (hidden from --help).
void RefuseText(CLI::App* cmd, const std::string& name, const std::string& field) {
  static std::vector<std::string> sink;
  static std::map<const CLI::App*, std::string> fields;
  std::string& listed = fields[cmd];
  listed += (listed.empty() ? "" : ", ") + field;
  cmd->footer("Your words (" + listed + ") are asked for at the terminal, never taken from the command line.\n"
              "Scripts give them as one JSON object: --input FILE, or --input - for standard input.");
  const std::string what = name.rfind("--", 0) == 0 ? name : "the " + field + " as an argument";
  const std::string command = cmd->get_parent() && cmd->get_parent()->get_parent()
                                  ? cmd->get_parent()->get_name() + " " + cmd->get_name()
                                  : cmd->get_name();
  cmd->add_option(name, sink)
      ->group("")
      ->check(CLI::Validator(
          [what, command, field](std::string&) -> std::string { throw TextOnCommandLine{what, command, field}; },
          "", "refused"));
}

}  // namespace

int main(int argc, char** argv) {
  // A core dump would hold the passphrase, the identity seed and couple keys
  // in the clear: none is ever written, and no other process of this user
  // may attach to read them.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (!mend::crypto::Initialize().ok()) {
    std::cerr << "mend: error: libsodium could not be initialised\n";
    return 1;
  }
  // Everything printed from here on passes through the terminal filter: a
  // partner's words cannot move the cursor, recolour or reorder the screen.
  GuardedTerminal terminal;
  CLI::App app{"mend: an end-to-end encrypted check-in log for two partners rebuilding trust"};
  app.require_subcommand(1);
  // Global options may come after the subcommand too (`mend log --json`),
  // as the README shows them: subcommands pass what they do not know upward.
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--profile", g.profile, "profile name (several partners or servers on one machine)")
      ->envname("MEND_PROFILE")->capture_default_str()
      // The name becomes a directory and a systemd unit name: nothing that
      // could leave the profiles' directory or reach a shell.
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            const bool ok = !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
                            name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                                std::string::npos;
            return ok ? "" : "a profile name has 1 to 64 letters, digits, '.', '_' or '-' (and is not . or ..)";
          },
          "NAME"));
  app.add_option("--passphrase-file", g.passphrase_file, "read the passphrase from this file (for scripts)");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_flag("--offline", g.offline, "read the local copy without contacting the server");
  app.add_flag("--despite-space", g.despite_space, "write even though your partner asked for space");
  app.add_option("--input", g.input,
                 "for scripts: the text fields as one JSON object, from FILE or - (standard input); "
                 "at a terminal mend asks for them instead");
  absl::Status status;
  auto run = [&](auto fn) { return [&, fn] { status = fn(); }; };

  InitArgs init;
  auto* c_init = app.add_subcommand("init", "create your identity and profile");
  c_init->add_option("--name", init.name, "your display name, as your partner will see it")->required();
  c_init->add_option("--server", init.server, "server address, HOST:PORT")->required();
  c_init->add_option("--tls-ca", init.tls_ca, "PEM CA certificate to trust for the server (TLS); default: the system's roots");
  c_init->add_flag("--insecure", init.insecure, "plaintext to a non-loopback server (dangerous; loopback is plaintext anyway)");
  c_init->add_flag("--force", init.force, "replace an existing identity (loses access to its history)");
  c_init->add_flag("--accept-weak-passphrase", init.accept_weak, "keep a passphrase mend thinks could be guessed");
  c_init->callback(run([&] { return RunInit(g, init); }));

  auto* c_pair = app.add_subcommand("pair", "pair with your partner");
  c_pair->require_subcommand(1);
  InviteArgs invite;
  auto* c_invite = c_pair->add_subcommand("invite", "create the couple and print a one-time invite code");
  RefuseText(c_invite, "--registration-code", "registration_code");
  c_invite->add_option("--ttl", invite.ttl_seconds, "seconds the code stays valid (60..86400)")->capture_default_str();
  c_invite->add_option("--wait", invite.wait_seconds, "wait this many seconds for the partner to join");
  c_invite->callback(run([&] { return RunPairInvite(g, invite); }));
  auto* c_join = c_pair->add_subcommand("join", "join your partner's invite (asks for the code)");
  RefuseText(c_join, "code", "code");
  c_join->callback(run([&] { return RunPairJoin(g); }));
  bool confirm = false, without_comparing = false;
  auto* c_verify = c_pair->add_subcommand("verify", "show the safety number to compare together");
  c_verify->add_flag("--confirm", confirm, "record that the numbers matched (the inviter's confirmation completes pairing)");
  c_verify->add_flag("--confirm-without-comparing", without_comparing,
                     "confirm without comparing (dangerous: whoever has the code could be on the other end)");
  c_verify->callback(run([&] { return RunPairVerify(g, confirm, without_comparing); }));
  uint32_t reject_ttl = 86400;
  auto* c_reject = c_pair->add_subcommand("reject", "turn away the joiner (the safety number did not match) and make a new code");
  c_reject->add_option("--ttl", reject_ttl, "seconds the new code stays valid (60..86400)")->capture_default_str();
  c_reject->callback(run([&] { return RunPairReject(g, reject_ttl); }));

  std::string new_passphrase_file;
  bool passphrase_accept_weak = false;
  auto* c_passphrase = app.add_subcommand("passphrase", "change the key file's passphrase (asks for the old, then the new)");
  c_passphrase->add_option("--new-passphrase-file", new_passphrase_file, "for scripts: the new passphrase from this file");
  c_passphrase->add_flag("--accept-weak-passphrase", passphrase_accept_weak, "keep a passphrase mend thinks could be guessed");
  c_passphrase->callback(run([&] { return RunPassphrase(g, new_passphrase_file, passphrase_accept_weak); }));
  app.add_subcommand("sync", "fetch, verify and store new entries")->callback(run([&] { return RunSync(g); }));
  int watch_count = 0, watch_timeout = 0;
  auto* c_watch = app.add_subcommand("watch", "print each new entry as it arrives");
  c_watch->add_option("--count", watch_count, "stop after this many entries");
  c_watch->add_option("--timeout", watch_timeout, "stop after this many seconds");
  c_watch->callback(run([&] { return RunWatch(g, watch_count, watch_timeout); }));
  bool notify = false;
  auto* c_status = app.add_subcommand("status", "who, where, what is owed, chain code");
  c_status->add_flag("--notify", notify, "print only what you owe, and nothing when nothing is owed (for reminders)");
  uint64_t status_at = 0;
  c_status->add_option("--at", status_at, "print only the chain code at entry SEQ (to compare with a partner whose head differs)")
      ->check(CLI::PositiveNumber);
  c_status->callback(run([&] { return RunStatus(g, notify, status_at); }));

  CheckInArgs checkin;
  auto* c_checkin = app.add_subcommand("checkin", "record how you are (prompts when at a terminal)");
  c_checkin->add_option("--mood", checkin.mood, "1 (very low) to 10 (very good)");
  c_checkin->add_option("--feel", checkin.feelings, "a feeling from the shared vocabulary (repeatable)");
  for (const char* field : {"needs", "gratitude", "note"}) RefuseText(c_checkin, std::string("--") + field, field);
  c_checkin->callback(run([&] { return RunCheckIn(g, checkin); }));

  auto* c_promise = app.add_subcommand("promise", "agreed transparency commitments");
  c_promise->require_subcommand(1);
  ProposeArgs propose;
  for (const char* action : {"propose", "amend", "retire"}) {
    auto* sub = c_promise->add_subcommand(action, std::string(action) == "propose" ? "propose a new commitment"
                                                  : std::string(action) == "amend" ? "propose a change to an agreed commitment"
                                                                                   : "propose ending an agreed commitment");
    if (std::string(action) != "propose") sub->add_option("seq", propose.target, "the commitment's #")->required();
    if (std::string(action) != "retire") {
      RefuseText(sub, "--title", "title");
      RefuseText(sub, "--detail", "detail");
      sub->add_option("--bound", propose.bound, "who is bound: me, partner or both")
          ->check(CLI::IsMember({"me", "partner", "both"}))->capture_default_str();
      sub->add_option("--cadence", propose.cadence, "daily, weekly, once or ongoing")
          ->check(CLI::IsMember({"daily", "weekly", "once", "ongoing"}))->capture_default_str();
      sub->add_option("--review", propose.review, "date to review it together, YYYY-MM-DD");
    } else {
      RefuseText(sub, "--note", "note");
    }
    std::string a = action;
    sub->callback(run([&, a] { propose.action = a; return RunPromisePropose(g, propose); }));
  }
  uint64_t respond_seq = 0;
  for (const char* decision : {"accept", "decline", "request-changes"}) {
    auto* sub = c_promise->add_subcommand(decision, std::string(decision) + " your partner's proposal");
    sub->add_option("seq", respond_seq, "the proposal's #")->required();
    RefuseText(sub, "--note", "note");
    std::string d = decision;
    sub->callback(run([&, d] { return RunPromiseRespond(g, respond_seq, d); }));
  }
  uint64_t report_seq = 0;
  bool kept = false, slipped = false;
  auto* c_report = c_promise->add_subcommand("report", "report honestly on a commitment");
  c_report->add_option("seq", report_seq, "the commitment's #")->required();
  c_report->add_flag("--kept", kept, "it was kept");
  c_report->add_flag("--slipped", slipped, "it slipped");
  RefuseText(c_report, "--note", "note");
  c_report->callback(run([&] { return RunPromiseReport(g, report_seq, kept, slipped); }));
  c_promise->add_subcommand("list", "commitments and adherence")->callback(run([&] { return RunPromiseList(g); }));

  TriggerArgs trigger;
  auto* c_trigger = app.add_subcommand("trigger", "log a trigger for your partner to acknowledge");
  c_trigger->add_option("--intensity", trigger.intensity, "1 to 10")->required();
  RefuseText(c_trigger, "--what", "what_happened");
  c_trigger->add_option("--feel", trigger.feelings, "a feeling (repeatable)");
  c_trigger->add_option("--help-with", trigger.help, "what would help: space, reassurance, talk, closeness, other");
  RefuseText(c_trigger, "--note", "note");
  c_trigger->callback(run([&] { return RunTrigger(g, trigger); }));
  uint64_t ack_seq = 0;
  auto* c_ack = app.add_subcommand("ack", "acknowledge and validate your partner's trigger");
  c_ack->add_option("seq", ack_seq, "the trigger's #")->required();
  RefuseText(c_ack, "--message", "message");
  c_ack->callback(run([&] { return RunAck(g, ack_seq); }));
  std::string ask_topic;
  auto* c_ask = app.add_subcommand("ask", "ask your partner a question (asks for the text)");
  c_ask->add_option("--topic", ask_topic, "a topic name");
  RefuseText(c_ask, "text", "text");
  c_ask->callback(run([&] { return RunAsk(g, ask_topic); }));
  uint64_t answer_seq = 0;
  auto* c_answer = app.add_subcommand("answer", "answer your partner's question (asks for the text)");
  c_answer->add_option("seq", answer_seq, "the question's #")->required();
  RefuseText(c_answer, "text", "text");
  bool answer_confirm = false;
  c_answer->add_flag("--confirm", answer_confirm, "your partner agreed to hear about this topic now");
  c_answer->callback(run([&] { return RunAnswer(g, answer_seq, answer_confirm); }));
  LetterArgs letter;
  auto* c_letter = app.add_subcommand("letter", "write a letter (asks for a subject, opens $EDITOR)");
  RefuseText(c_letter, "--subject", "subject");
  c_letter->add_option("--body-file", letter.body_file, "read the body from this file instead of $EDITOR");
  c_letter->add_option("--reply-to", letter.reply_to, "# of the letter this answers");
  c_letter->callback(run([&] { return RunLetter(g, letter); }));
  std::string disclose_topic;
  uint64_t disclose_commitment = 0;
  auto* c_disclose = app.add_subcommand("disclose", "tell your partner something before they ask (asks for the text)");
  RefuseText(c_disclose, "text", "text");
  c_disclose->add_option("--commitment", disclose_commitment, "# of a related commitment");
  c_disclose->add_option("--topic", disclose_topic, "a topic name (shows your partner's preference for it)");
  bool disclose_confirm = false;
  c_disclose->add_flag("--confirm", disclose_confirm, "your partner agreed to hear about this topic now");
  c_disclose->callback(run([&] { return RunDisclose(g, disclose_commitment, disclose_topic, disclose_confirm); }));
  SpaceArgs space;
  auto* c_space = app.add_subcommand("space", "ask for space (or `mend space end`)");
  c_space->add_option("--until", space.until, "last day, YYYY-MM-DD");
  c_space->add_option("--contact", space.contact, "what is welcome meanwhile: none, urgent or checkins")
      ->check(CLI::IsMember({"none", "urgent", "checkins"}))->capture_default_str();
  RefuseText(c_space, "--note", "note");
  c_space->add_subcommand("end", "end your request for space now")->callback([&] { space.end = true; });
  c_space->final_callback(run([&] { return RunSpace(g, space); }));

  LogArgs log;
  auto* c_log = app.add_subcommand("log", "the verified timeline");
  c_log->add_option("--kind", log.kind, "checkin, trigger, ack, question, answer, letter, disclosure, proposal, ...");
  c_log->add_option("--author", log.author, "me or partner")->check(CLI::IsMember({"me", "partner"}));
  c_log->add_option("--since", log.since, "first day, YYYY-MM-DD");
  c_log->add_option("--until", log.until, "last day, YYYY-MM-DD");
  c_log->callback(run([&] { return RunLog(g, log); }));
  uint64_t show_seq = 0;
  auto* c_show = app.add_subcommand("show", "one entry in full");
  c_show->add_option("seq", show_seq, "the entry's #")->required();
  c_show->callback(run([&] { return RunShow(g, show_seq); }));

  std::string talk_week, talk_format = "text";
  auto* c_talk = app.add_subcommand("talk", "the weekly talk agenda (or `mend talk notes`)");
  c_talk->add_option("--week", talk_week, "any day of the week, YYYY-MM-DD (default: this week)");
  c_talk->add_option("--format", talk_format, "text, md or json")->check(CLI::IsMember({"text", "md", "json"}));
  auto* c_talk_notes = c_talk->add_subcommand("notes", "record what you agreed in this week's talk (asks for it)");
  RefuseText(c_talk_notes, "--agreed", "agreed");
  RefuseText(c_talk_notes, "--follow-up", "follow_ups");
  c_talk_notes->add_option("--week", talk_week, "any day of the week the talk was about");
  c_talk_notes->callback(run([&] { return RunTalkNotes(g, talk_week); }));
  c_talk->final_callback([&] {
    if (!c_talk_notes->parsed()) status = RunTalk(g, talk_week, talk_format);
  });

  std::string reflect_id, reflect_prompt;
  auto* c_reflect = app.add_subcommand("reflect", "answer a prompt sealed: nobody reads it until both have answered");
  c_reflect->add_option("--prompt-id", reflect_id, "a short name for the prompt, the same for both of you");
  c_reflect->add_option("--prompt", reflect_prompt, "the prompt's text");
  RefuseText(c_reflect, "answer", "answer");
  std::string reflect_show_id;
  auto* c_reflect_show = c_reflect->add_subcommand("show", "who has answered; both answers once revealed");
  c_reflect_show->add_option("prompt-id", reflect_show_id, "the prompt id")->required();
  c_reflect_show->callback(run([&] { return RunReflectShow(g, reflect_show_id); }));
  c_reflect->final_callback([&] {
    if (!c_reflect_show->parsed()) status = RunReflect(g, reflect_id, reflect_prompt);
  });

  auto* c_prefs = app.add_subcommand("prefs", "how you want to learn things, by topic");
  c_prefs->require_subcommand(1);
  std::string pref_topic, pref_mode;
  auto* c_prefs_disclose = c_prefs->add_subcommand("disclose", "set your preference for a topic");
  c_prefs_disclose->add_option("topic", pref_topic, "the topic")->required();
  c_prefs_disclose->add_option("--mode", pref_mode, "proactive, when-asked or ask-first")
      ->check(CLI::IsMember({"proactive", "when-asked", "ask-first"}))->required();
  c_prefs_disclose->callback(run([&] { return RunPrefsDisclose(g, pref_topic, pref_mode); }));
  c_prefs->add_subcommand("show", "both partners' preferences")->callback(run([&] { return RunPrefsShow(g); }));

  std::string remind_daily;
  bool remind_print = false, remind_off = false;
  auto* c_remind = app.add_subcommand("remind", "a local daily reminder of what you owe (systemd user timer or cron)");
  c_remind->add_option("--daily", remind_daily, "time of day, HH:MM");
  c_remind->add_flag("--print", remind_print, "print a crontab line instead of installing a timer");
  c_remind->add_flag("--off", remind_off, "remove the reminder");
  c_remind->callback(run([&] { return RunRemind(g, remind_daily, remind_print, remind_off); }));

  ExportArgs exp;
  auto* c_export = app.add_subcommand("export", "a report for a therapist session (Markdown, JSON or HTML; age-encrypted)");
  c_export->add_option("--since", exp.since, "first day, YYYY-MM-DD (default: 4 weeks ago)");
  c_export->add_option("--until", exp.until, "last day, YYYY-MM-DD (default: today)");
  c_export->add_option("--last", exp.last, "a period ending today (or --until): 2w, 10d, 3m");
  c_export->add_option("--format", exp.format, "md, json or html")->check(CLI::IsMember({"md", "json", "html"}))->capture_default_str();
  c_export->add_option("--only", exp.only, "only these kinds, comma-separated (checkin,trigger,ack,...)");
  c_export->add_option("--redact", exp.redact, "hide: notes, letters, questions, answers, disclosures, triggers, reflections");
  c_export->add_option("-o,--output", exp.output, "write to this file (mode 0600) instead of stdout");
  c_export->add_option("--age-recipient", exp.age_recipients, "encrypt to this age1... key (repeatable)");
  c_export->callback(run([&] { return RunExport(g, exp); }));

  app.add_subcommand("rotate", "move to a new couple key")->callback(run([&] { return RunRotate(g); }));
  bool leave_yes = false, purge_yes = false;
  auto* c_leave = app.add_subcommand("leave", "leave: closes the shared log; you keep your copy");
  RefuseText(c_leave, "--reason", "reason");
  c_leave->add_flag("--yes", leave_yes, "do not ask for confirmation");
  c_leave->callback(run([&] { return RunLeave(g, leave_yes); }));
  auto* c_purge = app.add_subcommand("purge", "delete the couple's data from the server");
  c_purge->add_flag("--yes", purge_yes, "confirm");
  c_purge->callback(run([&] { return RunPurge(g, purge_yes); }));
  bool forget_yes = false;
  auto* c_forget = app.add_subcommand("forget", "delete this profile from this machine (key file, history, reminder)");
  c_forget->add_flag("--yes", forget_yes, "do not ask for confirmation");
  c_forget->callback(run([&] { return RunForget(g, forget_yes); }));

  try {
    app.parse(argc, argv);
  } catch (const TextOnCommandLine& e) {
    std::cerr << "mend: error: " << e.option
              << " would keep your words in the shell history and the process list; nothing was written\n"
              << "mend: hint: leave it out and mend asks for it, or from a script: printf '%s' '{\"" << e.field
              << "\": \"...\"}' | mend " << e.command << " ... --input -\n";
    return 2;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mend: error: " << e.what() << "\n" << "mend: hint: see `mend --help` or `mend COMMAND --help`\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mend: error: " << e.what() << "\n";
    return 1;
  }
  return Report(status);
}
