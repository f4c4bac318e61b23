#include "server/registry.h"

#include <algorithm>
#include <mutex>

#include "base/hex.h"
#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace mend::server {
namespace {

mend::v1::CoupleMember* FindMember(mend::v1::CoupleRecord* record, const Bytes& member) {
  for (auto& m : *record->mutable_members()) {
    if (m.member() == member) return &m;
  }
  return nullptr;
}

absl::Status NotAMember() { return absl::PermissionDeniedError("not a member of this couple"); }

absl::Status CheckLength(const Bytes& value, size_t size, const char* name) {
  if (value.size() == size) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format("{} must be {} bytes", name, size));
}

}  // namespace

absl::Status Registry::CheckCoupleId(const Bytes& couple_id) {
  return CheckLength(couple_id, wire::kCoupleIdBytes, "couple_id");
}

absl::StatusOr<mend::v1::CoupleRecord> Registry::MemberRecord(const Bytes& caller,
                                                              const Bytes& couple_id,
                                                              bool allow_left) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  ASSIGN_OR_RETURN(auto record, store_->GetCouple(couple_id));
  return MemberRecordOf(std::move(record), caller, allow_left);
}

absl::StatusOr<mend::v1::CoupleRecord> Registry::MemberRecordOf(
    std::optional<mend::v1::CoupleRecord> record, const Bytes& caller, bool allow_left) {
  if (!record) return NotAMember();
  mend::v1::CoupleMember* m = FindMember(&*record, caller);
  if (m == nullptr) return NotAMember();
  if (m->state() == mend::v1::MEMBER_STATE_ACTIVE) return *record;
  if (allow_left && m->state() == mend::v1::MEMBER_STATE_LEFT) return *record;
  if (m->state() == mend::v1::MEMBER_STATE_PENDING) {
    return absl::PermissionDeniedError("your partner has not confirmed you yet");
  }
  return absl::PermissionDeniedError("you have left this couple");
}

absl::Status Registry::CreateCouple(const Bytes& caller, const Bytes& couple_id,
                                    const Bytes& box_pk, const std::string& registration_code) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  RETURN_IF_ERROR(CheckLength(box_pk, wire::kMemberKeyBytes, "box_pk"));
  if (registration_code.size() > wire::kMaxRegistrationCodeBytes) {
    return absl::InvalidArgumentError(
        fmt::format("registration_code is at most {} characters", wire::kMaxRegistrationCodeBytes));
  }
  // One code makes one couple and one identity joins one couple: the checks
  // and the write of the member index happen under one lock.
  std::lock_guard membership(membership_mu_);
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto existing_membership, store_->GetMemberCouple(caller));
  if (existing_membership) {
    return absl::AlreadyExistsError("this identity already belongs to a couple on this server");
  }
  ASSIGN_OR_RETURN(auto existing, store_->GetCouple(couple_id));
  if (existing) return absl::AlreadyExistsError("a couple with this id already exists");
  CoupleUpdate update;
  if (mode_ == RegistrationMode::kCode) {
    if (registration_code.empty()) {
      return absl::PermissionDeniedError(
          "this server needs a registration code to create a couple; ask its operator "
          "(mendd admin registration-code)");
    }
    Bytes hash = crypto::Blake2b256({registration_code});
    ASSIGN_OR_RETURN(bool known, store_->HasRegistrationCode(hash));
    if (!known) {
      return absl::PermissionDeniedError("the registration code is unknown or already used");
    }
    update.consume_registration = hash;
  }
  mend::v1::CoupleRecord record;
  record.set_couple_id(couple_id);
  record.set_created_unix_ms(clock_());
  auto* m = record.add_members();
  m->set_member(caller);
  m->set_box_pk(box_pk);
  m->set_state(mend::v1::MEMBER_STATE_ACTIVE);
  update.record = record;
  update.index_members = {caller};
  return store_->Apply(update);
}

