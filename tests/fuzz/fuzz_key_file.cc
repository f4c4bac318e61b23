// libFuzzer: arbitrary bytes as a key file. The Argon2id limits stored in the
// input are clamped to the minimum so that each run stays fast; everything
// else in the file is the fuzzer's.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/big_endian.h"
#include "crypto/bytes.h"
#include "crypto/init.h"
#include "crypto/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool ready = mend::crypto::Initialize().ok();
  (void)ready;
  std::string file(reinterpret_cast<const char*>(data), size);
  if (file.size() >= 28) {
    std::string limits;
    auto min = mend::crypto::KdfLimits::MinimumForTests();
    mend::base::AppendU64(&limits, min.opslimit);
    mend::base::AppendU64(&limits, min.memlimit);
    file.replace(12, 16, limits);
  }
  static const auto passphrase = mend::crypto::SecretBytes::CopyOf("fuzz");
  (void)mend::crypto::KeyFile::Decode(file, passphrase);
  return 0;
}
