// Shell completion scripts for mend (bash, zsh and fish), generated from the
// CLI11 command tree that main() declares: every subcommand and option that
// `--help` shows and none that it hides (the refused text options, the
// `completion` command itself), with the choices of options that take one of
// a fixed set. Built from the table, they cannot drift from it.
#ifndef MEND_CLIENT_CLI_COMPLETION_SCRIPT_H_
#define MEND_CLIENT_CLI_COMPLETION_SCRIPT_H_

#include <optional>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"

namespace mend::client {

enum class Shell { kBash, kZsh, kFish };

// "bash", "zsh" or "fish"; nullopt for anything else.
std::optional<Shell> ParseShell(std::string_view name);

// The completion script for `program`, the command whose tree `root` is.
// Options of a command that passes unknown
// options up to its parent (CLI11's fallthrough) complete at the command too.
// REQUIRES: every subcommand and option of `root` is declared.
std::string CompletionScript(const CLI::App& root, std::string_view program, Shell shell);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_COMPLETION_SCRIPT_H_
