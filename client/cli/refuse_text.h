// A person's words on the command line would stay in the shell history and
// show in `ps` for anyone with the laptop; mend refuses them there and says
// how to give them safely (at the prompt, or as JSON through --input).
#ifndef MEND_CLIENT_CLI_REFUSE_TEXT_H_
#define MEND_CLIENT_CLI_REFUSE_TEXT_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mend::client {

// Thrown from the parse by the validator of a refused option; main() prints
// it and exits 2.
struct TextOnCommandLine {
  std::string option;   // "--note", or "the question as an argument" for a positional
  std::string command;  // "checkin", "commitment propose"
  std::string field;    // the --input field: "note"
};

// Declares `name` (an option "--note" or a positional "text") on `cmd` only
// to refuse it, hidden from --help; `field` is the --input field that takes
// the same words. Adds a footer to `cmd`'s help saying so.
void RefuseText(CLI::App* cmd, const std::string& name, const std::string& field);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_REFUSE_TEXT_H_
