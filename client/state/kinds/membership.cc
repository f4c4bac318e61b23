// Membership: the Genesis that names the two partners, the partner's Joined,
// a new display name, a new couple key, and leaving (PROTOCOL.md "Payload
// rules").
#include "client/state/display_name.h"
#include "client/state/kinds/families.h"
#include "crypto/grant.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckGenesis(const CoupleState&, const Bytes& author, const Payload& p, uint32_t) {
  const auto& g = p.genesis();
  if (g.inviter().sign_pk() != author) return Broken("Genesis must be written by the inviter");
  if (g.joiner().sign_pk().size() != wire::kMemberKeyBytes ||
      g.joiner().sign_pk() == g.inviter().sign_pk()) {
    return Broken("Genesis must name two different members");
  }
  if (g.key_id().size() != crypto::kKeyIdBytes) return Broken("Genesis names no key id");
  if (!IsDisplayName(g.inviter().display_name()) || !IsDisplayName(g.joiner().display_name())) {
    return Broken("Genesis names a member with a name that is not a display name");
  }
  return absl::OkStatus();
}

void ApplyGenesis(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  const auto& g = e.payload.genesis();
  state.members = {{g.inviter().sign_pk(), g.inviter().box_pk(), g.inviter().display_name()},
                   {g.joiner().sign_pk(), g.joiner().box_pk(), g.joiner().display_name()}};
  state.transcript_hash = g.transcript_hash();
  state.couple_id = g.couple_id();
}

absl::Status CheckJoined(const CoupleState& state, const Bytes& author, const Payload& p,
                         uint32_t) {
  if (state.members.size() != 2 || state.members[1].sign_pk != author) {
    return Broken("only the joining partner writes Joined");
  }
  if (state.joined) return Broken("Joined was already written");
  if (p.joined().transcript_hash() != state.transcript_hash) {
    return Broken("Joined names a different pairing transcript than Genesis");
  }
  return absl::OkStatus();
}

void ApplyJoined(CoupleState& state, const crypto::OpenedEntry&, int64_t) { state.joined = true; }

absl::Status CheckProfile(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (!IsDisplayName(p.profile().display_name())) {
    return absl::InvalidArgumentError("a display name has 1 to 64 bytes and no control characters");
  }
  return absl::OkStatus();
}

void ApplyProfile(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  for (auto& m : state.members) {
    if (m.sign_pk == e.header.author()) m.name = e.payload.profile().display_name();
  }
}

// Written under any epoch already announced (CheckRules lets a rotation, and
// only a rotation, be written under an older one).
absl::Status CheckKeyRotation(const CoupleState& state, const Bytes&, const Payload& p,
                              uint32_t key_epoch) {
  if (p.key_rotation().new_epoch() <= state.epoch || key_epoch > state.epoch) {
    return Broken(fmt::format(
        "a rotation moves past epoch {} and is written under an epoch already announced",
        state.epoch));
  }
  if (p.key_rotation().key_id().size() != crypto::kKeyIdBytes)
    return Broken("the rotation names no key id");
  return absl::OkStatus();
}

void ApplyKeyRotation(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  state.epoch = e.payload.key_rotation().new_epoch();
}

// Either partner may leave at any time, needing nobody's consent.
absl::Status CheckLeave(const CoupleState&, const Bytes&, const Payload&, uint32_t) {
  return absl::OkStatus();
}

void ApplyLeave(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  state.closed = true;
  state.leave_seq = e.header.seq();
}

}  // namespace

std::vector<KindRecord> Membership() {
  return {
      {Payload::kGenesis, "genesis", CheckGenesis, ApplyGenesis, DuringSpace::kAlways},
      {Payload::kJoined, "joined", CheckJoined, ApplyJoined, DuringSpace::kAlways},
      {Payload::kProfile, "profile", CheckProfile, ApplyProfile, DuringSpace::kAlways},
      {Payload::kKeyRotation, "rotation", CheckKeyRotation, ApplyKeyRotation, DuringSpace::kAlways},
      {Payload::kLeave, "leave", CheckLeave, ApplyLeave, DuringSpace::kAlways},
  };
}

}  // namespace mend::client::kinds
