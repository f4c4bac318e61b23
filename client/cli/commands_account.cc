// Sync, watch, status, key rotation and leaving the couple.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "base/hex.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/cli/passphrase.h"
#include "client/cli/progress_meter.h"
#include "client/cli/refuse_text.h"
#include "client/cli/text_input.h"
#include "client/core/reminder_summary.h"
#include "client/core/verification_error.h"
#include "client/state/obligations.h"
#include "client/views/obligation_text.h"
#include "client/views/render.h"
#include "client/views/text_safety.h"
#include "crypto/bytes.h"
#include "crypto/safety_number.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

constexpr int64_t kQuietPartnerWarningMs = 7LL * 24 * 3600 * 1000;

std::string ChainCodeOf(const Session& s) {
  auto h = s.head();
  return crypto::ChainCode(h.seq, h.hash);
}

// The chain code at the last entry `author` wrote, or "" when none.
std::string ChainCodeAtLastBy(const Session& s, const Bytes& author) {
  for (auto it = s.entries().rbegin(); it != s.entries().rend(); ++it) {
    if (it->header.author() == author) return crypto::ChainCode(it->header.seq(), it->hash);
  }
  return "";
}

}  // namespace

ProgressReport ProgressFor(const GlobalOptions& g) {
  if (!ProgressMeter::WantedOnStderr(g.quiet)) return nullptr;
  return ReportTo(std::make_shared<ProgressMeter>(STDERR_FILENO, true));
}

absl::StatusOr<std::unique_ptr<Session>> OpenSession(const GlobalOptions& g, bool sync,
                                                     Reads reads) {
  RETURN_IF_ERROR(
      Session::RequireProfile(Profile::Locate(g.profile)));  // before asking for a passphrase
  ASSIGN_OR_RETURN(crypto::SecretBytes pass, ReadPassphrase(g.passphrase_file, false));
  ASSIGN_OR_RETURN(auto session, Session::Open(Profile::Locate(g.profile), pass, ProgressFor(g)));
  if (!session->adoption_note().empty())
    std::cerr << "mend: note: " << session->adoption_note() << "\n";
  if (sync && !g.offline && session->state().pairing == PairingState::kPaired) {
    RETURN_IF_ERROR(session->Sync().status());
    // For `mend status --notify`, which runs without the passphrase. A
    // failure here must not stop the command the person asked for.
    (void)WriteReminderSummary(session->profile(), session->state(), session->couple(), NowMs());
  }
  if (reads == Reads::kHistory) RETURN_IF_ERROR(session->LoadHistory());
  return session;
}

namespace {

absl::Status RunSync(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  ASSIGN_OR_RETURN(SyncSummary r, session->Sync());
  if (session->state().pairing == PairingState::kPaired) {
    (void)WriteReminderSummary(session->profile(), session->state(), session->couple(), NowMs());
  }
  if (g.json) {
    std::cout << nlohmann::json({{"new_entries", r.new_entries},
                                 {"head_seq", session->head().seq},
                                 {"chain_code", ChainCodeOf(*session)},
                                 {"pairing", DescribePairing(r.pairing)}})
                     .dump()
              << "\n";
  } else if (!r.pairing.paired()) {
    std::cout << DescribePairing(r.pairing) << "\n";
  } else {
    std::cout << fmt::format("synced: {} new, head #{} (chain code {})\n", r.new_entries,
                             session->head().seq, ChainCodeOf(*session));
  }
  return absl::OkStatus();
}

absl::Status RunWatch(const GlobalOptions& g, int count, int timeout_seconds) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  ASSIGN_OR_RETURN(Connection * conn, session->connection());
  int seen = 0;
  // Without --timeout a watch lasts a year; the stream's own deadline ends it, even when nothing
  // arrives.
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 365 * 24 * 3600);
  int backoff_ms = 500;
  absl::Status failure;
  while (std::chrono::system_clock::now() < deadline && (count <= 0 || seen < count)) {
    absl::Status s = conn->Watch(
        session->state().couple_id, session->head().seq, deadline, [&](const mend::v1::Entry& e) {
          auto accepted = session->AcceptWatched({e});
          if (!accepted.ok()) {
            failure = accepted.status();
            return false;
          }
          for (const auto* opened : *accepted) {
            for (const auto& f : session->couple().entries) {
              if (f.entry == opened) {
                if (g.json)
                  std::cout << EntryJson(session->couple(), f, session->state().sign_pk).dump()
                            << std::endl;
                else
                  std::cout << EntryLine(session->couple(), f) << std::endl;
              }
            }
            ++seen;
          }
          return count <= 0 || seen < count;
        });
    if (!failure.ok()) return failure;
    if (count > 0 && seen >= count) break;
    if (!s.ok() && !absl::IsUnavailable(s) && !absl::IsUnauthenticated(s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 30000);
  }
  return absl::OkStatus();
}

