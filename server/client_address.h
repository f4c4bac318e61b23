// Who a call comes from, for the per-address limits on calls made before a
// caller is a member: the TCP peer, or, when the peer is a trusted reverse
// proxy, the address that proxy recorded in a header (never a header from
// anyone else, which any client could set). Behind a proxy every TCP peer is
// the proxy, so without this one anonymous client would spend everyone's
// budget. IPv6 addresses are keyed per /64, the smallest block a home or a
// host is usually given: keying per /128 would hand one attacker 2^64 budgets.
#ifndef MEND_SERVER_CLIENT_ADDRESS_H_
#define MEND_SERVER_CLIENT_ADDRESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace grpc {
class ServerContextBase;
}

namespace mend::server {

// An IPv4 or IPv6 address (v4-mapped v6 addresses are taken as v4).
struct IpAddress {
  bool v6 = false;
  std::string bytes;  // 4 or 16
};
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// An address block: "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8".
struct IpNetwork {
  IpAddress base;
  int prefix_bits = 0;
  bool Contains(const IpAddress& address) const;
};
absl::StatusOr<IpNetwork> ParseIpNetwork(std::string_view text);

struct ProxyConfig {
  std::vector<IpNetwork> trusted;          // peers whose header is believed
  std::string header = "x-forwarded-for";  // lower case, as gRPC metadata keys are
};

// The address part of a gRPC peer string ("ipv4:1.2.3.4:5", "ipv6:[::1]:5").
std::optional<IpAddress> PeerIp(std::string_view peer);

// The rate-limit key of the client: "v4:" + 4 bytes, "v6:" + the /64, or the
// raw peer string for non-IP transports.
std::string ClientKey(std::string_view peer, std::optional<std::string_view> forwarded_header,
                      const ProxyConfig& proxies);
std::string ClientKey(const grpc::ServerContextBase* context, const ProxyConfig& proxies);

}  // namespace mend::server

#endif  // MEND_SERVER_CLIENT_ADDRESS_H_
