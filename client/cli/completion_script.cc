#include "client/cli/completion_script.h"

#include <algorithm>
#include <vector>

#include "fmt/format.h"

namespace mend::client {
namespace {

struct OptionSpec {
  std::vector<std::string> names;    // as typed: "--json", "-o"
  std::string description;           // one line
  bool takes_value = false;          // --format md, not --json
  std::vector<std::string> choices;  // a CLI::IsMember set; empty: any value (a file, say)
};

struct CommandSpec {
  std::string path;                 // "pair invite"; "" for the program itself
  std::string name;                 // "invite"; "" for the program itself
  std::string description;          // one line
  std::vector<size_t> subcommands;  // into CommandTree::commands, in --help order
  std::vector<size_t> options;      // into CommandTree::options: its own, then inherited
};

struct CommandTree {
  std::vector<CommandSpec> commands;  // depth first; commands[0] is the program
  std::vector<OptionSpec> options;
};

std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  return text;
}

// CLI11 shows an IsMember check in the type name: "TEXT:{text,md,json}".
std::vector<std::string> Choices(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const size_t open = type.find(":{");
  const size_t close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> choices;
  std::string_view set(type.data() + open + 2, close - open - 2);
  while (!set.empty()) {
    const size_t comma = set.find(',');
    choices.emplace_back(set.substr(0, comma));
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  return choices;
}

bool Shown(const CLI::Option& option) {
  return !option.get_group().empty() &&
         (!option.get_lnames().empty() || !option.get_snames().empty());
}

// Options an app declares itself, and those of its nameless option groups.
void AddOwnOptions(const CLI::App& app, CommandTree& tree, std::vector<size_t>& into) {
  for (const CLI::Option* option : app.get_options()) {
    if (!Shown(*option)) continue;
    OptionSpec spec;
    for (const auto& name : option->get_snames()) spec.names.push_back("-" + name);
    for (const auto& name : option->get_lnames()) spec.names.push_back("--" + name);
    spec.description = OneLine(option->get_description());
    spec.takes_value = option->get_items_expected_max() > 0;
    if (spec.takes_value) spec.choices = Choices(*option);
    into.push_back(tree.options.size());
    tree.options.push_back(std::move(spec));
  }
  for (const CLI::App* group :
       app.get_subcommands([](const CLI::App* sub) { return sub->get_name().empty(); })) {
    AddOwnOptions(*group, tree, into);
  }
}

bool Declares(const CommandTree& tree, const std::vector<size_t>& options,
              const std::string& name) {
  return std::any_of(options.begin(), options.end(), [&](size_t i) {
    const auto& names = tree.options[i].names;
    return std::find(names.begin(), names.end(), name) != names.end();
  });
}

void Collect(const CLI::App& app, const std::string& path, std::optional<size_t> parent,
             CommandTree& tree) {
  const size_t index = tree.commands.size();
  tree.commands.push_back(
      {path, parent ? app.get_name() : "", OneLine(app.get_description()), {}, {}});
  std::vector<size_t> options;
  AddOwnOptions(app, tree, options);
  // What the command does not know it passes up: its parent's options work
  // here too, unless the command declares the same name itself.
  if (parent && app.get_fallthrough()) {
    for (size_t i : tree.commands[*parent].options) {
      if (!Declares(tree, options, tree.options[i].names.front())) options.push_back(i);
    }
  }
  tree.commands[index].options = std::move(options);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* sub) {
         return !sub->get_name().empty() && !sub->get_group().empty();
       })) {
    tree.commands[index].subcommands.push_back(tree.commands.size());
    Collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), index, tree);
  }
}

CommandTree Describe(const CLI::App& root) {
  CommandTree tree;
  Collect(root, "", std::nullopt, tree);
  return tree;
}

