#include <gtest/gtest.h>

#include <cstdlib>

#include "crypto/init.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (!mend::crypto::Initialize().ok()) return 1;
  // Server logs (method, peer, status) stay out of test output unless asked for.
  if (std::getenv("MEND_TEST_LOGS") == nullptr) spdlog::set_level(spdlog::level::warn);
  return RUN_ALL_TESTS();
}
