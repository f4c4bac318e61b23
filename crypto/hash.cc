#include "crypto/hash.h"

#include <sodium.h>

namespace mend::crypto {

Bytes Blake2bKeyed(size_t out_len, std::string_view key,
                   std::initializer_list<std::string_view> parts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                          out_len);
  for (std::string_view part : parts) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }
  Bytes out(out_len, '\0');
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(out.data()), out_len);
  sodium_memzero(&state, sizeof state);
  return out;
}

Bytes Blake2b(size_t out_len, std::initializer_list<std::string_view> parts) {
  return Blake2bKeyed(out_len, {}, parts);
}

}  // namespace mend::crypto
