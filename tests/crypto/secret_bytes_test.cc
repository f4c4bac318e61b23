#include "crypto/secret_bytes.h"

#include <gtest/gtest.h>

namespace mend::crypto {
namespace {

TEST(SecretBytes, CopyOfHoldsTheBytes) {
  SecretBytes s = SecretBytes::CopyOf("hello");
  EXPECT_EQ(s.size(), 5u);
  EXPECT_EQ(s.view(), "hello");
}

TEST(SecretBytes, MoveLeavesTheSourceEmpty) {
  SecretBytes a = SecretBytes::Random(32);
  std::string before(a.view());
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.view(), before);
}

TEST(SecretBytes, EqualsComparesContentAndSize) {
  SecretBytes a = SecretBytes::CopyOf("abc"), b = SecretBytes::CopyOf("abc");
  EXPECT_TRUE(a.Equals(b));
  EXPECT_FALSE(a.Equals(SecretBytes::CopyOf("abd")));
  EXPECT_FALSE(a.Equals(SecretBytes::CopyOf("abcd")));
}

TEST(SecretBytes, RandomValuesDiffer) {
  EXPECT_FALSE(SecretBytes::Random(32).Equals(SecretBytes::Random(32)));
}

}  // namespace
}  // namespace mend::crypto
