// `mend completion bash|zsh|fish`: the shell completion script, generated
// from the command table (completion_script.h). Hidden from --help: the
// packages install the scripts where each shell finds them.
#include <iostream>
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/completion_script.h"

namespace mend::client {

void DeclareCompletionCommand(const CommandLine& cli) {
  auto shell = std::make_shared<std::string>();
  auto* c_completion = cli.app.add_subcommand(
      "completion", "print the shell completion script for bash, zsh or fish");
  c_completion->group("");  // hidden
  c_completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  c_completion->callback(cli.Run([&app = cli.app, shell]() -> absl::Status {
    const std::optional<Shell> parsed = ParseShell(*shell);
    if (!parsed) return absl::InvalidArgumentError("the shells are bash, zsh and fish");
    std::cout << CompletionScript(app, "mend", *parsed);
    return absl::OkStatus();
  }));
}

}  // namespace mend::client