absl::StatusOr<int64_t> Registry::PostInvite(const Bytes& caller, const Bytes& couple_id,
                                             const Bytes& invite_id, const Bytes& offer_ct,
                                             uint32_t ttl_seconds) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  RETURN_IF_ERROR(CheckLength(invite_id, wire::kInviteIdBytes, "invite_id"));
  if (offer_ct.empty() || offer_ct.size() > limits_.max_pairing_blob_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("offer_ct must be 1 to {} bytes", limits_.max_pairing_blob_bytes));
  }
  if (ttl_seconds < limits_.min_invite_ttl_seconds ||
      ttl_seconds > limits_.max_invite_ttl_seconds) {
    return absl::InvalidArgumentError(fmt::format("invite lifetime must be {} to {} seconds",
                                                  limits_.min_invite_ttl_seconds,
                                                  limits_.max_invite_ttl_seconds));
  }
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, false).status());  // before the lock: members only
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  if (record.members(0).member() != caller) {
    return absl::PermissionDeniedError("only the member who created the couple posts invites");
  }
  if (record.members_size() != 1) {
    return absl::FailedPreconditionError("this couple already has two members");
  }
  ASSIGN_OR_RETURN(auto existing, store_->GetInvite(invite_id));
  if (existing) return absl::AlreadyExistsError("an invite with this id already exists");
  const int64_t now = clock_();
  mend::v1::InviteRecord invite;
  invite.set_couple_id(couple_id);
  invite.set_offer_ct(offer_ct);
  invite.set_expires_unix_ms(now + int64_t{ttl_seconds} * 1000);
  CoupleUpdate update;
  // One open invite per couple: the creator's client keeps one invite secret,
  // so a join through an older code could only be turned away; and a lost code
  // is replaced without storage growing.
  for (const auto& open : record.open_invites()) update.delete_invites.push_back(open.invite_id());
  record.clear_open_invites();
  auto* ref = record.add_open_invites();
  ref->set_invite_id(invite_id);
  ref->set_expires_unix_ms(invite.expires_unix_ms());
  update.record = record;
  update.put_invite = {invite_id, invite};
  RETURN_IF_ERROR(store_->Apply(update));
  return invite.expires_unix_ms();
}

absl::StatusOr<mend::v1::InviteRecord> Registry::GetInvite(const Bytes& invite_id) {
  RETURN_IF_ERROR(CheckLength(invite_id, wire::kInviteIdBytes, "invite_id"));
  ASSIGN_OR_RETURN(auto invite, store_->GetInvite(invite_id));
  if (!invite || invite->expires_unix_ms() <= clock_()) {
    return absl::NotFoundError(
        "no such invite: it expired, was used, or was replaced by a newer code; ask your partner "
        "for a new code");
  }
  return *invite;
}

absl::StatusOr<Bytes> Registry::JoinCouple(const Bytes& caller, const Bytes& invite_id,
                                           const Bytes& box_pk, const Bytes& answer_ct) {
  RETURN_IF_ERROR(CheckLength(invite_id, wire::kInviteIdBytes, "invite_id"));
  RETURN_IF_ERROR(CheckLength(box_pk, wire::kMemberKeyBytes, "box_pk"));
  if (answer_ct.empty() || answer_ct.size() > limits_.max_pairing_blob_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("answer_ct must be 1 to {} bytes", limits_.max_pairing_blob_bytes));
  }
  ASSIGN_OR_RETURN(auto invite, GetInvite(invite_id));
  const Bytes couple_id = invite.couple_id();
  std::lock_guard membership(membership_mu_);
  std::lock_guard lock(locks_->For(couple_id));
  // Re-read under the lock: two joiners racing for one invite, one wins.
  ASSIGN_OR_RETURN(auto still, store_->GetInvite(invite_id));
  if (!still) return absl::NotFoundError("no such invite: it was just used");
  ASSIGN_OR_RETURN(auto existing_membership, store_->GetMemberCouple(caller));
  if (existing_membership)
    return absl::AlreadyExistsError("this identity already belongs to a couple on this server");
  ASSIGN_OR_RETURN(auto record, store_->GetCouple(couple_id));
  if (!record || record->members_size() != 1 || record->closed()) {
    return absl::FailedPreconditionError("this couple cannot take a new member");
  }
  auto* m = record->add_members();
  m->set_member(caller);
  m->set_box_pk(box_pk);
  m->set_state(mend::v1::MEMBER_STATE_PENDING);
  record->set_pending_answer_ct(answer_ct);
  CoupleUpdate update;
  // The couple is full: every open invite goes, not just the one used.
  update.delete_invites.push_back(invite_id);
  for (const auto& open : record->open_invites()) {
    if (open.invite_id() != invite_id) update.delete_invites.push_back(open.invite_id());
  }
  record->clear_open_invites();
  update.record = *record;
  update.index_members = {caller};
  RETURN_IF_ERROR(store_->Apply(update));
  return couple_id;
}

