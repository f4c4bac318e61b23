#include "base/status_macros.h"
#include "server/services.h"

namespace mend::server {
namespace {

// Runs `body` with the authenticated caller, or finishes with the auth error.
template <typename Body>
grpc::Status WithCaller(ServerState* state, grpc::ServerContext* context, const char* method,
                        Body body) {
  CallScope call(method, context);
  auto caller = state->Caller(context);
  if (!caller.ok()) return call.Finish(caller.status());
  return call.Finish(body(*caller));
}

}  // namespace

grpc::Status PairingService::CreateCouple(grpc::ServerContext* context,
                                          const mend::v1::CreateCoupleRequest* request,
                                          mend::v1::CreateCoupleResponse*) {
  return WithCaller(state_, context, "Pairing.CreateCouple", [&](const std::string& caller) {
    return state_->registry.CreateCouple(caller, request->couple_id(), request->box_pk(),
                                         request->registration_code());
  });
}

grpc::Status PairingService::PostInvite(grpc::ServerContext* context,
                                        const mend::v1::PostInviteRequest* request,
                                        mend::v1::PostInviteResponse* response) {
  return WithCaller(
      state_, context, "Pairing.PostInvite", [&](const std::string& caller) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t expires, state_->registry.PostInvite(
                                              caller, request->couple_id(), request->invite_id(),
                                              request->offer_ct(), request->ttl_seconds()));
        response->set_expires_unix_ms(expires);
        return absl::OkStatus();
      });
}

grpc::Status PairingService::GetInvite(grpc::ServerContext* context,
                                       const mend::v1::GetInviteRequest* request,
                                       mend::v1::GetInviteResponse* response) {
  CallScope call("Pairing.GetInvite", context);
  if (absl::Status s = state_->ChargeAddress(context, "invite lookups"); !s.ok())
    return call.Finish(s);
  auto invite = state_->registry.GetInvite(request->invite_id());
  if (!invite.ok()) return call.Finish(invite.status());
  response->set_offer_ct(invite->offer_ct());
  response->set_expires_unix_ms(invite->expires_unix_ms());
  return call.Finish(absl::OkStatus());
}

grpc::Status PairingService::JoinCouple(grpc::ServerContext* context,
                                        const mend::v1::JoinCoupleRequest* request,
                                        mend::v1::JoinCoupleResponse* response) {
  if (absl::Status s = state_->ChargeAddress(context, "join attempts"); !s.ok()) {
    CallScope call("Pairing.JoinCouple", context);
    return call.Finish(s);
  }
  return WithCaller(
      state_, context, "Pairing.JoinCouple", [&](const std::string& caller) -> absl::Status {
        ASSIGN_OR_RETURN(std::string couple_id,
                         state_->registry.JoinCouple(caller, request->invite_id(),
                                                     request->box_pk(), request->answer_ct()));
        response->set_couple_id(couple_id);
        return absl::OkStatus();
      });
}

grpc::Status PairingService::GetJoin(grpc::ServerContext* context,
                                     const mend::v1::GetJoinRequest* request,
                                     mend::v1::GetJoinResponse* response) {
  return WithCaller(
      state_, context, "Pairing.GetJoin", [&](const std::string& caller) -> absl::Status {
        ASSIGN_OR_RETURN(*response, state_->registry.GetJoin(caller, request->couple_id()));
        return absl::OkStatus();
      });
}

grpc::Status PairingService::ConfirmMember(grpc::ServerContext* context,
                                           const mend::v1::ConfirmMemberRequest* request,
                                           mend::v1::ConfirmMemberResponse*) {
  return WithCaller(state_, context, "Pairing.ConfirmMember", [&](const std::string& caller) {
    return state_->registry.ConfirmMember(caller, request->couple_id(), request->member());
  });
}

grpc::Status PairingService::RejectPending(grpc::ServerContext* context,
                                           const mend::v1::RejectPendingRequest* request,
                                           mend::v1::RejectPendingResponse*) {
  return WithCaller(state_, context, "Pairing.RejectPending", [&](const std::string& caller) {
    return state_->registry.RejectPending(caller, request->couple_id(), request->member());
  });
}

grpc::Status PairingService::PutGrant(grpc::ServerContext* context,
                                      const mend::v1::PutGrantRequest* request,
                                      mend::v1::PutGrantResponse*) {
  return WithCaller(state_, context, "Pairing.PutGrant", [&](const std::string& caller) {
    std::vector<mend::v1::KeyGrant> grants(request->grants().begin(), request->grants().end());
    if (request->has_grant()) {
      if (!grants.empty()) return absl::InvalidArgumentError("send grant or grants, not both");
      grants.push_back(request->grant());
    }
    return state_->registry.PutGrants(caller, request->couple_id(), grants);
  });
}

grpc::Status PairingService::GetGrants(grpc::ServerContext* context,
                                       const mend::v1::GetGrantsRequest* request,
                                       mend::v1::GetGrantsResponse* response) {
  return WithCaller(
      state_, context, "Pairing.GetGrants", [&](const std::string& caller) -> absl::Status {
        ASSIGN_OR_RETURN(auto grants, state_->registry.GetGrants(caller, request->couple_id()));
        for (auto& g : grants) *response->add_grants() = std::move(g);
        return absl::OkStatus();
      });
}

grpc::Status PairingService::GetCouple(grpc::ServerContext* context,
                                       const mend::v1::GetCoupleRequest* request,
                                       mend::v1::GetCoupleResponse* response) {
  return WithCaller(
      state_, context, "Pairing.GetCouple", [&](const std::string& caller) -> absl::Status {
        ASSIGN_OR_RETURN(auto record, state_->registry.GetCouple(caller, request->couple_id()));
        response->set_couple_id(record.couple_id());
        *response->mutable_members() = record.members();
        response->set_closed(record.closed());
        *response->mutable_epochs() = record.epochs();
        return absl::OkStatus();
      });
}

grpc::Status PairingService::GetMembership(grpc::ServerContext* context,
                                           const mend::v1::GetMembershipRequest*,
                                           mend::v1::GetMembershipResponse* response) {
  return WithCaller(state_, context, "Pairing.GetMembership",
                    [&](const std::string& caller) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, state_->registry.GetMembership(caller));
                      return absl::OkStatus();
                    });
}

}  // namespace mend::server
