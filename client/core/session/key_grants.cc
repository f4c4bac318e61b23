// Key grants and rotation (PROTOCOL.md "Epochs and grants"): fetching and
// checking grants, sealing one to a member, and moving the couple to a new
// epoch.
#include "base/status_macros.h"
#include "client/core/problem.h"
#include "client/core/session.h"
#include "client/core/session/internal.h"
#include "client/core/verification_error.h"
#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "fmt/format.h"

namespace mend::client {

absl::Status Session::RefreshGrants() {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  ASSIGN_OR_RETURN(auto grants, conn->GetGrants(state_.couple_id));
  bool changed = false;
  for (const auto& g : grants) {
    if (keys_.couple_keys.count(g.epoch())) continue;
    bool granter_ok =
        g.granter() == state_.sign_pk || (state_.partner && g.granter() == state_.partner->sign_pk);
    if (!granter_ok || g.member() != state_.sign_pk ||
        !crypto::VerifySignature(
            g.granter(),
            crypto::GrantSignatureInput(state_.couple_id, g.epoch(), g.member(), g.key_id(),
                                        g.sealed_key()),
            g.signature())) {
      return VerificationError(
          fmt::format("the key grant for epoch {} is not signed by a member", g.epoch()));
    }
    auto key = crypto::OpenCoupleKey(g.sealed_key(), identity_);
    // A grant whose key is not the one its signer named is the signer's doing:
    // it is skipped (the epoch's entries show as unreadable, naming the
    // mismatch), not a reason to stop.
    if (!key.ok() || !crypto::ConstantTimeEquals(crypto::KeyId(*key), g.key_id())) continue;
    keys_.couple_keys[g.epoch()] = *std::move(key);
    changed = true;
  }
  if (!changed) return absl::OkStatus();
  RETURN_IF_ERROR(SaveKeys());
  // Entries already here that waited for this key can be read now.
  for (const auto& e : entries_) {
    if (!e.unreadable.empty()) return LoadLocal();
  }
  return absl::OkStatus();
}

absl::StatusOr<mend::v1::KeyGrant> Session::MakeGrant(uint32_t epoch,
                                                      const Member& recipient) const {
  mend::v1::KeyGrant g;
  g.set_epoch(epoch);
  g.set_member(recipient.sign_pk);
  ASSIGN_OR_RETURN(Bytes sealed,
                   crypto::SealCoupleKey(keys_.couple_keys.at(epoch), recipient.box_pk));
  g.set_sealed_key(sealed);
  g.set_granter(identity_.sign_pk());
  g.set_key_id(crypto::KeyId(keys_.couple_keys.at(epoch)));
  g.set_signature(identity_.Sign(
      crypto::GrantSignatureInput(state_.couple_id, epoch, recipient.sign_pk, g.key_id(), sealed)));
  return g;
}

absl::Status Session::Rotate() {
  RETURN_IF_ERROR(NotPaired(state_));
  RETURN_IF_ERROR(Sync().status());
  if (couple_.closed) return absl::FailedPreconditionError("the log is closed");
  ASSIGN_OR_RETURN(Connection * conn, connection());
  // Written under the newest epoch both can read that this member holds: the
  // current one, or an older one when the current key never reached us.
  std::optional<uint32_t> under = NewestHeldEpoch(CurrentEpoch());
  if (!under) {
    return WithProblem(absl::FailedPreconditionError("you hold none of the keys the log announces"),
                       Problem::kHoldNoKey);
  }
  ASSIGN_OR_RETURN(auto couple, conn->GetCouple(state_.couple_id));
  uint32_t next = CurrentEpoch() + 1;
  for (uint32_t e : couple.epochs()) next = std::max(next, e + 1);  // an epoch with grants is taken
  const uint32_t announced_before = CurrentEpoch();
  if (!keys_.couple_keys.count(next)) {
    keys_.couple_keys[next] = crypto::SecretBytes::Random(crypto::kAeadKeyBytes);
    RETURN_IF_ERROR(SaveKeys());
  }
  std::vector<mend::v1::KeyGrant> grants;
  for (const Member& m : {Member{state_.sign_pk, state_.box_pk, state_.name}, *state_.partner}) {
    ASSIGN_OR_RETURN(auto grant, MakeGrant(next, m));
    grants.push_back(std::move(grant));
  }
  absl::Status put = conn->PutGrants(state_.couple_id, grants);
  if (absl::IsAlreadyExists(put)) {
    // The partner is rotating at the same moment and took this epoch first.
    RETURN_IF_ERROR(Sync().status());
    if (CurrentEpoch() > announced_before) return absl::OkStatus();
    return WithProblem(absl::AbortedError("your partner is rotating the key at this moment"),
                       Problem::kRotationRace);
  }
  RETURN_IF_ERROR(put);
  mend::v1::Payload p;
  p.mutable_key_rotation()->set_new_epoch(next);
  p.mutable_key_rotation()->set_key_id(crypto::KeyId(keys_.couple_keys.at(next)));
  auto appended = AppendAt(p, *under);
  if (!appended.ok() && CurrentEpoch() > announced_before)
    return absl::OkStatus();  // theirs landed first
  return appended.status();
}

}  // namespace mend::client
