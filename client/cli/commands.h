// The mend commands as one table: each family of commands is one file
// (commands_<family>.cc) that declares its subcommands, their flags and their
// run functions on the command line through its Declare function; main.cc
// sets the global options, calls every Declare function in kCommandFamilies
// order and maps the status a run function leaves to an exit code (0 ok,
// 1 error, 2 usage, 3 verification).
#ifndef MEND_CLIENT_CLI_COMMANDS_H_
#define MEND_CLIENT_CLI_COMMANDS_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/core/session.h"

namespace mend::client {

struct GlobalOptions {
  std::string profile = "default";
  std::string passphrase_file;
  bool json = false;
  bool offline = false;        // read commands: no sync first
  bool despite_space = false;  // write commands
  bool quiet = false;          // no progress display
  std::string input;           // --input: the text fields as JSON (text_input.h)
};

// What a family of commands needs to join the command line.
struct CommandLine {
  CLI::App& app;
  const GlobalOptions& g;  // filled by the parse, before any run function runs
  absl::Status& status;    // the run function's result, for main()

  // A CLI11 callback that runs `run` and keeps its status.
  std::function<void()> Run(std::function<absl::Status()> run) const {
    return [&result = status, run = std::move(run)] { result = run(); };
  }
};

void DeclarePairingCommands(const CommandLine& cli);  // init, pair, passphrase
void DeclareServerCommand(const CommandLine& cli);    // server show|set
void DeclareAccountCommands(const CommandLine& cli);  // sync, watch, status, rotate, leave, purge
void DeclareEntryCommands(
    const CommandLine& cli);  // checkin, trigger, ack, ask, answer, letter, disclose, space
void DeclareCommitmentCommands(
    const CommandLine& cli);  // commitment propose|amend|retire|accept|...|outcome|list
void DeclareReadCommands(const CommandLine& cli);       // log, show
void DeclareBeyondCommands(const CommandLine& cli);     // talk, reflect, prefs, remind
void DeclareExportCommand(const CommandLine& cli);      // export
void DeclareForgetCommand(const CommandLine& cli);      // forget
void DeclareDoctorCommand(const CommandLine& cli);      // doctor
void DeclareCompletionCommand(const CommandLine& cli);  // completion (hidden; needs all above)

// In the order `mend --help` lists them.
inline constexpr void (*kCommandFamilies[])(const CommandLine&) = {
    DeclarePairingCommands,    DeclareServerCommand, DeclareAccountCommands,   DeclareEntryCommands,
    DeclareCommitmentCommands, DeclareReadCommands,  DeclareBeyondCommands,    DeclareExportCommand,
    DeclareForgetCommand,      DeclareDoctorCommand, DeclareCompletionCommand,
};

// What the families share.

// What a command reads of the log: only the facts (members, commitments,
// triggers, questions, space, reflections: what writing an entry needs), or
// the history too (each entry: log, show, status, export, talk). Reading the
// facts costs the entries since the last run; the history costs all of them.
enum class Reads { kFacts, kHistory };

// The server settings `init` and `server set` were given: --insecure and
// --tls-ca exclude each other, the CA file must exist and is kept as its
// canonical path.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(const std::string& address,
                                                   const std::string& tls_ca, bool insecure);
// The transport of `config` in words: "TLS, trusting only the CA in FILE", ...
std::string TransportWords(const ServerConfig& config);
// Once settings are taken: a warning on standard error for plaintext beyond
// this machine, or (with the settings `before`) for a private CA dropped.
void WarnOfTransport(const ServerConfig& config, const ServerConfig* before);
// A progress display on standard error for the session's long work, or
// nullptr when it is not a terminal or --quiet was given (progress_meter.h).
ProgressReport ProgressFor(const GlobalOptions& g);
// Unlocks the profile; syncs first unless `offline`.
absl::StatusOr<std::unique_ptr<Session>> OpenSession(const GlobalOptions& g, bool sync,
                                                     Reads reads = Reads::kHistory);
// Appends after the space courtesy check; prints "wrote #SEQ".
absl::Status WriteEntry(Session& session, const GlobalOptions& g, const mend::v1::Payload& payload);
// Shows the partner's disclosure preference for `topic`; ASK_FIRST needs `confirmed`.
absl::Status CheckDisclosurePreference(const Session& session, const std::string& topic,
                                       bool confirmed);
// What pairing awaits, in words and with the command to type.
std::string DescribePairing(const PairingProgress& progress);
// Removes the profile's reminder timer, if any; true when there was one.
bool RemoveReminder(const std::string& profile);
// Where `mend remind` writes the systemd user units (mend-remind-PROFILE.timer, .service).
std::filesystem::path UserUnitDir();

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_COMMANDS_H_