absl::StatusOr<mend::v1::GetJoinResponse> Registry::GetJoin(const Bytes& caller,
                                                            const Bytes& couple_id) {
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  mend::v1::GetJoinResponse out;
  for (const auto& m : record.members()) {
    if (m.state() == mend::v1::MEMBER_STATE_PENDING) {
      out.set_pending(true);
      out.set_member(m.member());
      out.set_box_pk(m.box_pk());
      out.set_answer_ct(record.pending_answer_ct());
    }
  }
  return out;
}

absl::Status Registry::RejectPending(const Bytes& caller, const Bytes& couple_id,
                                     const Bytes& member) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  RETURN_IF_ERROR(CheckLength(member, wire::kMemberKeyBytes, "member"));
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, false).status());  // before the locks: members only
  std::lock_guard membership(membership_mu_);
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  if (record.members(0).member() != caller) {
    return absl::PermissionDeniedError("only the member who created the couple rejects a joiner");
  }
  auto* members = record.mutable_members();
  auto pending =
      std::find_if(members->begin(), members->end(), [&](const mend::v1::CoupleMember& m) {
        return m.member() == member && m.state() == mend::v1::MEMBER_STATE_PENDING;
      });
  if (pending == members->end())
    return absl::FailedPreconditionError("that member is not waiting for confirmation");
  members->erase(pending);
  record.clear_pending_answer_ct();
  CoupleUpdate update;
  update.record = record;
  update.unindex_members = {member};
  return store_->Apply(update);
}

absl::Status Registry::ConfirmMember(const Bytes& caller, const Bytes& couple_id,
                                     const Bytes& member) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  RETURN_IF_ERROR(CheckLength(member, wire::kMemberKeyBytes, "member"));
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, false).status());  // before the lock: members only
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  if (record.members(0).member() != caller) {
    return absl::PermissionDeniedError(
        "only the member who created the couple confirms the joiner");
  }
  mend::v1::CoupleMember* m = FindMember(&record, member);
  if (m == nullptr || m->state() != mend::v1::MEMBER_STATE_PENDING) {
    return absl::FailedPreconditionError("that member is not waiting for confirmation");
  }
  m->set_state(mend::v1::MEMBER_STATE_ACTIVE);
  record.clear_pending_answer_ct();
  CoupleUpdate update;
  update.record = record;
  return store_->Apply(update);
}

absl::Status Registry::PutGrants(const Bytes& caller, const Bytes& couple_id,
                                 const std::vector<mend::v1::KeyGrant>& grants) {
  RETURN_IF_ERROR(CheckCoupleId(couple_id));
  if (grants.empty() || grants.size() > 2)
    return absl::InvalidArgumentError("send one or two grants");
  for (const auto& grant : grants) {
    RETURN_IF_ERROR(CheckLength(grant.sealed_key(), crypto::kSealedKeyBytes, "sealed_key"));
    RETURN_IF_ERROR(CheckLength(grant.member(), wire::kMemberKeyBytes, "grant.member"));
    RETURN_IF_ERROR(CheckLength(grant.granter(), wire::kMemberKeyBytes, "grant.granter"));
    RETURN_IF_ERROR(CheckLength(grant.key_id(), crypto::kKeyIdBytes, "grant.key_id"));
    RETURN_IF_ERROR(CheckLength(grant.signature(), wire::kSignatureBytes, "grant.signature"));
    if (grant.granter() != caller)
      return absl::PermissionDeniedError("grants must be signed by the caller");
    if (grant.epoch() != grants[0].epoch())
      return absl::InvalidArgumentError("grants in one request share an epoch");
  }
  if (grants.size() == 2 && grants[0].member() == grants[1].member()) {
    return absl::InvalidArgumentError("two grants for one member");
  }
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, false).status());  // before the lock: members only
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  if (record.closed()) return absl::FailedPreconditionError("the couple's log is closed");
  const uint32_t epoch = grants[0].epoch();
  const auto& epochs = record.epochs();
  bool known = std::find(epochs.begin(), epochs.end(), epoch) != epochs.end();
  uint32_t next = epochs.empty() ? 0 : *std::max_element(epochs.begin(), epochs.end()) + 1;
  if (!known && epoch != next) {
    return absl::InvalidArgumentError(
        fmt::format("epoch {} is neither known nor the next one ({})", epoch, next));
  }
  mend::v1::EpochGrants* granted = nullptr;
  for (auto& g : *record.mutable_granted()) {
    if (g.epoch() == epoch) granted = &g;
  }
  for (const auto& grant : grants) {
    mend::v1::CoupleMember* recipient = FindMember(&record, grant.member());
    if (recipient == nullptr || recipient->state() == mend::v1::MEMBER_STATE_LEFT) {
      return absl::InvalidArgumentError("the grant's recipient is not a member of this couple");
    }
    if (granted != nullptr && std::find(granted->members().begin(), granted->members().end(),
                                        grant.member()) != granted->members().end()) {
      // Write-once: a second grant could hand a member a different key for an
      // epoch whose entries are already written.
      return absl::AlreadyExistsError(
          fmt::format("epoch {} already has a grant for that member", epoch));
    }
    if (!crypto::VerifySignature(caller,
                                 crypto::GrantSignatureInput(couple_id, epoch, grant.member(),
                                                             grant.key_id(), grant.sealed_key()),
                                 grant.signature())) {
      return absl::InvalidArgumentError("the grant's signature does not verify");
    }
  }
  if (!known) record.add_epochs(epoch);
  if (granted == nullptr) {
    granted = record.add_granted();
    granted->set_epoch(epoch);
  }
  for (const auto& grant : grants) granted->add_members(grant.member());
  CoupleUpdate update;
  update.record = record;
  update.put_grants = grants;
  return store_->Apply(update);
}

