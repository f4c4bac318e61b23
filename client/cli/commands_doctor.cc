// `mend doctor`: checks what a profile needs to work and to stay private,
// one line each, and says in plain words how to fix what is wrong. The
// checks run in order; one that needs what an earlier one found broken is
// shown as not checked. Exit 0 when nothing is wrong (notes are not
// problems), 1 otherwise. It writes nothing to the log and nothing of the
// profile except what any command would (the server id pinned at first
// contact).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/hex.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/cli/passphrase.h"
#include "client/core/doctor.h"
#include "client/core/problem.h"
#include "client/core/reminder_summary.h"
#include "client/state/calendar.h"
#include "client/views/text_safety.h"
#include "crypto/bytes.h"
#include "crypto/safety_number.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "proto/wire.h"

namespace mend::client {
namespace {

// A reminder that has not run for this long, though installed, is not running.
constexpr int64_t kReminderLateMs = 36LL * 3600 * 1000;

enum class Outcome { kOk, kNote, kProblem, kUnchecked };

std::string_view OutcomeWord(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kNote:
      return "note";
    case Outcome::kProblem:
      return "PROBLEM";
    case Outcome::kUnchecked:
      return "unchecked";
  }
  return "";
}

struct Finding {
  std::string check;  // one word: files, key, copy, server, transport, clock, log, reminder
  Outcome outcome = Outcome::kOk;
  std::string detail;
  std::string fix;  // what to do, for a problem (and some notes)
};

class Examination {
 public:
  void Add(std::string check, Outcome outcome, std::string detail, std::string fix = "") {
    findings_.push_back({std::move(check), outcome, std::move(detail), std::move(fix)});
  }
  void Unchecked(std::string check, std::string why) {
    Add(std::move(check), Outcome::kUnchecked, std::move(why));
  }
  // The checks that need what an earlier one found broken.
  void Unchecked(std::initializer_list<const char*> checks, const std::string& why) {
    for (const char* check : checks) Unchecked(check, why);
  }
  bool AllWell() const {
    for (const Finding& f : findings_)
      if (f.outcome == Outcome::kProblem || f.outcome == Outcome::kUnchecked) return false;
    return true;
  }
  const std::vector<Finding>& findings() const { return findings_; }