// What to type for an obligation whose command is not plain from its words.
std::string CommandThatSettles(const Obligation& o) {
  switch (o.what) {
    case Owed::kReflection:
      return " (`mend reflect --prompt-id " + ShellQuoted(o.subject) + "`)";
    case Owed::kReveal:
      return " (`mend sync` posts it)";
    default:
      return "";
  }
}

absl::Status RunStatus(const GlobalOptions& g, bool notify, uint64_t at_seq) {
  if (notify) {
    // For reminders: no passphrase, no server; quiet unless something is owed.
    const Profile profile = Profile::Locate(g.profile);
    // That it ran, for `mend doctor`; a failure must not stop the reminder.
    if (profile.Exists()) (void)RecordReminderRun(profile, NowMs());
    ASSIGN_OR_RETURN(ReminderSummary summary, ReadReminderSummary(profile));
    for (const Obligation& o : summary.owed) {
      std::cout << OneLine("mend: you owe " + summary.partner + ": " +
                           DescribeObligation(o, /*with_subject=*/false))
                << "\n";
    }
    if (!summary.owed.empty() && NowMs() - summary.as_of_unix_ms > 36LL * 3600 * 1000) {
      std::cout << "mend: (as of your last sync, " << LocalDateTime(summary.as_of_unix_ms)
                << "; `mend sync` to update)\n";
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  if (at_seq != 0) {
    // Partners whose heads differ compare the code at an entry both hold.
    if (at_seq > session->entries().size()) {
      return absl::OutOfRangeError(fmt::format(
          "this device holds entries 1 to {}; `mend sync` first", session->entries().size()));
    }
    const auto& e = session->entries()[at_seq - 1];
    std::cout << (g.json ? nlohmann::json(
                               {{"seq", at_seq}, {"chain_code", crypto::ChainCode(at_seq, e.hash)}})
                               .dump()
                         : crypto::ChainCode(at_seq, e.hash))
              << "\n";
    return absl::OkStatus();
  }
  const ProfileState& s = session->state();
  const CoupleState& c = session->couple();
  const std::string me = s.sign_pk;
  const std::string my_last_code = ChainCodeAtLastBy(*session, me);
  const std::string partner_last_code =
      s.partner ? ChainCodeAtLastBy(*session, s.partner->sign_pk) : "";
  const std::string today = LocalDate(NowMs());
  nlohmann::json owed_by_me = nlohmann::json::array(), owed_to_me = nlohmann::json::array();
  std::vector<std::string> my_lines, partner_lines;
  for (const Obligation& o : Obligations(c, me, today, NowMs())) {
    const std::string text = DescribeObligation(o, /*with_subject=*/true);
    (o.mine ? owed_by_me : owed_to_me).push_back(text);
    if (o.mine) {
      my_lines.push_back("you owe: " + text + CommandThatSettles(o));
    } else {
      partner_lines.push_back("waiting for partner: " + text);
    }
  }
  // When this device first saw the partner's latest entry, not the time the
  // partner's client wrote into it: a server that withholds entries, or a
  // partner who backdates them, cannot quiet this warning.
  int64_t partner_last = 0;
  if (s.partner) {
    for (const auto& f : c.entries) {
      if (f.entry->header.author() != s.partner->sign_pk) continue;
      partner_last = f.first_seen_unix_ms != 0 ? f.first_seen_unix_ms : f.unix_ms;
    }
  }
  const SpaceRecord* space = s.partner ? c.ActiveSpace(s.partner->sign_pk, today) : nullptr;
  const SpaceRecord* my_space = c.ActiveSpace(me, today);
  bool quiet = s.partner && partner_last != 0 && NowMs() - partner_last > kQuietPartnerWarningMs;
  if (g.json) {
    nlohmann::json j = {{"profile", g.profile},
                        {"name", s.name},
                        {"pairing", std::string(ToString(s.pairing))},
                        {"couple_id", base::ToHex(s.couple_id)},
                        {"partner", s.partner ? s.partner->name : ""},
                        {"head_seq", session->head().seq},
                        {"head_hash", base::ToHex(session->head().hash)},
                        {"chain_code", ChainCodeOf(*session)},
                        {"safety_confirmed", s.safety_confirmed},
                        {"chain_code_at_my_last", my_last_code},
                        {"chain_code_at_partner_last", partner_last_code},
                        {"closed", c.closed},
                        {"owed_by_me", owed_by_me},
                        {"owed_to_me", owed_to_me},
                        {"partner_space_until", space ? space->request.until() : ""},
                        {"my_space_until", my_space ? my_space->request.until() : ""},
                        {"partner_quiet", quiet}};
    std::cout << j.dump() << "\n";
    return absl::OkStatus();
  }
  std::cout << fmt::format("{} ({}), {}{}\n", s.name, g.profile, ToString(s.pairing),
                           s.partner ? " with " + s.partner->name : "");
  if (s.pairing == PairingState::kPaired) {
    std::cout << fmt::format("log: {} entries, chain code {}{}\n", session->head().seq,
                             ChainCodeOf(*session), c.closed ? " (closed)" : "");
    if (!my_last_code.empty()) std::cout << "at your last entry: " << my_last_code << "\n";
    if (!partner_last_code.empty())
      std::cout << "at " << s.partner->name << "'s last entry: " << partner_last_code << "\n";
    if (!s.safety_confirmed) std::cout << "safety number not confirmed yet: `mend pair verify`\n";
  }
  if (space) {
    std::cout << OneLine(fmt::format(
                     "{} asked for space until {}{}", s.partner->name, space->request.until(),
                     space->request.note().empty() ? "" : ": " + space->request.note()))
              << "\n";
  }
  if (my_space) std::cout << "you asked for space until " << my_space->request.until() << "\n";
  // Owed items quote a partner's titles and prompt ids: one line each.
  for (const auto& line : my_lines) std::cout << OneLine(line) << "\n";
  for (const auto& line : partner_lines) std::cout << OneLine(line) << "\n";
  if (quiet) {
    std::cout << fmt::format(
        "note: nothing from {} has arrived since {}; if they have written, the server may be "
        "withholding entries\n",
        s.partner->name, LocalDateTime(partner_last));
  }
  return absl::OkStatus();
}

absl::Status RunRotate(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  RETURN_IF_ERROR(session->Rotate());
  std::cout << "rotated the couple key to epoch " << session->couple().epoch << "\n";
  return absl::OkStatus();
}

absl::Status RunLeave(const GlobalOptions& g, bool yes) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"reason"}));
  if (!yes && !::isatty(STDIN_FILENO)) {
    return absl::InvalidArgumentError(
        "leaving closes the shared log for both of you; add --yes to confirm");
  }
  if (!yes) {
    std::cerr << "Leaving closes the shared log for both of you. You keep your copy. Type 'leave' "
                 "to confirm: ";
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "leave") return absl::CancelledError("not left");
  }
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  ASSIGN_OR_RETURN(std::string reason,
                   input.Get("reason", "a reason, written into the log? (blank: none)"));
  RETURN_IF_ERROR(session->Leave(reason));
  std::cout << "you have left; your copy of the history stays in this profile (`mend log "
               "--offline`, `mend export`). "
               "`mend purge` deletes the server's copy.\n";
  return absl::OkStatus();
}

