#include "server/couple_locks.h"

#include <sodium.h>

#include <cstring>

namespace mend::server {

static_assert(sizeof(unsigned char[16]) == crypto_shorthash_KEYBYTES);

CoupleLocks::CoupleLocks() { randombytes_buf(key_, sizeof key_); }

std::mutex& CoupleLocks::For(std::string_view couple_id) {
  unsigned char hash[crypto_shorthash_BYTES];
  crypto_shorthash(hash, reinterpret_cast<const unsigned char*>(couple_id.data()), couple_id.size(),
                   key_);
  uint64_t index;
  std::memcpy(&index, hash, sizeof index);
  return stripes_[index % kStripes];
}

}  // namespace mend::server
