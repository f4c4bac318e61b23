#include "client/core/connection.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>

#include <chrono>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "client/core/problem.h"
#include "crypto/entry_codec.h"
#include "crypto/grant.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace mend::client {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(30);

void SetDeadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

}  // namespace

namespace {

// One HOST:PORT (or [V6]:PORT) on a loopback address.
bool IsLoopbackHostPort(std::string host) {
  if (!host.empty() && host[0] == '[') {
    size_t end = host.find(']');
    if (end == std::string::npos) return false;
    host = host.substr(1, end - 1);
  } else if (size_t colon = host.rfind(':');
             colon != std::string::npos && host.find(':') == colon) {
    host = host.substr(0, colon);  // HOST:PORT (one colon; more would be a bare IPv6 address)
  }
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

bool IsLoopbackTarget(const std::string& address) {
  // gRPC's lists of several nodes, "ipv4:A:P,B:P" and "ipv6:[A]:P,[B]:P":
  // loopback only when every address is.
  for (const char* scheme : {"ipv4:", "ipv6:"}) {
    if (address.rfind(scheme, 0) != 0) continue;
    const std::string list = address.substr(5);
    if (list.empty()) return false;
    size_t start = 0;
    for (;;) {
      const size_t comma = list.find(',', start);
      if (!IsLoopbackHostPort(list.substr(start, comma - start))) return false;
      if (comma == std::string::npos) return true;
      start = comma + 1;
    }
  }
  return IsLoopbackHostPort(address);
}

absl::Status CheckProtocolVersion(uint32_t server_protocol, const std::string& address) {
  if (server_protocol == wire::kProtocolVersion) return absl::OkStatus();
  if (server_protocol < wire::kProtocolVersion) {
    return absl::FailedPreconditionError(
        fmt::format("the server at {} speaks mend protocol v{}, this mend speaks v{}: the server's "
                    "operator must upgrade mendd",
                    address, server_protocol == 0 ? 1 : server_protocol, wire::kProtocolVersion));
  }
  return absl::FailedPreconditionError(
      fmt::format("the server at {} speaks mend protocol v{}, this mend speaks v{}: upgrade mend",
                  address, server_protocol, wire::kProtocolVersion));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ServerConfig& config) {
  if (config.address.empty()) {
    return WithProblem(absl::FailedPreconditionError("no server is configured for this profile"),
                       Problem::kNoServerConfigured);
  }
  auto c = std::unique_ptr<Connection>(new Connection(config));
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!config.tls_ca_file.empty()) {
    ASSIGN_OR_RETURN(std::string ca, base::ReadWholeFile(config.tls_ca_file));
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca;  // only this CA: a private CA pins the server
    creds = grpc::SslCredentials(ssl);
  } else if (config.insecure || IsLoopbackTarget(config.address)) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    creds = grpc::SslCredentials(grpc::SslCredentialsOptions());  // the system's roots
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 * 1024);
  // A target naming several mendd nodes (an ipv4:/ipv6: list, or a DNS name
  // with several records) spreads calls over them, and a node that dies
  // leaves the others serving.
  args.SetLoadBalancingPolicyName("round_robin");
  c->channel_ = grpc::CreateCustomChannel(config.address, creds, args);
  c->info_ = mend::v1::ServerInfo::NewStub(c->channel_);
  c->auth_ = mend::v1::Auth::NewStub(c->channel_);
  c->pairing_ = mend::v1::Pairing::NewStub(c->channel_);
  c->log_ = mend::v1::Log::NewStub(c->channel_);
  c->couple_ = mend::v1::Couple::NewStub(c->channel_);
  return c;
}

std::string Connection::TransportName() const {
  if (!config_.tls_ca_file.empty()) return "TLS, private CA";
  if (config_.insecure) return "plaintext, --insecure";
  if (IsLoopbackTarget(config_.address)) return "plaintext, loopback";
  return "TLS, system roots";
}

