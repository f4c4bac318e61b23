// Where the words a person writes come from: never the command line, where
// the shell history and `ps` would keep them for anyone with the laptop.
// At a terminal each field is asked for at a prompt; a script gives them all
// at once with `--input FILE` (or `--input -` for standard input) as one JSON
// object, {"note": "...", "follow_ups": ["...", "..."]}, whose keys are the
// fields of the entry (README "Writing from a script").
#ifndef MEND_CLIENT_CLI_TEXT_INPUT_H_
#define MEND_CLIENT_CLI_TEXT_INPUT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace mend::client {

class TextInput {
 public:
  // Reads `--input` (empty: none, "-": standard input, else a file) and
  // checks that it is a JSON object whose keys are among `fields` and whose
  // values are strings (or arrays of strings, for list fields).
  static absl::StatusOr<TextInput> Load(const std::string& input,
                                        const std::set<std::string>& fields);

  // The field's text: from the input when one was given; otherwise asked for
  // at a terminal with `question` (an empty answer leaves it out); otherwise
  // empty. A `required` field that ends up empty is InvalidArgument.
  absl::StatusOr<std::string> Get(const std::string& field, const std::string& question,
                                  bool required = false);
  // A list field: from the input, or one prompt whose answer is split at ';'.
  absl::StatusOr<std::vector<std::string>> GetList(const std::string& field,
                                                   const std::string& question);

  bool from_input() const { return given_; }
  bool has(const std::string& field) const { return given_ && values_.contains(field); }

 private:
  bool given_ = false;
  nlohmann::json values_ = nlohmann::json::object();
};

// True when standard input is a terminal a person can answer prompts at.
bool AtTerminal();
// Asks `question` on stderr and reads one line of standard input (echoed:
// never for a passphrase, which client/cli/passphrase.h reads).
std::string AskLine(const std::string& question);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_TEXT_INPUT_H_
