// Pairing (PROTOCOL.md "Pairing"): the invite and its code, the join, the
// inviter's confirmation after the safety number was compared, and the two
// membership entries (Genesis, Joined). Nothing else is written before the
// safety number is confirmed on this device.
#include "base/status_macros.h"
#include "client/core/problem.h"
#include "client/core/session.h"
#include "client/core/session/internal.h"
#include "client/core/verification_error.h"
#include "client/state/display_name.h"
#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/invite.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace mend::client {
namespace {

mend::v1::MemberKeys KeysOf(const Bytes& sign_pk, const Bytes& box_pk, const std::string& name) {
  mend::v1::MemberKeys k;
  k.set_sign_pk(sign_pk);
  k.set_box_pk(box_pk);
  k.set_display_name(name);
  return k;
}

}  // namespace

absl::StatusOr<std::string> Session::Invite(const std::string& registration_code,
                                            uint32_t ttl_seconds) {
  if (state_.pairing != PairingState::kUnpaired) {
    return absl::FailedPreconditionError(fmt::format(
        "this profile is already {}; one profile pairs once", ToString(state_.pairing)));
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  crypto::SecretBytes secret = crypto::SecretBytes::Random(crypto::kInviteSecretBytes);
  crypto::InviteKeys invite = crypto::DeriveInviteKeys(secret);
  state_.couple_id = crypto::RandomBytes(wire::kCoupleIdBytes);
  state_.inviter = true;
  state_.safety_confirmed = false;
  keys_.couple_keys[0] = crypto::SecretBytes::Random(crypto::kAeadKeyBytes);
  keys_.invite_secret = secret.Clone();
  mend::v1::PairingOffer offer;
  offer.set_couple_id(state_.couple_id);
  *offer.mutable_inviter() = KeysOf(state_.sign_pk, state_.box_pk, state_.name);
  state_.offer_plaintext = offer.SerializeAsString();
  state_.offer_ct = crypto::SealOffer(invite, offer);
  state_.invite_id = invite.invite_id;
  // Keys first: a crash after the server knows the couple must not lose its key.
  RETURN_IF_ERROR(SaveKeys());
  absl::Status s = conn->CreateCouple(state_.couple_id, state_.box_pk, registration_code);
  if (s.ok()) {
    ASSIGN_OR_RETURN(auto grant, MakeGrant(0, Member{state_.sign_pk, state_.box_pk, state_.name}));
    s = conn->PutGrant(state_.couple_id, grant);
  }
  if (s.ok())
    s = conn->PostInvite(state_.couple_id, state_.invite_id, state_.offer_ct, ttl_seconds).status();
  if (!s.ok()) {
    keys_.couple_keys.clear();
    keys_.invite_secret.reset();
    RETURN_IF_ERROR(SaveKeys());
    bool had_mac = false;
    state_ = profile_.LoadState(local_key_, &had_mac).value_or(state_);
    return s;
  }
  state_.pairing = PairingState::kInvited;
  RETURN_IF_ERROR(SaveState());
  return crypto::FormatInviteCode(secret);
}

absl::StatusOr<std::string> Session::Reinvite(uint32_t ttl_seconds) {
  if (state_.pairing != PairingState::kInvited || !state_.inviter) {
    return absl::FailedPreconditionError(
        "only an invite that nobody has completed can be replaced");
  }
  if (state_.partner) {
    return WithProblem(absl::FailedPreconditionError(
                           fmt::format("{} has joined and waits for you", state_.partner->name)),
                       Problem::kPartnerWaitsForYou);
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  crypto::SecretBytes secret = crypto::SecretBytes::Random(crypto::kInviteSecretBytes);
  crypto::InviteKeys invite = crypto::DeriveInviteKeys(secret);
  mend::v1::PairingOffer offer;
  if (!offer.ParseFromString(state_.offer_plaintext))
    return absl::DataLossError("the saved invite offer is damaged");
  const Bytes offer_ct = crypto::SealOffer(invite, offer);
  // The new secret is on disk before the server hears of the code (a crash
  // must not post a code nobody can open), and the old one comes back when
  // the server refuses it: the partner may have joined with the old code
  // meanwhile, and their answer opens only with it.
  std::optional<crypto::SecretBytes> previous = std::move(keys_.invite_secret);
  keys_.invite_secret = secret.Clone();
  RETURN_IF_ERROR(SaveKeys());
  absl::Status posted =
      conn->PostInvite(state_.couple_id, invite.invite_id, offer_ct, ttl_seconds).status();
  if (!posted.ok()) {
    keys_.invite_secret = std::move(previous);
    RETURN_IF_ERROR(SaveKeys());
    return posted;
  }
  state_.offer_ct = offer_ct;
  state_.invite_id = invite.invite_id;
  RETURN_IF_ERROR(SaveState());
  return crypto::FormatInviteCode(secret);
}

absl::Status Session::RejectPartner() {
  if (state_.pairing != PairingState::kInvited || !state_.inviter || !state_.partner) {
    if (state_.pairing == PairingState::kPaired) {
      return WithProblem(absl::FailedPreconditionError("pairing is complete"),
                         Problem::kPairingComplete);
    }
    return absl::FailedPreconditionError("nobody is waiting for your confirmation");
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  RETURN_IF_ERROR(conn->RejectPending(state_.couple_id, state_.partner->sign_pk));
  state_.partner.reset();
  state_.transcript_hash.clear();
  state_.safety_confirmed = false;
  return SaveState();
}

absl::Status Session::Join(const std::string& code) {
  if (state_.pairing != PairingState::kUnpaired) {
    return absl::FailedPreconditionError(fmt::format(
        "this profile is already {}; one profile pairs once", ToString(state_.pairing)));
  }
  ASSIGN_OR_RETURN(crypto::SecretBytes secret, crypto::ParseInviteCode(code));
  crypto::InviteKeys invite = crypto::DeriveInviteKeys(secret);
  ASSIGN_OR_RETURN(Connection * conn, connection());
  ASSIGN_OR_RETURN(auto got, conn->GetInvite(invite.invite_id));
  Bytes offer_plaintext;
  ASSIGN_OR_RETURN(auto offer, crypto::OpenOffer(invite, got.offer_ct(), &offer_plaintext));
  if (offer.inviter().sign_pk() == state_.sign_pk) {
    return absl::InvalidArgumentError("this is your own invite; your partner joins with it");
  }
  if (offer.couple_id().size() != wire::kCoupleIdBytes ||
      offer.inviter().sign_pk().size() != wire::kMemberKeyBytes ||
      offer.inviter().box_pk().size() != wire::kMemberKeyBytes ||
      !IsDisplayName(offer.inviter().display_name())) {
    return absl::DataLossError("the invite offer is malformed");
  }
  Bytes t = crypto::PairingTranscript(offer_plaintext, identity_.public_identity());
  mend::v1::PairingAnswer answer;
  *answer.mutable_joiner() = KeysOf(state_.sign_pk, state_.box_pk, state_.name);
  answer.set_transcript_signature(identity_.Sign(crypto::TranscriptSignatureInput(t)));
  Bytes answer_ct = crypto::SealAnswer(invite, got.offer_ct(), answer);
  ASSIGN_OR_RETURN(Bytes couple_id, conn->JoinCouple(invite.invite_id, state_.box_pk, answer_ct));
  if (couple_id != offer.couple_id())
    return VerificationError("the server joined us to a different couple");
  state_.couple_id = couple_id;
  state_.inviter = false;
  state_.partner =
      Member{offer.inviter().sign_pk(), offer.inviter().box_pk(), offer.inviter().display_name()};
  state_.transcript_hash = t;
  state_.offer_plaintext = offer_plaintext;
  state_.pairing = PairingState::kJoinPending;
  state_.safety_confirmed = false;
  return SaveState();
}

absl::StatusOr<PairingProgress> Session::AdvancePairing() {
  using Step = PairingProgress::Step;
  ASSIGN_OR_RETURN(Connection * conn, connection());
  if (state_.pairing == PairingState::kInvited) {
    if (state_.partner)
      return PairingProgress{Step::kCompareSafetyNumber, state_.partner->name, ""};
    ASSIGN_OR_RETURN(auto join, conn->GetJoin(state_.couple_id));
    if (!join.pending()) return PairingProgress{Step::kAwaitingJoin, "", ""};
    if (!keys_.invite_secret)
      return absl::DataLossError("the invite secret is missing from the key file");
    absl::StatusOr<Member> joiner = OpenJoin(join);
    if (!joiner.ok()) {
      // Whoever answered holds the code but sent something that does not
      // open or verify: turn them away and say so; the profile lives on.
      RETURN_IF_ERROR(conn->RejectPending(state_.couple_id, join.member()));
      return PairingProgress{Step::kAnswerTurnedAway, "", std::string(joiner.status().message())};
    }
    state_.partner = *joiner;
    state_.transcript_hash =
        crypto::PairingTranscript(state_.offer_plaintext, {joiner->sign_pk, joiner->box_pk});
    state_.safety_confirmed = false;
    RETURN_IF_ERROR(SaveState());
    return AdvancePairing();  // says what to do next
  }
  if (state_.pairing == PairingState::kJoinPending) {
    // Asked first, and answered from the server's one record of us: waiting
    // and turned away look alike to every call that names the couple.
    auto membership = conn->GetMembership();
    if (membership.ok()) {
      if (membership->couple_id() != state_.couple_id) return ForgetTurnedAwayJoin();
      if (membership->state() == mend::v1::MEMBER_STATE_PENDING)
        return PairingProgress{Step::kAwaitingConfirmation, "", ""};
    } else if (!absl::IsUnimplemented(membership.status())) {
      return membership.status();
    }  // a server without GetMembership: wait, as before it existed
    auto grants = conn->GetGrants(state_.couple_id);
    if (!grants.ok()) {
      if (absl::IsPermissionDenied(grants.status())) {
        return PairingProgress{Step::kAwaitingConfirmation, "", ""};
      }
      return grants.status();
    }
    if (grants->empty()) return PairingProgress{Step::kAwaitingConfirmation, "", ""};
    state_.pairing = PairingState::kPaired;
    RETURN_IF_ERROR(RefreshGrants());
    RETURN_IF_ERROR(SaveState());
    return PairingProgress{};
  }
  RETURN_IF_ERROR(NotPaired(state_));
  return PairingProgress{};
}

absl::StatusOr<PairingProgress> Session::ForgetTurnedAwayJoin() {
  // Safe to forget: a joiner writes nothing and holds no couple key before it
  // is confirmed. The profile is as `mend init` made it (the identity and its
  // name), with the server it pinned since.
  PairingProgress progress{PairingProgress::Step::kTurnedAway,
                           state_.partner ? state_.partner->name : "", ""};
  ProfileState unpaired;
  unpaired.name = state_.name;
  unpaired.sign_pk = state_.sign_pk;
  unpaired.box_pk = state_.box_pk;
  unpaired.server_id = state_.server_id;
  state_ = std::move(unpaired);
  RETURN_IF_ERROR(SaveState());
  return progress;
}

absl::StatusOr<Member> Session::OpenJoin(const mend::v1::GetJoinResponse& join) const {
  crypto::InviteKeys invite = crypto::DeriveInviteKeys(*keys_.invite_secret);
  auto answer = crypto::OpenAnswer(invite, state_.offer_ct, join.answer_ct());
  if (!answer.ok()) return absl::DataLossError("does not open with your invite code");
  const auto& joiner = answer->joiner();
  if (joiner.sign_pk() != join.member() || joiner.box_pk() != join.box_pk()) {
    return absl::DataLossError("names other keys than the server's record of the joiner");
  }
  Bytes t = crypto::PairingTranscript(state_.offer_plaintext, {joiner.sign_pk(), joiner.box_pk()});
  if (!crypto::VerifySignature(joiner.sign_pk(), crypto::TranscriptSignatureInput(t),
                               answer->transcript_signature())) {
    return absl::DataLossError("carries a signature over the pairing that does not verify");
  }
  if (!IsDisplayName(joiner.display_name())) {
    return absl::DataLossError(
        "carries a name that is not a display name (1 to 64 bytes, no control characters)");
  }
  return Member{joiner.sign_pk(), joiner.box_pk(), joiner.display_name()};
}

absl::Status Session::CompletePairingAsInviter() {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  RETURN_IF_ERROR(conn->ConfirmMember(state_.couple_id, state_.partner->sign_pk));
  ASSIGN_OR_RETURN(auto grant, MakeGrant(0, *state_.partner));
  absl::Status put = conn->PutGrant(state_.couple_id, grant);
  if (!put.ok() && !absl::IsAlreadyExists(put)) return put;
  state_.pairing = PairingState::kPaired;
  RETURN_IF_ERROR(SaveState());
  keys_.invite_secret.reset();
  RETURN_IF_ERROR(SaveKeys());
  return Sync().status();  // writes the Genesis
}

absl::Status Session::ConfirmSafetyNumber() {
  if (!state_.partner)
    return absl::FailedPreconditionError("nobody has joined yet; there is no number to compare");
  state_.safety_confirmed = true;
  RETURN_IF_ERROR(SaveState());
  if (state_.inviter && state_.pairing == PairingState::kInvited) return CompletePairingAsInviter();
  return absl::OkStatus();
}

absl::Status Session::CheckSafetyNumberConfirmed() const {
  if (state_.safety_confirmed) return absl::OkStatus();
  return WithProblem(
      absl::FailedPreconditionError(
          "the safety number has not been compared on this device yet: whoever holds the invite "
          "code could be on the other end"),
      Problem::kSafetyNumberNotCompared);
}

absl::Status Session::EnsureMembershipEntries() {
  if (state_.pairing != PairingState::kPaired || !state_.partner) return absl::OkStatus();
  if (state_.inviter && head().seq == 0) {
    mend::v1::Payload p;
    auto* g = p.mutable_genesis();
    g->set_couple_id(state_.couple_id);
    *g->mutable_inviter() = KeysOf(state_.sign_pk, state_.box_pk, state_.name);
    *g->mutable_joiner() =
        KeysOf(state_.partner->sign_pk, state_.partner->box_pk, state_.partner->name);
    g->set_transcript_hash(state_.transcript_hash);
    g->set_key_id(crypto::KeyId(keys_.couple_keys.at(0)));
    return AppendAt(p, 0).status();
  }
  if (!state_.inviter && head().seq > 0 && !couple_.joined) {
    mend::v1::Payload p;
    p.mutable_joined()->set_transcript_hash(state_.transcript_hash);
    return AppendAt(p, std::nullopt).status();
  }
  return absl::OkStatus();
}

}  // namespace mend::client