// A word for bash and zsh, in single quotes.
std::string ShellQuote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A word for fish, in single quotes (where only \ and ' are special).
std::string FishQuote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string Join(const std::vector<std::string>& words) {
  return fmt::format("{}", fmt::join(words, " "));
}

std::vector<std::string> SubcommandNames(const CommandTree& tree, const CommandSpec& command) {
  std::vector<std::string> names;
  for (size_t i : command.subcommands) names.push_back(tree.commands[i].name);
  return names;
}

std::string Bash(const CommandTree& tree, std::string_view program) {
  std::string out = fmt::format(
      "# bash completion for {0}, generated by `{0} completion bash` from {0}'s command table.\n"
      "# Installed as /usr/share/bash-completion/completions/{0}; or: source <({0} completion "
      "bash)\n\n"
      "# _{0}_spec PATH: the subcommands, options and options taking a value of the command "
      "PATH.\n"
      "_{0}_spec() {{\n"
      "  case \"$1\" in\n",
      program);
  std::string choices;
  for (const CommandSpec& command : tree.commands) {
    std::vector<std::string> options, value_options;
    for (size_t i : command.options) {
      const OptionSpec& option = tree.options[i];
      for (const auto& name : option.names) {
        options.push_back(name);
        if (option.takes_value) value_options.push_back(name);
        if (!option.choices.empty()) {
          choices += fmt::format("    {}) choices={} ;;\n", ShellQuote(command.path + "|" + name),
                                 ShellQuote(Join(option.choices)));
        }
      }
    }
    out += fmt::format(
        "    {})\n      commands={}\n      options={}\n      value_options={}\n      ;;\n",
        ShellQuote(command.path), ShellQuote(Join(SubcommandNames(tree, command))),
        ShellQuote(Join(options)), ShellQuote(" " + Join(value_options) + " "));
  }
  out += fmt::format(
      "    *) commands='' options='' value_options=' ' ;;\n"
      "  esac\n"
      "}}\n\n"
      "# _{0}_choices PATH OPTION: the values OPTION of command PATH takes; fails for any value.\n"
      "_{0}_choices() {{\n"
      "  case \"$1|$2\" in\n"
      "{1}"
      "    *) return 1 ;;\n"
      "  esac\n"
      "}}\n\n"
      "_{0}() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} path='' commands options value_options choices "
      "word i\n"
      "  _{0}_spec ''\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    word=${{COMP_WORDS[i]}}\n"
      "    if [[ $value_options == *\" $word \"* ]]; then\n"
      "      ((i++))  # the option's value\n"
      "    elif [[ $word != -* && \" $commands \" == *\" $word \"* ]]; then\n"
      "      path=${{path:+$path }}$word\n"
      "      _{0}_spec \"$path\"\n"
      "    fi\n"
      "  done\n"
      "  if ((i > COMP_CWORD)); then  # the word is the value of the option before it\n"
      "    if _{0}_choices \"$path\" \"${{COMP_WORDS[COMP_CWORD - 1]}}\"; then\n"
      "      COMPREPLY=($(compgen -W \"$choices\" -- \"$cur\"))\n"
      "    else\n"
      "      compopt -o filenames 2>/dev/null\n"
      "      COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "    fi\n"
      "  elif [[ $cur == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
      "  else\n"
      "    COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
      "  fi\n"
      "}}\n"
      "complete -F _{0} {0}\n",
      program, choices);
  return out;
}

// zsh's _describe takes "word:description"; a colon in the word is escaped.
std::string Described(std::string_view word, std::string_view description) {
  std::string escaped;
  for (char c : word) {
    if (c == ':' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return ShellQuote(escaped + ":" + std::string(description));
}

std::string Zsh(const CommandTree& tree, std::string_view program) {
  // No variable here is named commands, options or path: zsh has those already.
  std::string out = fmt::format(
      "#compdef {0}\n"
      "# zsh completion for {0}, generated by `{0} completion zsh` from {0}'s command table.\n"
      "# Installed as /usr/share/zsh/vendor-completions/_{0}; or: source <({0} completion zsh)\n\n"
      "# _{0}_spec PATH: the subcommands, options and options taking a value of the command "
      "PATH.\n"
      "_{0}_spec() {{\n"
      "  case \"$1\" in\n",
      program);
  std::string choices;
  for (const CommandSpec& command : tree.commands) {
    std::vector<std::string> described_commands, described_options, value_options;
    for (size_t i : command.subcommands) {
      described_commands.push_back(Described(tree.commands[i].name, tree.commands[i].description));
    }
    for (size_t i : command.options) {
      const OptionSpec& option = tree.options[i];
      for (const auto& name : option.names) {
        described_options.push_back(Described(name, option.description));
        if (option.takes_value) value_options.push_back(name);
        if (!option.choices.empty()) {
          choices += fmt::format("    {}) reply=({}) ;;\n", ShellQuote(command.path + "|" + name),
                                 Join(option.choices));
        }
      }
    }
    out += fmt::format(
        "    {})\n      cmd_names=({})\n      cmd_described=(\n        {}\n      )\n"
        "      opt_described=(\n        {}\n      )\n      value_opts=({})\n      ;;\n",
        ShellQuote(command.path), Join(SubcommandNames(tree, command)),
        fmt::join(described_commands, "\n        "), fmt::join(described_options, "\n        "),
        Join(value_options));
  }
  out += fmt::format(
      "    *) cmd_names=() cmd_described=() opt_described=() value_opts=() ;;\n"
      "  esac\n"
      "}}\n\n"
      "# _{0}_choices PATH OPTION: the values OPTION of command PATH takes, in $reply; fails for\n"
      "# any value.\n"
      "_{0}_choices() {{\n"
      "  case \"$1|$2\" in\n"
      "{1}"
      "    *) return 1 ;;\n"
      "  esac\n"
      "}}\n\n"
      "_{0}() {{\n"
      "  local cmdpath='' word i\n"
      "  local -a cmd_names cmd_described opt_described value_opts reply\n"
      "  _{0}_spec ''\n"
      "  for ((i = 2; i < CURRENT; i++)); do\n"
      "    word=${{words[i]}}\n"
      "    if (( ${{value_opts[(Ie)$word]}} )); then\n"
      "      ((i++))  # the option's value\n"
      "    elif [[ $word != -* ]] && (( ${{cmd_names[(Ie)$word]}} )); then\n"
      "      cmdpath=${{cmdpath:+$cmdpath }}$word\n"
      "      _{0}_spec \"$cmdpath\"\n"
      "    fi\n"
      "  done\n"
      "  if ((i > CURRENT)); then  # the word is the value of the option before it\n"
      "    if _{0}_choices \"$cmdpath\" \"${{words[CURRENT-1]}}\"; then\n"
      "      compadd -a reply\n"
      "    else\n"
      "      _files\n"
      "    fi\n"
      "  elif [[ ${{words[CURRENT]}} == -* ]]; then\n"
      "    _describe -t options option opt_described\n"
      "  else\n"
      "    _describe -t commands '{0} command' cmd_described\n"
      "  fi\n"
      "}}\n\n"
      "if [[ ${{funcstack[1]}} == _{0} ]]; then\n"
      "  _{0} \"$@\"\n"
      "else\n"
      "  compdef _{0} {0}\n"
      "fi\n",
      program, choices);
  return out;
}

std::string Fish(const CommandTree& tree, std::string_view program) {
  std::string out = fmt::format(
      "# fish completion for {0}, generated by `{0} completion fish` from {0}'s command table.\n"
      "# Installed as /usr/share/fish/vendor_completions.d/{0}.fish; or: {0} completion fish | "
      "source\n\n"
      "# __{0}_spec PATH commands|value_options: those of the command PATH, one a line.\n"
      "function __{0}_spec --argument-names cmdpath kind\n"
      "    switch \"$cmdpath\"\n",
      program);
  for (const CommandSpec& command : tree.commands) {
    std::vector<std::string> value_options;
    for (size_t i : command.options) {
      const OptionSpec& option = tree.options[i];
      if (!option.takes_value) continue;
      for (const auto& name : option.names) value_options.push_back(FishQuote(name));
    }
    std::vector<std::string> names;
    for (const auto& name : SubcommandNames(tree, command)) names.push_back(FishQuote(name));
    out += fmt::format("        case {}\n", FishQuote(command.path));
    if (!names.empty()) {
      out += fmt::format("            test $kind = commands; and printf '%s\\n' {}\n", Join(names));
    }
    if (!value_options.empty()) {
      out += fmt::format("            test $kind = value_options; and printf '%s\\n' {}\n",
                         Join(value_options));
    }
  }
  out += fmt::format(
      "    end\n"
      "    return 0\n"
      "end\n\n"
      "# The command the words before the cursor name: \"\", \"pair\", \"pair invite\".\n"
      "function __{0}_path\n"
      "    set -l tokens (commandline -opc)\n"
      "    set -e tokens[1]\n"
      "    set -l cmdpath ''\n"
      "    set -l skip 0\n"
      "    for token in $tokens\n"
      "        if test $skip = 1\n"
      "            set skip 0\n"
      "        else if contains -- $token (__{0}_spec \"$cmdpath\" value_options)\n"
      "            set skip 1\n"
      "        else if not string match -q -- '-*' $token\n"
      "            and contains -- $token (__{0}_spec \"$cmdpath\" commands)\n"
      "            set cmdpath (string trim -- \"$cmdpath $token\")\n"
      "        end\n"
      "    end\n"
      "    echo $cmdpath\n"
      "end\n\n"
      "# __{0}_at PATH...: the words before the cursor name one of these commands.\n"
      "function __{0}_at\n"
      "    set -l cmdpath (__{0}_path)\n"
      "    contains -- \"$cmdpath\" $argv\n"
      "end\n\n"
      "complete -c {0} -f\n",
      program);
  for (const CommandSpec& command : tree.commands) {
    for (size_t i : command.subcommands) {
      out += fmt::format("complete -c {} -n {} -a {} -d {}\n", program,
                         FishQuote(fmt::format("__{}_at {}", program, FishQuote(command.path))),
                         FishQuote(tree.commands[i].name), FishQuote(tree.commands[i].description));
    }
  }
  // Each option once, at every command where it works (its own and those
  // that pass it up).
  for (size_t i = 0; i < tree.options.size(); ++i) {
    std::vector<std::string> paths;
    for (const CommandSpec& command : tree.commands) {
      if (std::find(command.options.begin(), command.options.end(), i) != command.options.end()) {
        paths.push_back(FishQuote(command.path));
      }
    }
    const OptionSpec& option = tree.options[i];
    std::string line = fmt::format("complete -c {} -n {}", program,
                                   FishQuote(fmt::format("__{}_at {}", program, Join(paths))));
    for (const auto& name : option.names) {
      // CLI11's names are --long or a one-letter -s.
      line += name.starts_with("--") ? " -l " + FishQuote(name.substr(2))
                                     : " -s " + FishQuote(name.substr(1));
    }
    if (option.takes_value)
      line += option.choices.empty() ? " -r -F" : " -r -f -a " + FishQuote(Join(option.choices));
    out += line + " -d " + FishQuote(option.description) + "\n";
  }
  return out;
}

}  // namespace

std::optional<Shell> ParseShell(std::string_view name) {
  if (name == "bash") return Shell::kBash;
  if (name == "zsh") return Shell::kZsh;
  if (name == "fish") return Shell::kFish;
  return std::nullopt;
}

std::string CompletionScript(const CLI::App& root, std::string_view program, Shell shell) {
  const CommandTree tree = Describe(root);
  switch (shell) {
    case Shell::kBash:
      return Bash(tree, program);
    case Shell::kZsh:
      return Zsh(tree, program);
    case Shell::kFish:
      return Fish(tree, program);
  }
  return "";
}

}  // namespace mend::client