absl::Status Connection::FromGrpc(const grpc::Status& s) const {
  const std::string& msg = s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::UNAVAILABLE:
      return absl::UnavailableError(
          fmt::format("cannot reach the server at {} ({}): {}; is mendd running there?",
                      config_.address, TransportName(), msg));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::DeadlineExceededError(
          fmt::format("the server at {} did not answer in time", config_.address));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::InvalidArgumentError("server: " + msg);
    case grpc::StatusCode::NOT_FOUND:
      return absl::NotFoundError(msg);
    case grpc::StatusCode::ALREADY_EXISTS:
      return absl::AlreadyExistsError(msg);
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::PermissionDeniedError(msg);
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::UnauthenticatedError(msg);
    case grpc::StatusCode::FAILED_PRECONDITION:
      return absl::FailedPreconditionError(msg);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::ResourceExhaustedError(msg);
    default:
      return absl::UnknownError(fmt::format("server error: {}", msg));
  }
}

absl::Status Connection::Login() {
  if (identity_ == nullptr) return absl::FailedPreconditionError("no identity to log in with");
  RETURN_IF_ERROR(EnsureCompatible());
  ASSIGN_OR_RETURN(mend::v1::ChallengeResponse challenge, FreshChallenge());
  mend::v1::LoginRequest lreq;
  lreq.set_member(identity_->sign_pk());
  lreq.set_nonce(challenge.nonce());
  lreq.set_signature(
      identity_->Sign(crypto::LoginSignatureInput(challenge.server_id(), challenge.nonce())));
  mend::v1::LoginResponse login;
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  RETURN_IF_ERROR(FromGrpc(auth_->Login(&ctx, lreq, &login)));
  token_ = login.token();
  return absl::OkStatus();
}

absl::Status Connection::EnsureCompatible() {
  if (compatible_) return absl::OkStatus();
  ASSIGN_OR_RETURN(mend::v1::GetInfoResponse info, GetInfo());
  RETURN_IF_ERROR(CheckProtocolVersion(info.protocol_version(), config_.address));
  compatible_ = true;
  return absl::OkStatus();
}

absl::StatusOr<mend::v1::ChallengeResponse> Connection::FreshChallenge() {
  mend::v1::ChallengeRequest creq;
  creq.set_member(identity_->sign_pk());
  mend::v1::ChallengeResponse challenge;
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  RETURN_IF_ERROR(FromGrpc(auth_->Challenge(&ctx, creq, &challenge)));
  // What we sign names the server; it must be the one this profile knows.
  if (server_id_check_) RETURN_IF_ERROR(server_id_check_(challenge.server_id()));
  return challenge;
}

template <typename Request>
absl::Status Connection::SignCall(std::string_view label, Request* request) {
  if (identity_ == nullptr) return absl::FailedPreconditionError("no identity to sign with");
  ASSIGN_OR_RETURN(mend::v1::ChallengeResponse challenge, FreshChallenge());
  request->set_nonce(challenge.nonce());
  request->set_signature(identity_->Sign(crypto::DestructiveCallSignatureInput(
      label, challenge.server_id(), request->couple_id(), challenge.nonce())));
  return absl::OkStatus();
}

absl::Status Connection::Authed(const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (token_.empty()) RETURN_IF_ERROR(Login());
    grpc::ClientContext ctx;
    SetDeadline(&ctx);
    ctx.AddMetadata(std::string(wire::kAuthorizationMetadata), wire::BearerValue(token_));
    grpc::Status s = rpc(&ctx);
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED && attempt == 0) {
      token_.clear();  // expired or server restarted: log in again
      continue;
    }
    return FromGrpc(s);
  }
  return absl::UnauthenticatedError("the server keeps refusing our login");
}

absl::StatusOr<mend::v1::GetInfoResponse> Connection::GetInfo() {
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  mend::v1::GetInfoResponse out;
  RETURN_IF_ERROR(FromGrpc(info_->GetInfo(&ctx, {}, &out)));
  return out;
}

absl::Status Connection::CreateCouple(const Bytes& couple_id, const Bytes& box_pk,
                                      const std::string& code) {
  mend::v1::CreateCoupleRequest req;
  req.set_couple_id(couple_id);
  req.set_box_pk(box_pk);
  req.set_registration_code(code);
  mend::v1::CreateCoupleResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return pairing_->CreateCouple(ctx, req, &resp); });
}

