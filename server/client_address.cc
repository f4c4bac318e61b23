#include "server/client_address.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>

#include <charconv>
#include <cstdlib>

#include "fmt/format.h"

namespace mend::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string KeyOf(const IpAddress& a) {
  return a.v6 ? "v6:" + a.bytes.substr(0, 8) : "v4:" + a.bytes;
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  text = Trim(text);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1)
    return IpAddress{false, std::string(reinterpret_cast<char*>(buf), 4)};
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return std::nullopt;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, buf))
    return IpAddress{false, std::string(reinterpret_cast<char*>(buf) + 12, 4)};
  return IpAddress{true, std::string(reinterpret_cast<char*>(buf), 16)};
}

bool IpNetwork::Contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  int bits = prefix_bits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((static_cast<unsigned char>(a.bytes[i]) & mask) !=
        (static_cast<unsigned char>(base.bytes[i]) & mask)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  auto address = ParseIpAddress(text.substr(0, slash));
  if (!address)
    return absl::InvalidArgumentError(fmt::format("\"{}\" is not an IP address or block", text));
  const int max_bits = address->v6 ? 128 : 32;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size() || bits < 0 || bits > max_bits) {
      return absl::InvalidArgumentError(
          fmt::format("\"{}\": the prefix length must be 0 to {}", text, max_bits));
    }
  }
  return IpNetwork{*address, bits};
}

// gRPC (since 1.47) percent-encodes the brackets of an IPv6 peer:
// "ipv6:%5B2001:db8::1%5D:51234".
std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex(s.substr(i + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::optional<IpAddress> PeerIp(std::string_view encoded_peer) {
  const std::string peer = PercentDecoded(encoded_peer);
  std::string_view rest;
  if (peer.starts_with("ipv4:")) {
    rest = std::string_view(peer).substr(5);
    rest = rest.substr(0, rest.rfind(':'));
  } else if (peer.starts_with("ipv6:")) {
    rest = std::string_view(peer).substr(5);
    const size_t close = rest.rfind(']');
    rest = close == std::string_view::npos ? rest : rest.substr(0, close + 1);
  } else {
    return std::nullopt;
  }
  return ParseIpAddress(rest);
}

std::string ClientKey(std::string_view peer, std::optional<std::string_view> forwarded_header,
                      const ProxyConfig& proxies) {
  auto peer_ip = PeerIp(peer);
  if (!peer_ip) {
    // Not an address we can parse (a Unix socket, a new format): never the
    // port, which would give every connection a budget of its own.
    const size_t colon = peer.rfind(':');
    return std::string(
        peer.starts_with("ip") && colon != std::string_view::npos ? peer.substr(0, colon) : peer);
  }
  auto trusted = [&](const IpAddress& a) {
    for (const auto& net : proxies.trusted) {
      if (net.Contains(a)) return true;
    }
    return false;
  };
  if (forwarded_header && trusted(*peer_ip)) {
    // Right to left: each trusted proxy appended the address it saw; the
    // first one that is not a trusted proxy is the client. Entries further
    // left were written by the client and prove nothing.
    std::string_view rest = *forwarded_header;
    while (!rest.empty()) {
      const size_t comma = rest.rfind(',');
      std::string_view item = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
      auto ip = ParseIpAddress(item);
      if (!ip) break;  // a garbled entry: stop at the last address we could believe
      *peer_ip = *ip;
      if (!trusted(*ip)) break;
    }
  }
  return KeyOf(*peer_ip);
}

std::string ClientKey(const grpc::ServerContextBase* context, const ProxyConfig& proxies) {
  std::optional<std::string_view> header;
  if (!proxies.trusted.empty()) {
    const auto& metadata = context->client_metadata();
    auto range = metadata.equal_range(proxies.header);
    for (auto it = range.first; it != range.second; ++it)
      header = std::string_view(it->second.data(), it->second.size());
  }
  return ClientKey(context->peer(), header, proxies);
}

}  // namespace mend::server