absl::StatusOr<std::vector<mend::v1::KeyGrant>> Registry::GetGrants(const Bytes& caller,
                                                                    const Bytes& couple_id) {
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, true));
  return store_->GetGrants(couple_id, caller);
}

absl::StatusOr<mend::v1::GetMembershipResponse> Registry::GetMembership(const Bytes& caller) {
  // The member index and the record change together (one write batch), and a
  // membership only moves forward (pending, active, left; or removed): two
  // reads without a lock see a state that was true, or a later one.
  mend::v1::GetMembershipResponse out;
  ASSIGN_OR_RETURN(auto couple_id, store_->GetMemberCouple(caller));
  if (!couple_id) return out;
  ASSIGN_OR_RETURN(auto record, store_->GetCouple(*couple_id));
  if (!record) return out;
  const mend::v1::CoupleMember* m = FindMember(&*record, caller);
  if (m == nullptr) return out;
  out.set_couple_id(*couple_id);
  out.set_state(m->state());
  return out;
}

absl::StatusOr<mend::v1::CoupleRecord> Registry::GetCouple(const Bytes& caller,
                                                           const Bytes& couple_id) {
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, true));
  record.clear_pending_answer_ct();
  return record;
}

absl::Status Registry::Leave(const Bytes& caller, const Bytes& couple_id) {
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, false).status());  // before the lock: members only
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, false));
  FindMember(&record, caller)->set_state(mend::v1::MEMBER_STATE_LEFT);
  if (!record.closed()) {
    record.set_closed(true);
    record.set_closed_unix_ms(clock_());
  }
  CoupleUpdate update;
  update.record = record;
  return store_->Apply(update);
}

absl::StatusOr<uint64_t> Registry::Purge(const Bytes& caller, const Bytes& couple_id) {
  RETURN_IF_ERROR(
      MemberRecord(caller, couple_id, true).status());  // before the locks: members only
  std::lock_guard membership(membership_mu_);
  std::lock_guard lock(locks_->For(couple_id));
  ASSIGN_OR_RETURN(auto record, MemberRecord(caller, couple_id, true));
  return store_->PurgeCouple(couple_id);
}

absl::StatusOr<uint64_t> Registry::DeleteExpiredInvites() {
  return store_->DeleteExpiredInvites(clock_());
}

absl::StatusOr<std::string> Registry::NewRegistrationCode() {
  std::string code = "reg-" + base::ToHex(crypto::RandomBytes(12));
  RETURN_IF_ERROR(store_->AddRegistrationCode(crypto::Blake2b256({code})));
  return code;
}

absl::StatusOr<size_t> Registry::PurgeExpiredClosedCouples() {
  ASSIGN_OR_RETURN(auto closed, store_->ClosedCouples(clock_() - limits_.purge_closed_after_ms));
  for (const Bytes& id : closed) {
    std::lock_guard membership(membership_mu_);
    std::lock_guard lock(locks_->For(id));
    RETURN_IF_ERROR(store_->PurgeCouple(id).status());
  }
  return closed.size();
}

}  // namespace mend::server
