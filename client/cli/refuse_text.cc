#include "client/cli/refuse_text.h"

#include <map>
#include <vector>

namespace mend::client {

void RefuseText(CLI::App* cmd, const std::string& name, const std::string& field) {
  static std::vector<std::string> sink;
  static std::map<const CLI::App*, std::string> fields;
  std::string& listed = fields[cmd];
  listed += (listed.empty() ? "" : ", ") + field;
  cmd->footer(
      "Your words (" + listed +
      ") are asked for at the terminal, never taken from the command line.\n"
      "Scripts give them as one JSON object: --input FILE, or --input - for standard input.");
  const std::string what = name.rfind("--", 0) == 0 ? name : "the " + field + " as an argument";
  const std::string command = cmd->get_parent() && cmd->get_parent()->get_parent()
                                  ? cmd->get_parent()->get_name() + " " + cmd->get_name()
                                  : cmd->get_name();
  cmd->add_option(name, sink)
      ->group("")
      ->check(CLI::Validator(
          [what, command, field](std::string&) -> std::string {
            throw TextOnCommandLine{what, command, field};
          },
          "", "refused"));
}

}  // namespace mend::client
