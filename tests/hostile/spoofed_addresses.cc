#include "tests/hostile/spoofed_addresses.h"

#include <array>
#include <cstdio>

namespace mend::hostile {

const char* ToString(AddressKind kind) {
  switch (kind) {
    case AddressKind::kIpv4:
      return "v4 spoofed";
    case AddressKind::kIpv6OneBlock:
      return "v6 one /64";
    case AddressKind::kIpv6ManyBlocks:
      return "v6 many /64";
    case AddressKind::kGarbage:
      return "garbage xff";
  }
  return "?";
}

std::string SpoofedAddresses::Next(AddressKind kind) {
  char buf[96];
  switch (kind) {
    case AddressKind::kIpv4: {
      // 198.18.0.0/15 holds 131072 addresses; distinct until the counter wraps.
      uint32_t n = ipv4_counter_++ % 131072;
      std::snprintf(buf, sizeof buf, "198.%u.%u.%u", 18 + (n >> 16), (n >> 8) & 0xff, n & 0xff);
      // The rightmost hop is the one the proxy added; what the client put
      // before it must be ignored.
      return (n % 2 == 0) ? std::string(buf) : "203.0.113.77, " + std::string(buf);
    }
    case AddressKind::kIpv6OneBlock: {
      uint64_t host = rng_();
      std::snprintf(buf, sizeof buf, "2001:db8:ffff:1:%x:%x:%x:%x",
                    static_cast<unsigned>(host >> 48), static_cast<unsigned>((host >> 32) & 0xffff),
                    static_cast<unsigned>((host >> 16) & 0xffff),
                    static_cast<unsigned>(host & 0xffff));
      return buf;
    }
    case AddressKind::kIpv6ManyBlocks: {
      uint64_t block = rng_();
      std::snprintf(
          buf, sizeof buf, "2001:db8:%x:%x::%x", static_cast<unsigned>((block >> 16) & 0xffff),
          static_cast<unsigned>(block & 0xffff), static_cast<unsigned>((block >> 32) & 0xffff) | 1);
      return buf;
    }
    case AddressKind::kGarbage: {
      static const std::array<std::string, 10> kValues = {"not-an-address",
                                                          "999.999.999.999",
                                                          "198.18.0.1, not-an-address",
                                                          "[2001:db8::1]:443",
                                                          "2001:db8::1%eth0",
                                                          "unknown",
                                                          "1.2.3.4 5.6.7.8",
                                                          ",,,",
                                                          "::ffff:198.19.255.254",
                                                          std::string(900, '9')};
      return kValues[garbage_counter_++ % kValues.size()];
    }
  }
  return "";
}

}  // namespace mend::hostile
