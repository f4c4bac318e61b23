#include "crypto/safety_number.h"

#include <gtest/gtest.h>

#include "tests/crypto/test_identities.h"

namespace mend::crypto {
namespace {

TEST(SafetyNumber, IsTheSameFromBothSides) {
  auto a = mend::testing::Alice().public_identity();
  auto b = mend::testing::Bob().public_identity();
  EXPECT_EQ(SafetyNumber(a, b), SafetyNumber(b, a));
}

TEST(SafetyNumber, HasTwelveGroupsOfFiveDigits) {
  std::string n = SafetyNumber(mend::testing::Alice().public_identity(),
                               mend::testing::Bob().public_identity());
  ASSERT_EQ(n.size(), 60u + 11);
  for (size_t i = 0; i < n.size(); ++i) {
    if (i % 6 == 5)
      EXPECT_EQ(n[i], ' ');
    else
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(n[i])));
  }
}

TEST(SafetyNumber, ChangesWhenEitherKeyChanges) {
  auto a = mend::testing::Alice().public_identity();
  auto b = mend::testing::Bob().public_identity();
  std::string base = SafetyNumber(a, b);
  auto swapped_box = b;
  swapped_box.box_pk = mend::testing::FixedIdentity(0x99).box_pk();
  EXPECT_NE(SafetyNumber(a, swapped_box), base);
  EXPECT_NE(SafetyNumber(mend::testing::FixedIdentity(0x99).public_identity(), b), base);
}

// v1 showed ten digits (about 33 bits): two histories sharing a code was a
// search of a few billion tries. v2 shows twenty (about 66 bits).
TEST(ChainCode, ShowsSeqAndTwentyDigitsFromTenBytesOfTheHash) {
  std::string code = ChainCode(42, std::string(32, '\0'));
  EXPECT_EQ(code, "42:00000-00000-00000-00000");
  EXPECT_NE(ChainCode(42, std::string(32, '\1')), code);
  std::string late(32, '\0');
  late[9] = 1;  // a difference in the hash's tenth byte shows
  EXPECT_NE(ChainCode(42, late), code);
}

}  // namespace
}  // namespace mend::crypto
