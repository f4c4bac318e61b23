#include <gtest/gtest.h>

#include "crypto/init.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (!mend::crypto::Initialize().ok()) return 1;
  return RUN_ALL_TESTS();
}
