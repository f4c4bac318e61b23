// Client addresses the suite claims through the trusted "proxy" header
// x-forwarded-for. They only ever appear as metadata values: every
// connection goes to 127.0.0.1. IPv4 addresses come from the benchmarking
// block 198.18.0.0/15, IPv6 ones from the documentation prefix 2001:db8::/32.
#ifndef MEND_TESTS_HOSTILE_SPOOFED_ADDRESSES_H_
#define MEND_TESTS_HOSTILE_SPOOFED_ADDRESSES_H_

#include <cstdint>
#include <random>
#include <string>

namespace mend::hostile {

enum class AddressKind {
  kIpv4,          // a distinct IPv4 address each time; every other one behind a client-supplied hop
  kIpv6OneBlock,  // a random host in one fixed /64 (one client, to a server keying per /64)
  kIpv6ManyBlocks,  // a fresh /64 each time
  kGarbage,         // malformed header values a proxy would never send, but a parser must survive
};

const char* ToString(AddressKind kind);

// Not thread-safe: one per flood-driving thread.
class SpoofedAddresses {
 public:
  // Each seed starts its IPv4 addresses 16384 apart, so that phases with
  // different seeds do not share (and drain) each other's addresses.
  explicit SpoofedAddresses(uint64_t seed)
      : rng_(seed), ipv4_counter_(static_cast<uint32_t>(seed << 14)) {}
  std::string Next(AddressKind kind);

 private:
  std::mt19937_64 rng_;
  uint32_t ipv4_counter_;
  uint32_t garbage_counter_ = 0;
};

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_SPOOFED_ADDRESSES_H_
