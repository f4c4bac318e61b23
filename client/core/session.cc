#include "client/core/session.h"

#include "proto/wire.h"
#include "base/big_endian.h"
#include "base/hex.h"
#include "client/core/local_mac.h"

#include <chrono>
#include <ctime>

#include "client/core/replica.h"
#include "client/core/verification_error.h"
#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/hash.h"
#include "crypto/invite.h"
#include "crypto/sealed_answer.h"
#include "base/status_macros.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr std::string_view kReplicaAnchorLabel = "mend replica anchor v1";

constexpr int kAppendAttempts = 6;
// Entries per Fetch during a sync: at most 500 x 64 KiB in memory at once.
constexpr uint64_t kFetchPage = 500;

mend::v1::MemberKeys KeysOf(const Bytes& sign_pk, const Bytes& box_pk, const std::string& name) {
  mend::v1::MemberKeys k;
  k.set_sign_pk(sign_pk);
  k.set_box_pk(box_pk);
  k.set_display_name(name);
  return k;
}

absl::Status NotPaired(const ProfileState& s) {
  switch (s.pairing) {
    case PairingState::kUnpaired:
      return absl::FailedPreconditionError("not paired yet; run `mend pair invite` or `mend pair join CODE`");
    case PairingState::kInvited:
      return absl::FailedPreconditionError("your partner has not joined yet; run `mend sync` after they do");
    case PairingState::kJoinPending:
      return absl::FailedPreconditionError("your partner has not confirmed you yet; run `mend sync` later");
    case PairingState::kPaired:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Session::Init(const Profile& profile, const std::string& name, const ServerConfig& server,
                           const crypto::SecretBytes& passphrase, bool force, crypto::KdfLimits limits) {
  if (name.empty() || name.size() > wire::kMaxNameBytes) {
    return absl::InvalidArgumentError("a display name has 1 to 64 bytes");
  }
  if (profile.Exists() && !force) {
    return absl::AlreadyExistsError(fmt::format(
        "profile '{}' already has a key file at {}; refusing to overwrite it (use --force to replace "
        "your identity, which loses access to its history)", profile.name(), profile.key_path()));
  }
  RETURN_IF_ERROR(profile.CreateDirs());
  crypto::Identity id = crypto::Identity::Generate();
  crypto::KeySecrets keys;
  keys.identity_seed = id.seed().Clone();
  keys.local_files_authenticated = true;
  const crypto::SecretBytes local_key = LocalFilesKey(id);
  RETURN_IF_ERROR(crypto::KeyFile::Write(profile.key_path(), passphrase, keys, limits));
  ProfileState state;
  state.name = name;
  state.sign_pk = id.sign_pk();
  state.box_pk = id.box_pk();
  RETURN_IF_ERROR(Replica(profile.replica_path()).Rewrite({}));
  RETURN_IF_ERROR(profile.SaveState(state, local_key));
  return profile.SaveServerConfig(server, local_key);
}

Session::Session(Profile profile, crypto::SecretBytes passphrase, crypto::Identity identity, crypto::KeySecrets keys,
                 ProfileState state, ServerConfig server, crypto::KdfLimits limits)
    : profile_(std::move(profile)),
      passphrase_(std::move(passphrase)),
      identity_(std::move(identity)),
      keys_(std::move(keys)),
      state_(std::move(state)),
      kdf_limits_(limits),
      local_key_(LocalFilesKey(identity_)),
      server_(std::move(server)) {}

absl::StatusOr<std::unique_ptr<Session>> Session::Open(const Profile& profile,
                                                       const crypto::SecretBytes& passphrase) {
  if (!profile.Exists()) {
    return absl::FailedPreconditionError(
        fmt::format("no profile '{}' here; run `mend init --name NAME --server HOST:PORT`", profile.name()));
  }
  crypto::KdfLimits limits = crypto::KdfLimits::Moderate();
  ASSIGN_OR_RETURN(crypto::KeySecrets keys, crypto::KeyFile::Read(profile.key_path(), passphrase, &limits));
  ASSIGN_OR_RETURN(crypto::Identity identity, crypto::Identity::FromSeed(keys.identity_seed));
  const crypto::SecretBytes local_key = LocalFilesKey(identity);
  bool state_mac = false, config_mac = false;
  ASSIGN_OR_RETURN(ProfileState state, profile.LoadState(local_key, &state_mac));
  ASSIGN_OR_RETURN(ServerConfig server, profile.LoadServerConfig(local_key, &config_mac));
  if (keys.local_files_authenticated && (!state_mac || !config_mac)) {
    return VerificationError(fmt::format(
        "{} lost its MAC: this profile's local files are authenticated, so the file was changed outside mend; "
        "nothing was changed", !state_mac ? profile.state_path() : profile.config_path()));
  }
  if (state.sign_pk != identity.sign_pk()) {
    return absl::DataLossError("the profile state does not belong to this key file");
  }
  const bool adopt = !keys.local_files_authenticated;
  auto session = std::unique_ptr<Session>(new Session(profile, passphrase.Clone(), std::move(identity),
                                                      std::move(keys), std::move(state), std::move(server), limits));
  if (adopt) {
    // An older mend wrote these files without MACs: take them as they are,
    // once, and from now on a file without a MAC is tampering.
    session->keys_.local_files_authenticated = true;
    RETURN_IF_ERROR(session->profile_.SaveState(session->state_, session->local_key_));
    RETURN_IF_ERROR(session->profile_.SaveServerConfig(session->server_, session->local_key_));
    RETURN_IF_ERROR(session->SaveKeys());
    session->adoption_note_ = fmt::format(
        "{} and the server settings had no MACs (written by an older mend); they carry MACs from now on",
        profile.state_path());
  }
  RETURN_IF_ERROR(session->LoadLocal());
  return session;
}

absl::StatusOr<Connection*> Session::connection() {
  if (!connection_) {
    ASSIGN_OR_RETURN(connection_, Connection::Open(server_));
    connection_->set_identity(&identity_);
    connection_->set_server_id_check([this](const Bytes& id) { return PinServerId(id); });
  }
  return connection_.get();
}

absl::Status Session::PinServerId(const Bytes& id) {
  if (id.size() != 16) return VerificationError("the server sent a malformed server id");
  if (state_.server_id.empty()) {
    state_.server_id = id;  // first contact
    return SaveState();
  }
  if (!crypto::ConstantTimeEquals(id, state_.server_id)) {
    return VerificationError(fmt::format(
        "the server at {} has id {}, but this profile first met server {}: it is not the server you paired "
        "through (or it was set up again from nothing). Nothing was sent; check `mend server` settings and ask "
        "the server's operator", server_.address, base::ToHex(id), base::ToHex(state_.server_id)));
  }
  return absl::OkStatus();
}

absl::Status Session::SaveKeys() {
  return crypto::KeyFile::Write(profile_.key_path(), passphrase_, keys_, kdf_limits_);
}

absl::Status Session::SaveState() {
  // Anchor the verified prefix so that the next open need not re-check its
  // signatures; a replica shorter than the verified head (a dropped torn
  // tail) gets no anchor, and its next open checks everything.
  state_.replica_anchor.clear();
  if (state_.verified_seq > 0 && raw_.size() >= state_.verified_seq) {
    state_.replica_anchor = ReplicaAnchor(state_.verified_seq, state_.verified_hash);
  }
  return profile_.SaveState(state_, local_key_);
}

absl::Status Session::SetServer(const ServerConfig& server) {
  RETURN_IF_ERROR(profile_.SaveServerConfig(server, local_key_));
  server_ = server;
  connection_.reset();
  return absl::OkStatus();
}

Bytes Session::ReplicaDigest(uint64_t seq) {
  // A chain over every byte of every entry, signatures included, so that a
  // save extends it by the new entries instead of hashing the history again.
  if (digest_seq_ > seq) {
    digest_seq_ = 0;
    digest_.clear();
  }
  for (; digest_seq_ < seq; ++digest_seq_) {
    Bytes bytes = raw_[digest_seq_].SerializeAsString();
    Bytes len;
    base::AppendU64(&len, bytes.size());
    digest_ = crypto::Blake2b256({digest_, len, bytes});
  }
  return digest_;
}

Bytes Session::ReplicaAnchor(uint64_t seq, const Bytes& hash) {
  Bytes digest = ReplicaDigest(seq);
  Bytes seq_bytes;
  base::AppendU64(&seq_bytes, seq);
  // Keyed with the identity seed: forging an anchor takes the passphrase.
  return crypto::Blake2bKeyed(crypto::kHashBytes, identity_.seed().view(),
                              {kReplicaAnchorLabel, state_.couple_id, seq_bytes, hash, digest});
}

crypto::ChainHead Session::head() const {
  if (entries_.empty()) return {0, crypto::GenesisPrevHash(state_.couple_id)};
  return {entries_.back().header.seq(), entries_.back().hash};
}

crypto::ChainContext Session::ChainContextAt(const crypto::ChainHead& head) const {
  crypto::ChainContext c;
  c.couple_id = state_.couple_id;
  c.members = {state_.sign_pk};
  if (state_.partner) c.members.push_back(state_.partner->sign_pk);
  c.keys = &keys_.couple_keys;
  c.head = head;
  c.check_key_ids = true;
  c.key_ids = head.seq == 0 ? crypto::KeyIds{} : key_ids_;
  return c;
}

uint32_t Session::CurrentEpoch() const { return couple_.epoch; }

absl::Status Session::LoadLocal() {
  entries_.clear();
  raw_.clear();
  key_ids_.clear();
  digest_seq_ = 0;
  digest_.clear();
  couple_ = CoupleState();
  if (state_.pairing != PairingState::kPaired) return absl::OkStatus();
  ASSIGN_OR_RETURN(raw_, Replica(profile_.replica_path()).Load());
  crypto::ChainContext context = ChainContextAt({0, crypto::GenesisPrevHash(state_.couple_id)});
  const uint64_t anchored = state_.verified_seq;
  if (anchored > 0 && raw_.size() >= anchored && !state_.replica_anchor.empty() &&
      crypto::ConstantTimeEquals(ReplicaAnchor(anchored, state_.verified_hash), state_.replica_anchor)) {
    context.signatures_verified_through = anchored;
  }
  signatures_checked_on_open_ = raw_.size() - context.signatures_verified_through;
  crypto::ChainResult r = crypto::VerifyChain(context, raw_);
  if (r.failure) {
    return VerificationError(fmt::format("the local replica does not verify: {}", r.failure->Message()));
  }
  if (context.signatures_verified_through > 0 && r.entries[anchored - 1].hash != state_.verified_hash) {
    return VerificationError(fmt::format("the local replica's entry {} is not the one verified before", anchored));
  }
  entries_ = std::move(r.entries);
  key_ids_ = std::move(r.key_ids);
  ASSIGN_OR_RETURN(first_seen_, LoadFirstSeen(profile_.first_seen_path()));
  couple_ = Fold(entries_, {&first_seen_, clock_()});
  return CheckGenesis();
}

absl::Status Session::CheckGenesis() const {
  if (entries_.empty() || !state_.partner) return absl::OkStatus();
  const auto& p = entries_.front().payload;
  if (!p.has_genesis()) return VerificationError("entry 1 is not a Genesis");
  const Bytes& expected_author = state_.inviter ? state_.sign_pk : state_.partner->sign_pk;
  if (entries_.front().header.author() != expected_author) {
    return VerificationError("entry 1 was not written by the partner who made the invite");
  }
  const auto& g = p.genesis();
  const Bytes& inviter = state_.inviter ? state_.sign_pk : state_.partner->sign_pk;
  const Bytes& joiner = state_.inviter ? state_.partner->sign_pk : state_.sign_pk;
  const Bytes& joiner_box = state_.inviter ? state_.partner->box_pk : state_.box_pk;
  const Bytes& inviter_box = state_.inviter ? state_.box_pk : state_.partner->box_pk;
  if (g.couple_id() != state_.couple_id || g.inviter().sign_pk() != inviter || g.joiner().sign_pk() != joiner ||
      g.inviter().box_pk() != inviter_box || g.joiner().box_pk() != joiner_box ||
      g.transcript_hash() != state_.transcript_hash) {
    return VerificationError(
        "the Genesis entry does not name the keys exchanged at pairing; someone substituted a key");
  }
  return absl::OkStatus();
}

absl::StatusOr<mend::v1::KeyGrant> Session::MakeGrant(uint32_t epoch, const Member& recipient) const {
  mend::v1::KeyGrant g;
  g.set_epoch(epoch);
  g.set_member(recipient.sign_pk);
  ASSIGN_OR_RETURN(Bytes sealed, crypto::SealCoupleKey(keys_.couple_keys.at(epoch), recipient.box_pk));
  g.set_sealed_key(sealed);
  g.set_granter(identity_.sign_pk());
  g.set_key_id(crypto::KeyId(keys_.couple_keys.at(epoch)));
  g.set_signature(
      identity_.Sign(crypto::GrantSignatureInput(state_.couple_id, epoch, recipient.sign_pk, g.key_id(), sealed)));
  return g;
}

absl::StatusOr<std::string> Session::Invite(const std::string& registration_code, uint32_t ttl_seconds) {
  if (state_.pairing != PairingState::kUnpaired) {
    return absl::FailedPreconditionError(
        fmt::format("this profile is already {}; one profile pairs once", ToString(state_.pairing)));
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
  if (s.ok()) s = conn->PostInvite(state_.couple_id, state_.invite_id, state_.offer_ct, ttl_seconds).status();
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
    return absl::FailedPreconditionError("only an invite that nobody has completed can be replaced");
  }
  if (state_.partner) {
    return absl::FailedPreconditionError(fmt::format(
        "{} has joined and waits for you: compare the safety number (`mend pair verify`), then confirm or "
        "`mend pair reject`", state_.partner->name));
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  crypto::SecretBytes secret = crypto::SecretBytes::Random(crypto::kInviteSecretBytes);
  crypto::InviteKeys invite = crypto::DeriveInviteKeys(secret);
  mend::v1::PairingOffer offer;
  if (!offer.ParseFromString(state_.offer_plaintext)) return absl::DataLossError("the saved invite offer is damaged");
  keys_.invite_secret = secret.Clone();
  RETURN_IF_ERROR(SaveKeys());
  state_.offer_ct = crypto::SealOffer(invite, offer);
  state_.invite_id = invite.invite_id;
  RETURN_IF_ERROR(conn->PostInvite(state_.couple_id, state_.invite_id, state_.offer_ct, ttl_seconds).status());
  RETURN_IF_ERROR(SaveState());
  return crypto::FormatInviteCode(secret);
}

absl::Status Session::RejectPartner() {
  if (state_.pairing != PairingState::kInvited || !state_.inviter || !state_.partner) {
    return absl::FailedPreconditionError(
        state_.pairing == PairingState::kPaired
            ? "pairing is complete; to end it, run `mend leave`"
            : "nobody is waiting for your confirmation");
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
    return absl::FailedPreconditionError(
        fmt::format("this profile is already {}; one profile pairs once", ToString(state_.pairing)));
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
  if (offer.couple_id().size() != wire::kCoupleIdBytes || offer.inviter().sign_pk().size() != wire::kMemberKeyBytes ||
      offer.inviter().box_pk().size() != wire::kMemberKeyBytes) {
    return absl::DataLossError("the invite offer is malformed");
  }
  Bytes t = crypto::PairingTranscript(offer_plaintext, identity_.public_identity());
  mend::v1::PairingAnswer answer;
  *answer.mutable_joiner() = KeysOf(state_.sign_pk, state_.box_pk, state_.name);
  answer.set_transcript_signature(identity_.Sign(crypto::TranscriptSignatureInput(t)));
  Bytes answer_ct = crypto::SealAnswer(invite, got.offer_ct(), answer);
  ASSIGN_OR_RETURN(Bytes couple_id, conn->JoinCouple(invite.invite_id, state_.box_pk, answer_ct));
  if (couple_id != offer.couple_id()) return VerificationError("the server joined us to a different couple");
  state_.couple_id = couple_id;
  state_.inviter = false;
  state_.partner = Member{offer.inviter().sign_pk(), offer.inviter().box_pk(), offer.inviter().display_name()};
  state_.transcript_hash = t;
  state_.offer_plaintext = offer_plaintext;
  state_.pairing = PairingState::kJoinPending;
  state_.safety_confirmed = false;
  return SaveState();
}

absl::StatusOr<std::string> Session::AdvancePairing() {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  if (state_.pairing == PairingState::kInvited) {
    if (state_.partner) {
      return fmt::format(
          "{} joined. Compare the safety number together, in person: `mend pair verify`; if it matches, "
          "`mend pair verify --confirm` finishes pairing (if not, `mend pair reject`)", state_.partner->name);
    }
    ASSIGN_OR_RETURN(auto join, conn->GetJoin(state_.couple_id));
    if (!join.pending()) return std::string("waiting for your partner to join with the invite code");
    if (!keys_.invite_secret) return absl::DataLossError("the invite secret is missing from the key file");
    absl::StatusOr<Member> joiner = OpenJoin(join);
    if (!joiner.ok()) {
      // Whoever answered holds the code but sent something that does not
      // open or verify: turn them away and say so; the profile lives on.
      RETURN_IF_ERROR(conn->RejectPending(state_.couple_id, join.member()));
      return fmt::format("someone answered your invite, but the answer {}; they were turned away. "
                         "Run `mend pair invite` for a new code",
                         std::string(joiner.status().message()));
    }
    state_.partner = *joiner;
    state_.transcript_hash =
        crypto::PairingTranscript(state_.offer_plaintext, {joiner->sign_pk, joiner->box_pk});
    state_.safety_confirmed = false;
    RETURN_IF_ERROR(SaveState());
    return AdvancePairing();  // says what to do next
  }
  if (state_.pairing == PairingState::kJoinPending) {
    auto grants = conn->GetGrants(state_.couple_id);
    if (!grants.ok()) {
      if (absl::IsPermissionDenied(grants.status())) {
        return std::string("waiting for your partner to confirm you (they compare the safety number with you, then run `mend pair verify --confirm`)");
      }
      return grants.status();
    }
    if (grants->empty()) return std::string("waiting for your partner to confirm you (they compare the safety number with you, then run `mend pair verify --confirm`)");
    state_.pairing = PairingState::kPaired;
    RETURN_IF_ERROR(RefreshGrants());
    RETURN_IF_ERROR(SaveState());
    return std::string();
  }
  RETURN_IF_ERROR(NotPaired(state_));
  return std::string();
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
  if (joiner.display_name().empty() || joiner.display_name().size() > wire::kMaxNameBytes) {
    return absl::DataLossError("carries a name of the wrong length");
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

absl::Status Session::RefreshGrants() {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  ASSIGN_OR_RETURN(auto grants, conn->GetGrants(state_.couple_id));
  bool changed = false;
  for (const auto& g : grants) {
    if (keys_.couple_keys.count(g.epoch())) continue;
    bool granter_ok = g.granter() == state_.sign_pk || (state_.partner && g.granter() == state_.partner->sign_pk);
    if (!granter_ok || g.member() != state_.sign_pk ||
        !crypto::VerifySignature(g.granter(), crypto::GrantSignatureInput(state_.couple_id, g.epoch(), g.member(),
                                                                          g.key_id(), g.sealed_key()),
                                 g.signature())) {
      return VerificationError(fmt::format("the key grant for epoch {} is not signed by a member", g.epoch()));
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

absl::Status Session::AdoptVerified(const std::vector<mend::v1::Entry>& fresh, size_t* adopted) {
  const crypto::ChainHead local = head();
  crypto::ChainResult r = crypto::VerifyChain(ChainContextAt(local), fresh);
  if (r.failure) {
    if (r.failure->seq == local.seq + 1 && r.failure->check == crypto::EntryCheck::kChain) {
      return VerificationError(fmt::format(
          "fork: the server's entry {} does not follow the entry {} this device verified (hash {}); "
          "the server is showing a different history. Compare `mend status` chain codes with your partner.",
          local.seq + 1, local.seq, base::ToHex(local.hash)));
    }
    return VerificationError(fmt::format("the server sent an entry that does not verify: {}", r.failure->Message()));
  }
  // A device that lost the tail of its replica still remembers the verified head.
  for (const auto& e : r.entries) {
    if (e.header.seq() == state_.verified_seq && e.hash != state_.verified_hash) {
      return VerificationError(fmt::format(
          "fork: entry {} now has hash {}, but this device verified hash {} before",
          state_.verified_seq, base::ToHex(e.hash), base::ToHex(state_.verified_hash)));
    }
  }
  // Extended in place (copying the whole history made every append cost
  // O(history)) and cut back if Genesis or the replica write fails.
  const size_t kept = entries_.size();
  for (auto& e : r.entries) entries_.push_back(std::move(e));
  // Genesis must match pairing before anything is kept.
  absl::Status stored = CheckGenesis();
  if (stored.ok()) stored = Replica(profile_.replica_path()).Append(fresh);
  if (!stored.ok()) {
    entries_.resize(kept);
    return stored;
  }
  raw_.insert(raw_.end(), fresh.begin(), fresh.end());
  key_ids_ = std::move(r.key_ids);
  std::vector<std::pair<uint64_t, int64_t>> seen;
  const int64_t now = clock_();
  for (size_t i = kept; i < entries_.size(); ++i) {
    if (first_seen_.emplace(entries_[i].header.seq(), now).second) seen.emplace_back(entries_[i].header.seq(), now);
  }
  RETURN_IF_ERROR(AppendFirstSeen(profile_.first_seen_path(), seen));
  couple_ = Fold(entries_, {&first_seen_, now});
  if (!entries_.empty() && entries_.back().header.seq() >= state_.verified_seq) {
    state_.verified_seq = entries_.back().header.seq();
    state_.verified_hash = entries_.back().hash;
  }
  *adopted = fresh.size();
  return absl::OkStatus();
}

absl::StatusOr<SyncReport> Session::Sync() {
  const int64_t started = clock_();
  SyncReport report;
  if (state_.pairing != PairingState::kPaired) {
    ASSIGN_OR_RETURN(report.pairing_message, AdvancePairing());
    if (!report.pairing_message.empty()) return report;
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  RETURN_IF_ERROR(RefreshGrants());
  ASSIGN_OR_RETURN(mend::v1::Head server, conn->GetHead(state_.couple_id));
  const crypto::ChainHead local = head();
  if (server.seq() < state_.verified_seq) {
    return VerificationError(fmt::format(
        "rollback: the server's log ends at entry {}, but this device already verified entry {} (hash {}); "
        "the server lost or withheld entries", server.seq(), state_.verified_seq, base::ToHex(state_.verified_hash)));
  }
  if (server.seq() == local.seq && server.hash() != local.hash) {
    return VerificationError(fmt::format("fork: the server's entry {} has hash {}, but this device verified hash {}",
                                         local.seq, base::ToHex(server.hash()), base::ToHex(local.hash)));
  }
  // Page by page, each verified and stored before the next is asked for,
  // and never past the head the server announced: a server that streams
  // without end costs one page of memory, then a verification error.
  while (head().seq < server.seq()) {
    const uint64_t want = std::min<uint64_t>(kFetchPage, server.seq() - head().seq);
    auto fresh = conn->Fetch(state_.couple_id, head().seq, static_cast<uint32_t>(want));
    if (!fresh.ok() && absl::IsDataLoss(fresh.status())) return VerificationError(std::string(fresh.status().message()));
    RETURN_IF_ERROR(fresh.status());
    if (fresh->empty()) {
      return VerificationError(fmt::format("the server announced entry {} but sent only up to {}", server.seq(),
                                           head().seq));
    }
    size_t adopted = 0;
    RETURN_IF_ERROR(AdoptVerified(*fresh, &adopted));
    report.new_entries += adopted;
  }
  state_.last_sync_unix_ms = NowMs();
  RETURN_IF_ERROR(SaveState());
  RETURN_IF_ERROR(EnsureMembershipEntries());
  // Answers that arrived in this very sync wait for the next one.
  RETURN_IF_ERROR(RevealPending(started));
  report.head_seq = head().seq;
  return report;
}

absl::Status Session::EnsureMembershipEntries() {
  if (state_.pairing != PairingState::kPaired || !state_.partner) return absl::OkStatus();
  if (state_.inviter && entries_.empty()) {
    mend::v1::Payload p;
    auto* g = p.mutable_genesis();
    g->set_couple_id(state_.couple_id);
    *g->mutable_inviter() = KeysOf(state_.sign_pk, state_.box_pk, state_.name);
    *g->mutable_joiner() = KeysOf(state_.partner->sign_pk, state_.partner->box_pk, state_.partner->name);
    g->set_transcript_hash(state_.transcript_hash);
    g->set_key_id(crypto::KeyId(keys_.couple_keys.at(0)));
    return AppendAt(p, 0).status();
  }
  if (!state_.inviter && !entries_.empty() && !couple_.joined) {
    mend::v1::Payload p;
    p.mutable_joined()->set_transcript_hash(state_.transcript_hash);
    return AppendAt(p, std::nullopt).status();
  }
  return absl::OkStatus();
}

bool Session::HoldsAnnouncedKey(uint32_t epoch) const {
  auto key = keys_.couple_keys.find(epoch);
  auto id = key_ids_.find(epoch);
  return key != keys_.couple_keys.end() && id != key_ids_.end() &&
         crypto::ConstantTimeEquals(crypto::KeyId(key->second), id->second);
}

std::optional<uint32_t> Session::NewestHeldEpoch(uint32_t at_most) const {
  for (auto it = key_ids_.rbegin(); it != key_ids_.rend(); ++it) {
    if (it->first <= at_most && HoldsAnnouncedKey(it->first)) return it->first;
  }
  return std::nullopt;
}

absl::StatusOr<uint64_t> Session::AppendAt(const mend::v1::Payload& payload, std::optional<uint32_t> fixed_epoch) {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  {
    // proto3 strings must be UTF-8: an entry the partner cannot parse would
    // look like tampering on their side, so refuse it here.
    mend::v1::Payload round_trip;
    if (!round_trip.ParseFromString(payload.SerializeAsString())) {
      return absl::InvalidArgumentError("text must be valid UTF-8; check the input's encoding");
    }
  }
  bool synced_for_rules = false;
  bool regranted = false;
  for (int attempt = 0; attempt < kAppendAttempts; ++attempt) {
    const uint32_t epoch = fixed_epoch.value_or(CurrentEpoch());
    const bool genesis = payload.has_genesis();
    if (!keys_.couple_keys.count(epoch)) {
      return absl::FailedPreconditionError(fmt::format(
          "you hold no key for epoch {}: your partner's grant of it has not reached you; run `mend sync`, and if "
          "this stays, run `mend rotate` to move to a key you both hold", epoch));
    }
    if (!genesis && !HoldsAnnouncedKey(epoch)) {
      return absl::FailedPreconditionError(fmt::format(
          "the key you were granted for epoch {} is not the key the log announces for it; run `mend rotate` to "
          "move to a new key you both hold", epoch));
    }
    const crypto::ChainHead at = head();
    absl::Status rules = CheckRules(couple_, identity_.sign_pk(), at.seq + 1, payload, epoch);
    if (!rules.ok()) {
      // The entry may refer to something the partner wrote since our last sync.
      if (synced_for_rules) return rules;
      synced_for_rules = true;
      RETURN_IF_ERROR(Sync().status());
      continue;
    }
    crypto::EntryPosition pos{state_.couple_id, at.seq + 1, at.hash, epoch, clock_()};
    ASSIGN_OR_RETURN(mend::v1::Entry entry, crypto::SealEntry(pos, payload, identity_, keys_.couple_keys.at(epoch)));
    std::optional<mend::v1::Head> stale;
    auto appended = conn->Append(entry, &stale);
    if (appended.ok()) {
      size_t adopted = 0;
      RETURN_IF_ERROR(AdoptVerified({entry}, &adopted));
      RETURN_IF_ERROR(SaveState());
      return at.seq + 1;
    }
    if (!stale) {
      // The server takes appends under an epoch only once every member has
      // its grant: a rotation interrupted between its grants can be resumed
      // by whoever holds the key.
      if (absl::IsFailedPrecondition(appended.status()) && !regranted && epoch > 0 && state_.partner) {
        regranted = true;
        ASSIGN_OR_RETURN(auto grant, MakeGrant(epoch, *state_.partner));
        absl::Status put = conn->PutGrant(state_.couple_id, grant);
        if (put.ok() || absl::IsAlreadyExists(put)) continue;
      }
      return appended.status();
    }
    // Someone wrote first: catch up, re-check the rules, rebuild with a fresh nonce.
    RETURN_IF_ERROR(Sync().status());
  }
  return absl::AbortedError("the log kept moving while appending; try again");
}

absl::Status Session::CheckSafetyNumberConfirmed() const {
  if (state_.safety_confirmed) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "the safety number has not been compared on this device yet: whoever holds the invite code could be on "
      "the other end. Compare it together in person (`mend pair verify`), then `mend pair verify --confirm`");
}

absl::StatusOr<uint64_t> Session::Append(const mend::v1::Payload& payload) {
  RETURN_IF_ERROR(NotPaired(state_));
  // Leaving needs nobody's confirmation; everything else waits for the people.
  if (!payload.has_leave()) RETURN_IF_ERROR(CheckSafetyNumberConfirmed());
  if (entries_.empty() || !couple_.joined) {
    RETURN_IF_ERROR(Sync().status());
    if (!couple_.joined) {
      return absl::FailedPreconditionError("pairing is not finished; both partners run `mend sync` first");
    }
  }
  return AppendAt(payload, std::nullopt);
}

absl::Status Session::Rotate() {
  RETURN_IF_ERROR(NotPaired(state_));
  RETURN_IF_ERROR(Sync().status());
  if (couple_.closed) return absl::FailedPreconditionError("the log is closed");
  ASSIGN_OR_RETURN(Connection * conn, connection());
  // Written under the newest epoch both can read that this member holds: the
  // current one, or an older one when the current key never reached us.
  std::optional<uint32_t> under = NewestHeldEpoch(CurrentEpoch());
  if (!under) return absl::FailedPreconditionError("you hold none of the couple's keys; run `mend sync`");
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
    return absl::AbortedError(
        "your partner is rotating the key at this moment; run `mend sync`, then `mend rotate` again if needed");
  }
  RETURN_IF_ERROR(put);
  mend::v1::Payload p;
  p.mutable_key_rotation()->set_new_epoch(next);
  p.mutable_key_rotation()->set_key_id(crypto::KeyId(keys_.couple_keys.at(next)));
  auto appended = AppendAt(p, *under);
  if (!appended.ok() && CurrentEpoch() > announced_before) return absl::OkStatus();  // theirs landed first
  return appended.status();
}

absl::Status Session::Leave(const std::string& reason) {
  RETURN_IF_ERROR(NotPaired(state_));
  ASSIGN_OR_RETURN(Connection * conn, connection());
  RETURN_IF_ERROR(Sync().status());
  if (!couple_.closed) {
    mend::v1::Payload p;
    p.mutable_leave()->set_reason(reason);
    RETURN_IF_ERROR(AppendAt(p, std::nullopt).status());
  }
  return conn->Leave(state_.couple_id);
}

absl::StatusOr<uint64_t> Session::Purge() {
  if (state_.couple_id.empty()) return absl::FailedPreconditionError("this profile has no couple on a server");
  ASSIGN_OR_RETURN(Connection * conn, connection());
  return conn->Purge(state_.couple_id);
}

absl::StatusOr<uint64_t> Session::SealAnswer(const std::string& prompt_id, const std::string& prompt_text,
                                             const std::string& answer) {
  RETURN_IF_ERROR(NotPaired(state_));
  RETURN_IF_ERROR(CheckSafetyNumberConfirmed());
  // Every rule the fold applies, checked before the key file is touched.
  if (prompt_id.empty() || prompt_id.size() > 64) {
    return absl::InvalidArgumentError("the prompt id must be 1 to 64 bytes");
  }
  if (answer.empty()) return absl::InvalidArgumentError("the answer is empty");
  {
    mend::v1::Payload utf8_check;
    utf8_check.mutable_sealed_answer()->set_prompt_id(prompt_id);
    utf8_check.mutable_sealed_answer()->set_prompt_text(prompt_text);
    mend::v1::Payload round_trip;
    if (!round_trip.ParseFromString(utf8_check.SerializeAsString())) {
      return absl::InvalidArgumentError("the prompt id and text must be valid UTF-8");
    }
  }
  auto mine = couple_.sealed.find(prompt_id);
  if (mine != couple_.sealed.end() && mine->second.count(state_.sign_pk)) {
    return absl::AlreadyExistsError(fmt::format("you already answered '{}'", prompt_id));
  }
  if (!keys_.sealed_keys.count(prompt_id)) {
    // The key goes to disk before the answer leaves: a crash must not strand a sealed answer.
    keys_.sealed_keys[prompt_id] = crypto::SecretBytes::Random(crypto::kAeadKeyBytes);
    if (absl::Status saved = SaveKeys(); !saved.ok()) {
      keys_.sealed_keys.erase(prompt_id);
      return saved;
    }
  }
  mend::v1::Payload p;
  auto* sa = p.mutable_sealed_answer();
  sa->set_prompt_id(prompt_id);
  sa->set_prompt_text(prompt_text);
  const crypto::SecretBytes& k_e = keys_.sealed_keys.at(prompt_id);
  sa->set_sealed_ct(crypto::SealAnswerText(k_e, {state_.couple_id, state_.sign_pk, prompt_id}, answer));
  sa->set_key_commitment(crypto::SealedKeyCommitment(k_e.view()));
  const int64_t sealing = clock_();
  ASSIGN_OR_RETURN(uint64_t seq, Append(p));
  RETURN_IF_ERROR(RevealPending(sealing));  // the partner may have answered first
  return seq;
}

absl::Status Session::RevealPending(int64_t seen_before_ms) {
  if (revealing_ || couple_.closed || !state_.partner) return absl::OkStatus();
  revealing_ = true;
  absl::Status status;
  // Collect first: appending re-folds the state.
  std::vector<std::pair<uint64_t, std::string>> due;
  for (const auto& [prompt, by_author] : couple_.sealed) {
    auto mine = by_author.find(state_.sign_pk);
    if (mine == by_author.end() || mine->second.reveal_seq != 0) continue;
    auto theirs = by_author.find(state_.partner->sign_pk);
    if (theirs == by_author.end()) continue;  // nobody goes first
    // Not within moments of the fetch that brought the partner's answer: a
    // Reveal that follows a fetch by milliseconds tells the server what the
    // fetched entry was (PROTOCOL.md "Sealed answers").
    auto seen = first_seen_.find(theirs->second.seq);
    if (seen != first_seen_.end() && seen->second >= seen_before_ms) continue;
    if (!keys_.sealed_keys.count(prompt)) continue;
    due.emplace_back(mine->second.seq, prompt);
  }
  for (const auto& [seq, prompt] : due) {
    mend::v1::Payload p;
    p.mutable_reveal()->set_sealed_seq(seq);
    p.mutable_reveal()->set_key(std::string(keys_.sealed_keys.at(prompt).view()));
    auto appended = AppendAt(p, std::nullopt);
    if (!appended.ok()) {
      status = appended.status();
      break;
    }
  }
  revealing_ = false;
  return status;
}

absl::Status Session::ChangePassphrase(crypto::SecretBytes passphrase) {
  RETURN_IF_ERROR(crypto::KeyFile::Write(profile_.key_path(), passphrase, keys_, kdf_limits_));
  passphrase_ = std::move(passphrase);
  return absl::OkStatus();
}

absl::Status Session::ConfirmSafetyNumber() {
  if (!state_.partner) return absl::FailedPreconditionError("nobody has joined yet; there is no number to compare");
  state_.safety_confirmed = true;
  RETURN_IF_ERROR(SaveState());
  if (state_.inviter && state_.pairing == PairingState::kInvited) return CompletePairingAsInviter();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<const crypto::OpenedEntry*>> Session::AcceptWatched(
    const std::vector<mend::v1::Entry>& raw) {
  size_t before = entries_.size();
  std::vector<mend::v1::Entry> fresh;
  for (const auto& e : raw) {
    mend::v1::EntryHeader h;
    if (h.ParseFromString(e.header()) && h.seq() <= head().seq) continue;  // already have it
    fresh.push_back(e);
  }
  size_t adopted = 0;
  RETURN_IF_ERROR(AdoptVerified(fresh, &adopted));
  RETURN_IF_ERROR(SaveState());
  std::vector<const crypto::OpenedEntry*> out;
  for (size_t i = before; i < entries_.size(); ++i) out.push_back(&entries_[i]);
  return out;
}

}  // namespace mend::client
