#include "client/cli/text_input.h"

#include <unistd.h>

#include <iostream>
#include <iterator>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr size_t kMaxInputBytes = 1 << 20;

std::string List(const std::set<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + f;
  return out;
}

}  // namespace

std::string AskLine(const std::string& question) {
  std::cerr << question << " " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool AtTerminal() { return ::isatty(STDIN_FILENO) == 1; }

absl::StatusOr<TextInput> TextInput::Load(const std::string& input,
                                          const std::set<std::string>& fields) {
  TextInput out;
  if (input.empty()) return out;
  std::string text;
  if (input == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    ASSIGN_OR_RETURN(text, base::ReadWholeFile(input));
  }
  if (text.size() > kMaxInputBytes)
    return absl::InvalidArgumentError("--input is larger than 1 MiB");
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("--input must be one JSON object of this command's text fields ({}), like "
                    "{{\"{}\": \"...\"}}",
                    List(fields), fields.empty() ? "note" : *fields.begin()));
  }
  for (const auto& [key, value] : json.items()) {
    if (!fields.count(key)) {
      return absl::InvalidArgumentError(fmt::format(
          "--input has a field '{}' this command does not take; it takes {}", key, List(fields)));
    }
    bool ok = value.is_string();
    if (value.is_array()) {
      ok = true;
      for (const auto& item : value) ok = ok && item.is_string();
    }
    if (!ok) return absl::InvalidArgumentError(fmt::format("--input field '{}' must be text", key));
  }
  out.given_ = true;
  out.values_ = std::move(json);
  return out;
}

absl::StatusOr<std::string> TextInput::Get(const std::string& field, const std::string& question,
                                           bool required) {
  std::string value;
  if (given_) {
    if (values_.contains(field)) {
      const auto& v = values_[field];
      if (v.is_string()) {
        value = v.get<std::string>();
      } else {
        for (const auto& item : v) value += (value.empty() ? "" : "\n") + item.get<std::string>();
      }
    }
  } else if (AtTerminal()) {
    value = AskLine(question);
  }
  if (required && value.empty()) {
    if (given_ || AtTerminal()) {
      return absl::InvalidArgumentError(fmt::format("'{}' is empty; nothing was written", field));
    }
    return absl::InvalidArgumentError(
        fmt::format("'{}' is needed: type it at a terminal, or give it as JSON with --input (see "
                    "`mend --help`)",
                    field));
  }
  return value;
}

absl::StatusOr<std::vector<std::string>> TextInput::GetList(const std::string& field,
                                                            const std::string& question) {
  std::vector<std::string> out;
  if (given_) {
    if (values_.contains(field)) {
      const auto& v = values_[field];
      if (v.is_string()) {
        if (!v.get<std::string>().empty()) out.push_back(v.get<std::string>());
      } else {
        for (const auto& item : v) out.push_back(item.get<std::string>());
      }
    }
    return out;
  }
  if (!AtTerminal()) return out;
  const std::string line = AskLine(question);
  size_t at = 0;
  while (at <= line.size()) {
    size_t end = line.find(';', at);
    std::string item = line.substr(at, end == std::string::npos ? std::string::npos : end - at);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

}  // namespace mend::client