absl::StatusOr<int64_t> Connection::PostInvite(const Bytes& couple_id, const Bytes& invite_id,
                                               const Bytes& offer_ct, uint32_t ttl_seconds) {
  mend::v1::PostInviteRequest req;
  req.set_couple_id(couple_id);
  req.set_invite_id(invite_id);
  req.set_offer_ct(offer_ct);
  req.set_ttl_seconds(ttl_seconds);
  mend::v1::PostInviteResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->PostInvite(ctx, req, &resp); }));
  return resp.expires_unix_ms();
}

absl::StatusOr<mend::v1::GetInviteResponse> Connection::GetInvite(const Bytes& invite_id) {
  RETURN_IF_ERROR(EnsureCompatible());  // the joiner's first call
  mend::v1::GetInviteRequest req;
  req.set_invite_id(invite_id);
  mend::v1::GetInviteResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  RETURN_IF_ERROR(FromGrpc(pairing_->GetInvite(&ctx, req, &resp)));
  return resp;
}

absl::StatusOr<Bytes> Connection::JoinCouple(const Bytes& invite_id, const Bytes& box_pk,
                                             const Bytes& answer_ct) {
  mend::v1::JoinCoupleRequest req;
  req.set_invite_id(invite_id);
  req.set_box_pk(box_pk);
  req.set_answer_ct(answer_ct);
  mend::v1::JoinCoupleResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->JoinCouple(ctx, req, &resp); }));
  return resp.couple_id();
}

absl::StatusOr<mend::v1::GetJoinResponse> Connection::GetJoin(const Bytes& couple_id) {
  mend::v1::GetJoinRequest req;
  req.set_couple_id(couple_id);
  mend::v1::GetJoinResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->GetJoin(ctx, req, &resp); }));
  return resp;
}

absl::Status Connection::ConfirmMember(const Bytes& couple_id, const Bytes& member) {
  mend::v1::ConfirmMemberRequest req;
  req.set_couple_id(couple_id);
  req.set_member(member);
  mend::v1::ConfirmMemberResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return pairing_->ConfirmMember(ctx, req, &resp); });
}

absl::Status Connection::RejectPending(const Bytes& couple_id, const Bytes& member) {
  mend::v1::RejectPendingRequest req;
  req.set_couple_id(couple_id);
  req.set_member(member);
  mend::v1::RejectPendingResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return pairing_->RejectPending(ctx, req, &resp); });
}

absl::Status Connection::PutGrant(const Bytes& couple_id, const mend::v1::KeyGrant& grant) {
  mend::v1::PutGrantRequest req;
  req.set_couple_id(couple_id);
  *req.mutable_grant() = grant;
  mend::v1::PutGrantResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return pairing_->PutGrant(ctx, req, &resp); });
}

absl::Status Connection::PutGrants(const Bytes& couple_id,
                                   const std::vector<mend::v1::KeyGrant>& grants) {
  mend::v1::PutGrantRequest req;
  req.set_couple_id(couple_id);
  for (const auto& g : grants) *req.add_grants() = g;
  mend::v1::PutGrantResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return pairing_->PutGrant(ctx, req, &resp); });
}

absl::StatusOr<std::vector<mend::v1::KeyGrant>> Connection::GetGrants(const Bytes& couple_id) {
  mend::v1::GetGrantsRequest req;
  req.set_couple_id(couple_id);
  mend::v1::GetGrantsResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->GetGrants(ctx, req, &resp); }));
  return std::vector<mend::v1::KeyGrant>(resp.grants().begin(), resp.grants().end());
}

absl::StatusOr<mend::v1::GetMembershipResponse> Connection::GetMembership() {
  mend::v1::GetMembershipRequest req;
  mend::v1::GetMembershipResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->GetMembership(ctx, req, &resp); }));
  return resp;
}

absl::StatusOr<mend::v1::GetCoupleResponse> Connection::GetCouple(const Bytes& couple_id) {
  mend::v1::GetCoupleRequest req;
  req.set_couple_id(couple_id);
  mend::v1::GetCoupleResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return pairing_->GetCouple(ctx, req, &resp); }));
  return resp;
}

