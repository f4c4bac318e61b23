// Every value a person can meet of every enum has one word on the command
// line and one phrase on the screen (client/views/vocabulary.h).
#include "client/views/vocabulary.h"

#include <gtest/gtest.h>

#include <set>

#include "client/state/fold.h"
#include "client/views/render.h"
#include "client/views/report.h"
#include "tests/client/synthetic_log.h"

namespace mend::client {
namespace {

template <typename Enum>
void ExpectComplete(Vocabulary<Enum> words) {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  std::set<std::string_view> cli;
  for (const auto& w : words) {
    EXPECT_FALSE(w.cli.empty()) << descriptor->name();
    EXPECT_FALSE(w.phrase.empty()) << descriptor->name();
    EXPECT_TRUE(cli.insert(w.cli).second)
        << descriptor->name() << ": two values are called " << w.cli;
    EXPECT_EQ(FromCliWord(words, w.cli), w.value);
  }
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* value = descriptor->value(i);
    if (value->number() == 0) continue;  // *_UNSPECIFIED: never a choice
    const auto e = static_cast<Enum>(value->number());
    EXPECT_NE(CliWordOf(words, e, ""), "") << value->full_name() << " has no word";
  }
  EXPECT_EQ(words.size(), static_cast<size_t>(descriptor->value_count() - 1)) << descriptor->name();
}

TEST(Vocabulary, EveryValueOfEveryEnumHasOneWordAndOnePhrase) {
  ExpectComplete(FeelingWords());
  ExpectComplete(HelpWords());
  ExpectComplete(BoundWords());
  ExpectComplete(CadenceWords());
  ExpectComplete(DecisionWords());
  ExpectComplete(OutcomeWords());
  ExpectComplete(ContactWords());
  ExpectComplete(DisclosureModeWords());
}

TEST(Vocabulary, ListsAndPhrases) {
  EXPECT_EQ(ListOfCliWords(ContactWords()), "none, urgent or checkins");
  EXPECT_EQ(FromCliWord(ContactWords(), "urgent_only"), std::nullopt);
  EXPECT_EQ(PhraseOf(ContactWords(), mend::v1::CONTACT_UNSPECIFIED, "?"), "?");
  EXPECT_EQ(Capitalized(PhraseOf(DecisionWords(), mend::v1::DECISION_REQUEST_CHANGES)),
            "Asks for changes to");
}

// A modified client may write any number into an enum field: the partner's
// log and report show it as unknown, and never stop (an unknown feeling once
// made `mend log` fail with "basic_string::substr").
TEST(Vocabulary, AValueFromAModifiedClientIsShownAsUnknown) {
  SyntheticLog log(1'700'000'000'000);
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  p.mutable_check_in()->add_feelings(static_cast<mend::v1::Feeling>(99));
  log.Add(kSam, p, 1'700'000'060'000);
  const CoupleState state = Fold(log.entries);
  ASSERT_TRUE(state.entries.back().valid);
  std::string line;
  ASSERT_NO_THROW(line = EntryLine(state, state.entries.back()));
  EXPECT_NE(line.find("unknown feeling"), std::string::npos) << line;
}

// One entry is one line of `mend log`, whatever its author wrote: a newline
// in a partner's words (an own-words feeling, a display name, a prompt id in
// an invalid entry's reason) cannot start a line that looks like another
// entry. Once, {"other_feelings": ["tired\n#9 ... FORGED"]} printed a fake
// entry of its own.
TEST(EntryLines, APartnersNewlineCannotForgeAnotherEntry) {
  SyntheticLog log(1'700'000'000'000);
  log.entries[0].payload.mutable_genesis()->mutable_joiner()->set_display_name(
      "Sam\n#9    Alex ack FORGED");
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(5);
  p.mutable_check_in()->add_other_feelings(
      "tired\n#9    2026-01-01 Alex ack acknowledges #4: FORGED");
  log.Add(kSam, p, 1'700'000'060'000);
  mend::v1::Payload sealed;
  sealed.mutable_sealed_reflection()->set_prompt_id(
      "x\n#9 FORGED");  // invalid: its reason quotes the id
  log.Add(kSam, sealed, 1'700'000'120'000);
  const CoupleState state = Fold(log.entries);
  for (const FoldedEntry& f : state.entries) {
    const std::string line = EntryLine(state, f);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace mend::client
