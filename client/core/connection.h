// A connection to mendd: the channel (plaintext on loopback, or TLS with a
// CA file), the stubs, and the login session. Calls that need a member log in
// on first use and once more if the token has expired.
#ifndef MEND_CLIENT_CORE_CONNECTION_H_
#define MEND_CLIENT_CORE_CONNECTION_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/core/profile.h"
#include "crypto/identity.h"
#include "mend/v1/service.grpc.pb.h"

namespace mend::client {

// Whether `address` (HOST:PORT, [V6]:PORT, or a gRPC ipv4:/ipv6: target)
// names this machine: the only place plaintext is used without --insecure.
bool IsLoopbackTarget(const std::string& address);

// OK when a server announcing `server_protocol` speaks this client's protocol;
// otherwise says which side to upgrade (a v1 server announces none: 0).
absl::Status CheckProtocolVersion(uint32_t server_protocol, const std::string& address);

class Connection {
 public:
  // Does not contact the server yet.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ServerConfig& config);

  // The identity to log in as. REQUIRES: outlives this connection.
  void set_identity(const crypto::Identity* identity) { identity_ = identity; }
  // Called with the server id of every challenge before anything is signed
  // over it: the session pins the id at first contact and refuses a change.
  void set_server_id_check(std::function<absl::Status(const Bytes&)> check) {
    server_id_check_ = std::move(check);
  }

  absl::StatusOr<mend::v1::GetInfoResponse> GetInfo();
  absl::Status CreateCouple(const Bytes& couple_id, const Bytes& box_pk,
                            const std::string& registration_code);
  absl::StatusOr<int64_t> PostInvite(const Bytes& couple_id, const Bytes& invite_id,
                                     const Bytes& offer_ct, uint32_t ttl_seconds);
  absl::StatusOr<mend::v1::GetInviteResponse> GetInvite(const Bytes& invite_id);
  absl::StatusOr<Bytes> JoinCouple(const Bytes& invite_id, const Bytes& box_pk,
                                   const Bytes& answer_ct);
  absl::StatusOr<mend::v1::GetJoinResponse> GetJoin(const Bytes& couple_id);
  absl::Status ConfirmMember(const Bytes& couple_id, const Bytes& member);
  absl::Status RejectPending(const Bytes& couple_id, const Bytes& member);
  absl::Status PutGrant(const Bytes& couple_id, const mend::v1::KeyGrant& grant);
  // Stores all of `grants` (one epoch, different members) or none; AlreadyExists
  // when any of them already has a grant.
  absl::Status PutGrants(const Bytes& couple_id, const std::vector<mend::v1::KeyGrant>& grants);
  absl::StatusOr<std::vector<mend::v1::KeyGrant>> GetGrants(const Bytes& couple_id);
  absl::StatusOr<mend::v1::GetCoupleResponse> GetCouple(const Bytes& couple_id);
  // This identity's couple and state; an empty couple_id when it is in none.
  absl::StatusOr<mend::v1::GetMembershipResponse> GetMembership();
  // On a stale head: FailedPrecondition and *stale_head set.
  absl::StatusOr<mend::v1::Head> Append(const mend::v1::Entry& entry,
                                        std::optional<mend::v1::Head>* stale_head);
  // At most `limit` entries after `after_seq` (fewer when the log ends). A
  // server that streams more is refused with DataLoss, having cost no more
  // than `limit` entries of memory.
  absl::StatusOr<std::vector<mend::v1::Entry>> Fetch(const Bytes& couple_id, uint64_t after_seq,
                                                     uint32_t limit);
  absl::StatusOr<mend::v1::Head> GetHead(const Bytes& couple_id);
  // Streams entries after `after_seq` to `on_entry` until it returns false,
  // the stream ends, or `deadline` passes (then OK).
  absl::Status Watch(const Bytes& couple_id, uint64_t after_seq,
                     std::chrono::system_clock::time_point deadline,
                     const std::function<bool(const mend::v1::Entry&)>& on_entry);
  absl::Status Leave(const Bytes& couple_id);
  absl::StatusOr<uint64_t> Purge(const Bytes& couple_id);

  const std::string& address() const { return config_.address; }
  const ServerConfig& config() const { return config_; }
  // "TLS (private CA)", "TLS (system roots)", "plaintext (loopback)" or "plaintext (--insecure)".
  std::string TransportName() const;

 private:
  explicit Connection(ServerConfig config) : config_(std::move(config)) {}
  absl::Status Login();
  // Asks ServerInfo once per connection and refuses a server of another protocol.
  absl::Status EnsureCompatible();
  absl::StatusOr<mend::v1::ChallengeResponse> FreshChallenge();
  // Sets a Leave or Purge request's nonce and signature (PROTOCOL.md "Leave and Purge").
  template <typename Request>
  absl::Status SignCall(std::string_view label, Request* request);
  // Runs `rpc` with auth metadata; re-logs in once on UNAUTHENTICATED.
  absl::Status Authed(const std::function<grpc::Status(grpc::ClientContext*)>& rpc);
  absl::Status FromGrpc(const grpc::Status& status) const;

  ServerConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<mend::v1::ServerInfo::Stub> info_;
  std::unique_ptr<mend::v1::Auth::Stub> auth_;
  std::unique_ptr<mend::v1::Pairing::Stub> pairing_;
  std::unique_ptr<mend::v1::Log::Stub> log_;
  std::unique_ptr<mend::v1::Couple::Stub> couple_;
  const crypto::Identity* identity_ = nullptr;
  std::function<absl::Status(const Bytes&)> server_id_check_;
  std::string token_;
  bool compatible_ = false;
};

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_CONNECTION_H_
