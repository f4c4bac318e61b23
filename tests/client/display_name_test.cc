// A display name is shown beside every entry and in the safety-number prompt:
// no control or bidirectional character may be in it.
#include "client/state/display_name.h"

#include <gtest/gtest.h>

#include <string>

#include "client/state/fold.h"
#include "tests/client/synthetic_log.h"

namespace mend::client {
namespace {

TEST(DisplayName, OnlyPrintableNamesOfOneTo64Bytes) {
  EXPECT_TRUE(IsDisplayName("Alex"));
  EXPECT_TRUE(IsDisplayName("Zoë 🌿"));
  EXPECT_TRUE(IsDisplayName(std::string(64, 'a')));
  EXPECT_FALSE(IsDisplayName(""));
  EXPECT_FALSE(IsDisplayName(std::string(65, 'a')));
  EXPECT_FALSE(IsDisplayName("Alex\n#9    Sam ack FORGED"));
  EXPECT_FALSE(IsDisplayName("Alex\r"));
  EXPECT_FALSE(IsDisplayName("\x1b[2J"));
  EXPECT_FALSE(IsDisplayName("a\x7f"));
  EXPECT_FALSE(IsDisplayName("a\xc2\x85"));      // NEL, a C1 control
  EXPECT_FALSE(IsDisplayName("a\xe2\x80\xae"));  // U+202E, right-to-left override
  EXPECT_FALSE(IsDisplayName("a\xe2\x81\xa6"));  // U+2066, left-to-right isolate
  EXPECT_FALSE(IsDisplayName("\xff"));           // not UTF-8
  EXPECT_FALSE(IsDisplayName("a\xe2\x80"));      // cut short
}

TEST(DisplayName, TheFoldRefusesAControlCharacterInARenameOrTheGenesis) {
  SyntheticLog log(1'700'000'000'000);
  mend::v1::Payload rename;
  rename.mutable_profile()->set_display_name("Sam\nAlex");
  log.Add(kSam, rename, 1'700'000'060'000);
  CoupleState state = Fold(log.entries);
  EXPECT_FALSE(state.entries.back().valid);
  EXPECT_EQ(state.NameOf(kSam), "Sam");

  SyntheticLog forged(1'700'000'000'000);
  forged.entries[0].payload.mutable_genesis()->mutable_joiner()->set_display_name("Sam\n#3 FORGED");
  EXPECT_FALSE(Fold(forged.entries).entries.front().valid);
}

}  // namespace
}  // namespace mend::client
