#include "crypto/bytes.h"

#include <sodium.h>

namespace mend::crypto {

Bytes RandomBytes(size_t n) {
  Bytes out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mend::crypto
