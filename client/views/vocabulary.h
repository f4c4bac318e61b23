// One table for each enum a person meets: its proto value, the word typed on
// the command line (and written in --json), and the phrase a log line or a
// report shows. Flag validation, parsing, rendering and error messages all
// read these tables, so a word means one thing everywhere;
// tests/client/vocabulary_test.cc fails for an enum value without its word.
#ifndef MEND_CLIENT_VIEWS_VOCABULARY_H_
#define MEND_CLIENT_VIEWS_VOCABULARY_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mend/v1/payload.pb.h"

namespace mend::client {

template <typename Enum>
struct Word {
  Enum value;
  std::string_view cli;     // "urgent"
  std::string_view phrase;  // "urgent only"
};

template <typename Enum>
using Vocabulary = std::span<const Word<Enum>>;

Vocabulary<mend::v1::Feeling> FeelingWords();
Vocabulary<mend::v1::Help> HelpWords();
Vocabulary<mend::v1::Bound> BoundWords();
Vocabulary<mend::v1::Cadence> CadenceWords();
Vocabulary<mend::v1::Decision> DecisionWords();
Vocabulary<mend::v1::Outcome> OutcomeWords();
Vocabulary<mend::v1::Contact> ContactWords();
Vocabulary<mend::v1::DisclosureMode> DisclosureModeWords();

// The command-line words, in table order (for CLI::IsMember).
template <typename Enum>
std::vector<std::string> CliWords(Vocabulary<Enum> words) {
  std::vector<std::string> out;
  for (const auto& w : words) out.emplace_back(w.cli);
  return out;
}

// "a, b or c": the command-line words, for an error message.
template <typename Enum>
std::string ListOfCliWords(Vocabulary<Enum> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + std::string(words[i].cli);
  }
  return out;
}

// The value a command-line word names; nullopt for no word of the table.
template <typename Enum>
std::optional<Enum> FromCliWord(Vocabulary<Enum> words, std::string_view cli) {
  for (const auto& w : words) {
    if (w.cli == cli) return w.value;
  }
  return std::nullopt;
}

// The word or phrase for `value`; `unknown` for a value the table lacks
// (UNSPECIFIED, or a value from a newer mend).
template <typename Enum>
std::string CliWordOf(Vocabulary<Enum> words, Enum value, std::string_view unknown = "unknown") {
  for (const auto& w : words) {
    if (w.value == value) return std::string(w.cli);
  }
  return std::string(unknown);
}
template <typename Enum>
std::string PhraseOf(Vocabulary<Enum> words, Enum value, std::string_view unknown = "unknown") {
  for (const auto& w : words) {
    if (w.value == value) return std::string(w.phrase);
  }
  return std::string(unknown);
}

// "Asks for changes to": a phrase at the start of a sentence.
std::string Capitalized(std::string phrase);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_VOCABULARY_H_
