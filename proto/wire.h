// The wire conventions that are not in the .proto files: gRPC metadata names,
// the protocol version, byte sizes of ids and keys, and limits on names
// (PROTOCOL.md is the authority). Server, client, tests and bench use these
// and never spell the strings or sizes out themselves.
#ifndef MEND_PROTO_WIRE_H_
#define MEND_PROTO_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mend::wire {

// EntryHeader.version and ServerInfo.protocol_version.
inline constexpr uint32_t kProtocolVersion = 2;

// Request metadata carrying a session token: "authorization: Bearer <token>".
inline constexpr std::string_view kAuthorizationMetadata = "authorization";
inline constexpr std::string_view kBearerPrefix = "Bearer ";
inline std::string BearerValue(std::string_view token) {
  return std::string(kBearerPrefix) + std::string(token);
}

// Trailing metadata of an Append refused on a stale head: the serialized
// current Head, so the client can catch up and retry without asking.
inline constexpr std::string_view kHeadTrailer = "mend-head-bin";

inline constexpr size_t kCoupleIdBytes = 16;
inline constexpr size_t kInviteIdBytes = 16;
inline constexpr size_t kMemberKeyBytes = 32;  // Ed25519 and X25519 public keys
inline constexpr size_t kSignatureBytes = 64;  // Ed25519
inline constexpr size_t kNonceBytes = 32;      // login challenges

inline constexpr size_t kMaxNameBytes = 64;  // a member's display name
inline constexpr size_t kMaxRegistrationCodeBytes = 64;

}  // namespace mend::wire

#endif  // MEND_PROTO_WIRE_H_
