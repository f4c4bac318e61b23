// The gRPC services of mendd (service.proto). Each handler validates the
// request, calls the domain code in ServerState and maps the status; nothing
// more. Every handler is one file below; this header declares them together
// because they are registered together.
#ifndef MEND_SERVER_SERVICES_H_
#define MEND_SERVER_SERVICES_H_

#include "mend/v1/service.grpc.pb.h"
#include "server/grpc_status.h"
#include "server/server_state.h"

namespace mend::server {

class ServerInfoService final : public mend::v1::ServerInfo::Service {
 public:
  explicit ServerInfoService(ServerState* state) : state_(state) {}
  grpc::Status GetInfo(grpc::ServerContext* context, const mend::v1::GetInfoRequest* request,
                       mend::v1::GetInfoResponse* response) override;

 private:
  ServerState* state_;
};

class AuthService final : public mend::v1::Auth::Service {
 public:
  explicit AuthService(ServerState* state) : state_(state) {}
  grpc::Status Challenge(grpc::ServerContext* context, const mend::v1::ChallengeRequest* request,
                         mend::v1::ChallengeResponse* response) override;
  grpc::Status Login(grpc::ServerContext* context, const mend::v1::LoginRequest* request,
                     mend::v1::LoginResponse* response) override;

 private:
  ServerState* state_;
};

class PairingService final : public mend::v1::Pairing::Service {
 public:
  explicit PairingService(ServerState* state) : state_(state) {}
  grpc::Status CreateCouple(grpc::ServerContext*, const mend::v1::CreateCoupleRequest*,
                            mend::v1::CreateCoupleResponse*) override;
  grpc::Status PostInvite(grpc::ServerContext*, const mend::v1::PostInviteRequest*,
                          mend::v1::PostInviteResponse*) override;
  grpc::Status GetInvite(grpc::ServerContext*, const mend::v1::GetInviteRequest*,
                         mend::v1::GetInviteResponse*) override;
  grpc::Status JoinCouple(grpc::ServerContext*, const mend::v1::JoinCoupleRequest*,
                          mend::v1::JoinCoupleResponse*) override;
  grpc::Status GetJoin(grpc::ServerContext*, const mend::v1::GetJoinRequest*,
                       mend::v1::GetJoinResponse*) override;
  grpc::Status ConfirmMember(grpc::ServerContext*, const mend::v1::ConfirmMemberRequest*,
                             mend::v1::ConfirmMemberResponse*) override;
  grpc::Status RejectPending(grpc::ServerContext*, const mend::v1::RejectPendingRequest*,
                             mend::v1::RejectPendingResponse*) override;
  grpc::Status PutGrant(grpc::ServerContext*, const mend::v1::PutGrantRequest*,
                        mend::v1::PutGrantResponse*) override;
  grpc::Status GetGrants(grpc::ServerContext*, const mend::v1::GetGrantsRequest*,
                         mend::v1::GetGrantsResponse*) override;
  grpc::Status GetCouple(grpc::ServerContext*, const mend::v1::GetCoupleRequest*,
                         mend::v1::GetCoupleResponse*) override;
  grpc::Status GetMembership(grpc::ServerContext*, const mend::v1::GetMembershipRequest*,
                             mend::v1::GetMembershipResponse*) override;

 private:
  ServerState* state_;
};

// The log on gRPC's callback API: an append waits for the shared fsync, and a
// Fetch or Watch for a slow reader or for the next entry, and none of them
// may hold a thread while it waits.
class LogService final : public mend::v1::Log::CallbackService {
 public:
  explicit LogService(ServerState* state) : state_(state) {}
  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext*, const mend::v1::AppendRequest*,
                                   mend::v1::AppendResponse*) override;
  grpc::ServerWriteReactor<mend::v1::Entry>* Fetch(grpc::CallbackServerContext*,
                                                   const mend::v1::FetchRequest*) override;
  grpc::ServerWriteReactor<mend::v1::Entry>* Watch(grpc::CallbackServerContext*,
                                                   const mend::v1::WatchRequest*) override;
  grpc::ServerUnaryReactor* GetHead(grpc::CallbackServerContext*, const mend::v1::GetHeadRequest*,
                                    mend::v1::Head*) override;

 private:
  ServerState* state_;
};

class CoupleService final : public mend::v1::Couple::Service {
 public:
  explicit CoupleService(ServerState* state) : state_(state) {}
  grpc::Status Leave(grpc::ServerContext*, const mend::v1::LeaveRequest*,
                     mend::v1::LeaveResponse*) override;
  grpc::Status Purge(grpc::ServerContext*, const mend::v1::PurgeRequest*,
                     mend::v1::PurgeResponse*) override;

 private:
  ServerState* state_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_SERVICES_H_