 private:
  std::vector<Finding> findings_;
};

std::string Seconds(int64_t ms) {
  return ms < 10'000    ? fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0)
         : ms < 120'000 ? fmt::format("{} s", ms / 1000)
                        : fmt::format("{} min", ms / 60'000);
}

void CheckFiles(const Profile& profile, Examination& exam) {
  size_t checked = 0;
  const std::vector<ExposedPath> exposed = FindExposedPaths(profile, &checked);
  if (exposed.empty()) {
    exam.Add(
        "files", Outcome::kOk,
        fmt::format("{}, its files, the settings and their folders are yours alone ({} checked)",
                    profile.dir(), checked));
    return;
  }
  for (const ExposedPath& p : exposed) {
    if (p.symlink) {
      exam.Add("files", Outcome::kProblem,
               fmt::format("{} is a symbolic link; mend keeps its own files in place", p.path),
               fmt::format("replace the link with the file it points to (`cp --remove-destination "
                           "\"$(readlink -f {0})\" {0}`) if you made it yourself; if not, someone "
                           "else had your account",
                           ShellQuoted(p.path)));
    } else if (p.foreign_owner) {
      exam.Add("files", Outcome::kProblem,
               fmt::format("{} belongs to user id {}, not to you: they can read or replace it",
                           p.path, p.owner),
               fmt::format("`sudo chown {}:{} {}`", ::geteuid(), ::getegid(), ShellQuoted(p.path)));
    } else if (p.holds_profile) {
      exam.Add("files", Outcome::kProblem,
               fmt::format("{} has mode {:04o}: other users of this machine can put files in it, "
                           "or swap your profile for another",
                           p.path, p.mode),
               fmt::format("`chmod go-w {}`", ShellQuoted(p.path)));
    } else {
      const mode_t want = p.directory ? 0700 : 0600;
      exam.Add("files", Outcome::kProblem,
               fmt::format("{} has mode {:04o}: other users of this machine can {} it", p.path,
                           p.mode, p.directory ? "list or enter" : "read or change"),
               fmt::format("`chmod {:o} {}`", want, ShellQuoted(p.path)));
    }
  }
}

// The reminder: a systemd user timer `mend remind` wrote, and the record the
// reminder itself leaves when it runs (systemd or cron).
void CheckReminder(const GlobalOptions& g, const Profile& profile, Examination& exam) {
  const std::filesystem::path timer = UserUnitDir() / ("mend-remind-" + g.profile + ".timer");
  std::string daily;
  int64_t installed_ms = 0;
  if (std::ifstream in(timer); in) {
    for (std::string line; std::getline(in, line);) {
      // OnCalendar=*-*-* HH:MM:00, as `mend remind` writes it
      if (line.starts_with("OnCalendar=") && line.size() >= 22) daily = line.substr(17, 5);
    }
    struct stat st;
    if (::stat(timer.c_str(), &st) == 0) installed_ms = int64_t{st.st_mtime} * 1000;
  }
  const int64_t last = LastReminderRun(profile);
  const int64_t now = NowMs();
  const std::string ran = last == 0 ? "has not run yet" : "last ran " + LocalDateTime(last);
  if (daily.empty() && last == 0) {
    exam.Add("reminder", Outcome::kNote, "no daily reminder",
             "`mend remind --daily 20:00` sets one (or `--print` for cron)");
  } else if (daily.empty()) {
    exam.Add("reminder", now - last > kReminderLateMs ? Outcome::kNote : Outcome::kOk,
             fmt::format("no timer; a reminder {} (cron?)", ran));
  } else if (now - std::max(last, installed_ms) > kReminderLateMs) {
    exam.Add("reminder", Outcome::kProblem,
             fmt::format("the timer for {} daily is installed but {}", daily, ran),
             fmt::format("`systemctl --user enable --now mend-remind-{}.timer`; where there is no "
                         "systemd, `mend remind --print` gives a crontab line",
                         g.profile));
  } else {
    exam.Add("reminder", Outcome::kOk, fmt::format("daily at {}; {}", daily, ran));
  }
}

// Everything that needs the server: it answers, speaks this protocol, is the
// server this profile first met, over a transport that keeps it private;
// this device's clock agrees with it; its log holds what this device verified.
void CheckServer(Session& session, Examination& exam) {
  absl::StatusOr<Connection*> conn = session.connection();
  if (!conn.ok()) {
    exam.Add("server", Outcome::kProblem, std::string(conn.status().message()),
             HintFor(conn.status()).value_or(""));
    exam.Unchecked({"transport", "clock", "log"}, "needs the server");
    return;
  }
  const ServerConfig& config = (*conn)->config();
  const int64_t sent = NowMs();
  absl::StatusOr<mend::v1::GetInfoResponse> info = (*conn)->GetInfo();
  const int64_t received = NowMs();
  if (!info.ok()) {
    std::string fix = HintFor(info.status()).value_or("");
    if (absl::IsUnavailable(info.status()) && config.tls_ca_file.empty() && !config.insecure &&
        !IsLoopbackTarget(config.address)) {
      fix += fmt::format(
          "; if the server's certificate is from a CA of its own, `mend server set --server {} "
          "--tls-ca FILE`",
          config.address);
    }
    exam.Add("server", Outcome::kProblem, std::string(info.status().message()), fix);
    exam.Unchecked({"transport", "clock", "log"}, "needs the server");
    return;
  }
  const absl::Status protocol = CheckProtocolVersion(info->protocol_version(), config.address);
  if (!protocol.ok()) {
    exam.Add("server", Outcome::kProblem, std::string(protocol.message()),
             "until then this mend cannot use it");
    exam.Unchecked({"transport", "clock", "log"}, "needs a server of this protocol");
    return;
  }
  exam.Add("server", Outcome::kOk,
           fmt::format("{} answers: mendd {}, protocol v{}", config.address,
                       // a hostile server's version string is its own words: one short line
                       OneLine(info->version().substr(0, 64)), info->protocol_version()));

  // Transport and the server id.
  const Bytes& pinned = session.state().server_id;
  const std::string id = base::ToHex(info->server_id());
  const std::string transport = TransportWords(config);
  bool id_ok = true;
  if (!pinned.empty() && !crypto::ConstantTimeEquals(pinned, info->server_id())) {
    id_ok = false;
    exam.Add("transport", Outcome::kProblem,
             fmt::format("{}; the server's id is {}, but this profile first met {}", transport, id,
                         base::ToHex(pinned)),
             AdviceFor(Problem::kServerIdChanged));
  } else if (config.insecure) {
    exam.Add("transport", Outcome::kProblem, fmt::format("{}; server id {}", transport, id),
             "your entries stay encrypted and signed, but anyone on the way sees when you write "
             "and how much, and can pose as the server to withhold entries; give the server a "
             "certificate (README \"Running a server\") and run `mend server set --server "
             "HOST:PORT --tls-ca FILE`");
  } else {
    exam.Add("transport", Outcome::kOk,
             fmt::format("{}; server id {}{}", transport, id,
                         pinned.empty() ? " (not pinned yet: it will be at the first login)"
                                        : ", as pinned"));
  }

  // The clock.
  const std::optional<ClockReading> clock = ReadClock(sent, info->server_unix_ms(), received);
  if (!clock) {
    exam.Add("clock", Outcome::kNote, "this mendd does not say its time (mendd 0.1)",
             "upgrading mendd lets doctor compare clocks");
  } else {
    const int64_t off = std::abs(clock->skew_ms);
    const std::string how =
        fmt::format("{} {} the server's (give or take {})", Seconds(off),
                    clock->skew_ms >= 0 ? "ahead of" : "behind", Seconds(clock->uncertainty_ms));
    if (off - clock->uncertainty_ms > ClockSkewAllowedMs()) {
      exam.Add("clock", Outcome::kProblem, "this device's clock is " + how,
               "your partner's mend marks the times of entries written with a clock this far off; "
               "turn on network time (`sudo timedatectl set-ntp true`), or tell the server's "
               "operator if it is the server's clock");
    } else {
      exam.Add("clock", Outcome::kOk, "this device's clock is " + how);
    }
  }

  // The server's log against the verified copy.
  if (session.state().pairing != PairingState::kPaired) {
    exam.Add("log", Outcome::kNote, "not paired yet: no log to compare",
             AdviceFor(Problem::kNotPaired));
    return;
  }
  if (!id_ok) {
    exam.Unchecked("log", "not asked of a server with another id");
    return;
  }
  absl::StatusOr<ServerLogCheck> log = CompareServerLog(session);
  if (!log.ok()) {
    exam.Add("log", Outcome::kProblem, std::string(log.status().message()),
             HintFor(log.status()).value_or(""));
    return;
  }
  const std::string verified_fix =
      "your copy was left as it was; keep it, do not trust the server until this is explained, "
      "and compare `mend status` chain codes with your partner in person";
  switch (log->verdict) {
    case ServerLogCheck::Verdict::kSame:
      exam.Add("log", Outcome::kOk, fmt::format("the server's head is yours, #{}", log->local_seq));
      break;
    case ServerLogCheck::Verdict::kAhead:
      exam.Add("log", Outcome::kOk,
               fmt::format("the server holds your head #{} and {} newer (`mend sync` fetches them)",
                           log->local_seq, log->server_seq - log->local_seq));
      break;
    case ServerLogCheck::Verdict::kRolledBack:
      exam.Add("log", Outcome::kProblem,
               fmt::format("the server's log ends at #{}, but this device verified #{}: the server "
                           "lost or withholds entries",
                           log->server_seq, log->local_seq),
               verified_fix);
      break;
    case ServerLogCheck::Verdict::kForked:
      exam.Add("log", Outcome::kProblem,
               fmt::format("the server's entry #{} is not the one this device verified: the "
                           "server shows another history",
                           log->local_seq),
               verified_fix);
      break;
  }
}

void Print(const GlobalOptions& g, const Profile& profile, const Examination& exam) {
  if (g.json) {
    nlohmann::json checks = nlohmann::json::array();
    for (const Finding& f : exam.findings()) {
      // Escaped as on a terminal: a server's words may hold anything, even bytes
      // that are not UTF-8 (which nlohmann::json refuses to write).
      nlohmann::json item = {{"check", f.check},
                             {"outcome", std::string(OutcomeWord(f.outcome))},
                             {"detail", OneLine(f.detail)}};
      if (!f.fix.empty()) item["fix"] = OneLine(f.fix);
      checks.push_back(std::move(item));
    }
    std::cout << nlohmann::json({{"profile", profile.name()},
                                 {"all_well", exam.AllWell()},
                                 {"checks", checks}})
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return;
  }
  std::cout << fmt::format("mend doctor: profile '{}'\n", profile.name());
  for (const Finding& f : exam.findings()) {
    std::cout << fmt::format("{:<10} {:<10} {}\n", OutcomeWord(f.outcome), f.check,
                             OneLine(f.detail));
    if (!f.fix.empty()) std::cout << fmt::format("{:<21} fix: {}\n", "", OneLine(f.fix));
  }
  std::cout << (!exam.AllWell() ? "something needs fixing: see PROBLEM above\n"
                : g.offline     ? "all that was checked is well\n"
                                : "all is well\n");
}

absl::Status RunDoctor(const GlobalOptions& g) {
  const Profile profile = Profile::Locate(g.profile);
  RETURN_IF_ERROR(Session::RequireProfile(profile));
  Examination exam;
  CheckFiles(profile, exam);

  std::unique_ptr<Session> session;
  absl::StatusOr<crypto::SecretBytes> pass = ReadPassphrase(g.passphrase_file, false);
  if (!pass.ok()) {
    exam.Add("key", Outcome::kUnchecked, "no passphrase: " + std::string(pass.status().message()),
             "run doctor at a terminal, or give --passphrase-file");
    exam.Unchecked("copy", "needs the key file opened");
  } else {
    absl::StatusOr<std::unique_ptr<Session>> opened = Session::Open(profile, *pass, ProgressFor(g));
    const std::optional<Problem> problem = opened.ok() ? std::nullopt : ProblemOf(opened.status());
    // Session::Open reads the key file first and marks each way that fails.
    const bool key_failed =
        !opened.ok() &&
        (problem == Problem::kWrongPassphrase || problem == Problem::kKeyFileDamaged ||
         problem == Problem::kKeyFileUnreadable || problem == Problem::kNoProfile);
    if (key_failed) {
      exam.Add("key", Outcome::kProblem, std::string(opened.status().message()),
               HintFor(opened.status()).value_or(""));
      exam.Unchecked("copy", "needs the key file opened");
    } else {
      exam.Add("key", Outcome::kOk, profile.key_path() + " opens with your passphrase");
      if (!opened.ok()) {
        exam.Add("copy", Outcome::kProblem, std::string(opened.status().message()),
                 HintFor(opened.status()).value_or(""));
      } else {
        session = *std::move(opened);
        const absl::Status whole = session->LoadHistory();
        if (!whole.ok()) {
          exam.Add("copy", Outcome::kProblem, std::string(whole.message()),
                   HintFor(whole).value_or(""));
          session.reset();
        } else {
          const crypto::ChainHead head = session->head();
          exam.Add("copy", Outcome::kOk,
                   head.seq == 0 ? std::string("no entries yet")
                                 : fmt::format("{} {}, head {}", head.seq,
                                               head.seq == 1 ? "entry verifies" : "entries verify",
                                               crypto::ChainCode(head.seq, head.hash)));
        }
      }
    }
  }
  if (!session) {
    exam.Unchecked({"server", "transport", "clock", "log"}, "needs the profile opened");
  } else if (g.offline) {
    exam.Add("server", Outcome::kNote, "not asked (--offline): transport, clock and log unchecked");
  } else {
    CheckServer(*session, exam);
  }
  CheckReminder(g, profile, exam);
  Print(g, profile, exam);
  // The findings said it all; the exit code says whether all is well.
  return exam.AllWell() ? absl::OkStatus()
                        : WithHint(absl::FailedPreconditionError("doctor found something to fix"),
                                   "the lines marked PROBLEM say what to do");
}

}  // namespace

void DeclareDoctorCommand(const CommandLine& cli) {
  auto* c = cli.app.add_subcommand(
      "doctor",
      "check this profile: file permissions, the key file, the local copy, the server (version, "
      "TLS, server id, clock, its log) and the reminder; says how to fix what is wrong");
  c->callback(cli.Run([&g = cli.g] { return RunDoctor(g); }));
}

}  // namespace mend::client
