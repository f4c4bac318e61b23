// mend: the command-line client. The global options, the table of command
// families (commands.h) and the exit codes; the commands are in commands_*.cc.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/cli/refuse_text.h"
#include "client/core/verification_error.h"
#include "client/views/text_safety.h"
#include "crypto/init.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace {

using namespace mend::client;

// Exit codes: 0 ok, 1 error, 2 usage, 3 verification failure.
int PrintErrorAndExitCode(const absl::Status& status) {
  if (status.ok()) return 0;
  // One line, whatever it quotes: a server's words or a partner's (a prompt
  // id in a refusal) cannot start a line that looks like mend's own hint.
  std::cerr << "mend: error: " << OneLine(std::string(status.message())) << "\n";
  if (auto hint = HintFor(status)) std::cerr << "mend: hint: " << *hint << "\n";
  return IsVerificationError(status) ? 3 : 1;
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
  app.set_version_flag("--version", fmt::format("mend {} (mend protocol v{})", MEND_VERSION,
                                                mend::wire::kProtocolVersion));
  // Global options may come after the subcommand too (`mend log --json`),
  // as the README shows them: subcommands pass what they do not know upward.
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--profile", g.profile,
                 "profile name (several partners or servers on one machine)")
      ->envname("MEND_PROFILE")
      ->capture_default_str()
      // The name becomes a directory and a systemd unit name: nothing that
      // could leave the profiles' directory or reach a shell.
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            const bool ok =
                !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
                name.find_first_not_of(
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                    std::string::npos;
            return ok ? ""
                      : "a profile name has 1 to 64 letters, digits, '.', '_' or '-' (and is not . "
                        "or ..)";
          },
          "NAME"));
  app.add_option("--passphrase-file", g.passphrase_file,
                 "read the passphrase from this file (for scripts)");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_flag("--offline", g.offline, "read the local copy without contacting the server");
  app.add_flag("--quiet", g.quiet,
               "no progress display for long syncs and exports (it shows only at a terminal)");
  app.add_flag("--despite-space", g.despite_space,
               "write even though your partner asked for space");
  app.add_option(
      "--input", g.input,
      "for scripts: the text fields as one JSON object, from FILE or - (standard input); "
      "at a terminal mend asks for them instead");
  absl::Status status;
  const CommandLine cli{app, g, status};
  for (auto declare : kCommandFamilies) declare(cli);

  try {
    app.parse(argc, argv);
  } catch (const TextOnCommandLine& e) {
    std::cerr
        << "mend: error: " << e.option
        << " would keep your words in the shell history and the process list; nothing was written\n"
        << "mend: hint: leave it out and mend asks for it, or from a script: printf '%s' '{\""
        << e.field << "\": \"...\"}' | mend " << e.command << " ... --input -\n";
    return 2;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // `mend frobnicate` leaves the word unparsed and no command chosen:
    // name the word rather than say that a command is missing.
    const std::vector<std::string> left = app.remaining();
    if (app.get_subcommands().empty() && !left.empty() && !left.front().starts_with("-")) {
      std::cerr << "mend: error: '" << left.front() << "' is not a mend command\n";
    } else {
      std::cerr << "mend: error: " << e.what() << "\n";
    }
    std::cerr << "mend: hint: see `mend --help` or `mend COMMAND --help`\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mend: error: " << e.what() << "\n";
    return 1;
  }
  return PrintErrorAndExitCode(status);
}