absl::Status RunPurge(const GlobalOptions& g, bool yes) {
  if (!yes)
    return absl::InvalidArgumentError(
        "purge deletes the server's copy of the whole couple; add --yes");
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  ASSIGN_OR_RETURN(uint64_t n, session->Purge());
  std::cout << "purged the couple from the server (" << n
            << " entries); your local copy is untouched\n";
  return absl::OkStatus();
}

}  // namespace

void DeclareAccountCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  cli.app.add_subcommand("sync", "fetch, verify and store new entries")->callback(cli.Run([&g] {
    return RunSync(g);
  }));
  struct WatchArgs {
    int count = 0, timeout = 0;
  };
  auto watch = std::make_shared<WatchArgs>();
  auto* c_watch = cli.app.add_subcommand("watch", "print each new entry as it arrives");
  c_watch->add_option("--count", watch->count, "stop after this many entries");
  c_watch->add_option("--timeout", watch->timeout, "stop after this many seconds");
  c_watch->callback(cli.Run([&g, watch] { return RunWatch(g, watch->count, watch->timeout); }));
  struct StatusArgs {
    bool notify = false;
    uint64_t at = 0;
  };
  auto status = std::make_shared<StatusArgs>();
  auto* c_status = cli.app.add_subcommand("status", "who, where, what is owed, chain code");
  c_status->add_flag("--notify", status->notify,
                     "print only what you owe, and nothing when nothing is owed (for reminders)");
  c_status
      ->add_option(
          "--at", status->at,
          "print only the chain code at entry SEQ (to compare with a partner whose head differs)")
      ->check(CLI::Validator(
          [](std::string& seq) {
            return seq.find_first_not_of('0') == std::string::npos ? "entries are numbered from 1"
                                                                   : "";
          },
          "SEQ"));
  c_status->callback(cli.Run([&g, status] { return RunStatus(g, status->notify, status->at); }));

  cli.app.add_subcommand("rotate", "move to a new couple key")->callback(cli.Run([&g] {
    return RunRotate(g);
  }));
  auto leave_yes = std::make_shared<bool>(false);
  auto* c_leave =
      cli.app.add_subcommand("leave", "leave: closes the shared log; you keep your copy");
  RefuseText(c_leave, "--reason", "reason");
  c_leave->add_flag("--yes", *leave_yes, "do not ask for confirmation");
  c_leave->callback(cli.Run([&g, leave_yes] { return RunLeave(g, *leave_yes); }));
  auto purge_yes = std::make_shared<bool>(false);
  auto* c_purge = cli.app.add_subcommand("purge", "delete the couple's data from the server");
  c_purge->add_flag("--yes", *purge_yes, "confirm");
  c_purge->callback(cli.Run([&g, purge_yes] { return RunPurge(g, *purge_yes); }));
}

}  // namespace mend::client