absl::StatusOr<mend::v1::Head> Connection::Append(const mend::v1::Entry& entry,
                                                  std::optional<mend::v1::Head>* stale_head) {
  mend::v1::AppendRequest req;
  *req.mutable_entry() = entry;
  mend::v1::AppendResponse resp;
  absl::Status s = Authed([&](grpc::ClientContext* ctx) {
    grpc::Status st = log_->Append(ctx, req, &resp);
    if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      const auto& trailers = ctx->GetServerTrailingMetadata();
      auto it = trailers.find(std::string(wire::kHeadTrailer));
      if (it != trailers.end()) {
        mend::v1::Head head;
        if (head.ParseFromArray(it->second.data(), static_cast<int>(it->second.size())))
          *stale_head = head;
      }
    }
    return st;
  });
  if (!s.ok()) return s;
  return resp.head();
}

absl::StatusOr<std::vector<mend::v1::Entry>> Connection::Fetch(const Bytes& couple_id,
                                                               uint64_t after_seq, uint32_t limit) {
  std::vector<mend::v1::Entry> out;
  mend::v1::FetchRequest req;
  req.set_couple_id(couple_id);
  req.set_after_seq(after_seq);
  req.set_limit(limit);
  bool overrun = false;
  RETURN_IF_ERROR(Authed([&](grpc::ClientContext* ctx) {
    out.clear();
    auto reader = log_->Fetch(ctx, req);
    mend::v1::Entry e;
    while (reader->Read(&e)) {
      if (out.size() == limit) {  // a server that streams past what was asked is not believed
        overrun = true;
        ctx->TryCancel();
        break;
      }
      out.push_back(std::move(e));
    }
    grpc::Status s = reader->Finish();
    return overrun ? grpc::Status::OK : s;
  }));
  if (overrun) {
    return absl::DataLossError(fmt::format(
        "the server sent more than the {} entries asked for after entry {}", limit, after_seq));
  }
  return out;
}

absl::StatusOr<mend::v1::Head> Connection::GetHead(const Bytes& couple_id) {
  mend::v1::GetHeadRequest req;
  req.set_couple_id(couple_id);
  mend::v1::Head head;
  RETURN_IF_ERROR(Authed([&](grpc::ClientContext* ctx) { return log_->GetHead(ctx, req, &head); }));
  return head;
}

absl::Status Connection::Watch(const Bytes& couple_id, uint64_t after_seq,
                               std::chrono::system_clock::time_point deadline,
                               const std::function<bool(const mend::v1::Entry&)>& on_entry) {
  if (token_.empty()) RETURN_IF_ERROR(Login());
  mend::v1::WatchRequest req;
  req.set_couple_id(couple_id);
  req.set_after_seq(after_seq);
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  ctx.AddMetadata(std::string(wire::kAuthorizationMetadata), wire::BearerValue(token_));
  auto reader = log_->Watch(&ctx, req);
  mend::v1::Entry e;
  while (reader->Read(&e)) {
    if (!on_entry(e)) {
      ctx.TryCancel();
      reader->Finish();
      return absl::OkStatus();
    }
  }
  grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) token_.clear();
  if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    return absl::OkStatus();  // the caller's time is up
  return FromGrpc(s);
}

absl::Status Connection::Leave(const Bytes& couple_id) {
  mend::v1::LeaveRequest req;
  req.set_couple_id(couple_id);
  RETURN_IF_ERROR(SignCall(crypto::kLeaveLabel, &req));
  mend::v1::LeaveResponse resp;
  return Authed([&](grpc::ClientContext* ctx) { return couple_->Leave(ctx, req, &resp); });
}

absl::StatusOr<uint64_t> Connection::Purge(const Bytes& couple_id) {
  mend::v1::PurgeRequest req;
  req.set_couple_id(couple_id);
  RETURN_IF_ERROR(SignCall(crypto::kPurgeLabel, &req));
  mend::v1::PurgeResponse resp;
  RETURN_IF_ERROR(
      Authed([&](grpc::ClientContext* ctx) { return couple_->Purge(ctx, req, &resp); }));
  return resp.entries_deleted();
}

}  // namespace mend::client
