// Session, the owner: creating and unlocking a profile, its files (key file,
// state.json, config.toml), the connection, leaving. Each other part of the
// session is one file in client/core/session/, named for its job.
#include "client/core/session.h"

#include "base/hex.h"
#include "base/status_macros.h"
#include "client/core/facts_file.h"
#include "client/core/local_mac.h"
#include "client/core/problem.h"
#include "client/core/replica.h"
#include "client/core/session/internal.h"
#include "client/core/verification_error.h"
#include "client/state/display_name.h"
#include "crypto/aead.h"
#include "fmt/format.h"
#include "proto/wire.h"

namespace mend::client {

absl::Status NotPaired(const ProfileState& s) {
  switch (s.pairing) {
    case PairingState::kUnpaired:
      return WithProblem(absl::FailedPreconditionError("not paired yet"), Problem::kNotPaired);
    case PairingState::kInvited:
      return WithProblem(absl::FailedPreconditionError("your partner has not joined yet"),
                         Problem::kPartnerNotJoined);
    case PairingState::kJoinPending:
      return WithProblem(absl::FailedPreconditionError("your partner has not confirmed you yet"),
                         Problem::kNotConfirmedYet);
    case PairingState::kPaired:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Session::RefuseOverwrite(const Profile& profile, bool force) {
  if (!profile.Exists() || force) return absl::OkStatus();
  return absl::AlreadyExistsError(fmt::format(
      "profile '{}' already has a key file at {}; refusing to overwrite it (use --force to "
      "replace your identity, which loses access to its history)",
      profile.name(), profile.key_path()));
}

absl::Status Session::RequireProfile(const Profile& profile) {
  if (profile.Exists()) return absl::OkStatus();
  return WithProblem(
      absl::FailedPreconditionError(fmt::format("no profile '{}' here", profile.name())),
      Problem::kNoProfile);
}

absl::Status Session::Init(const Profile& profile, const std::string& name,
                           const ServerConfig& server, const crypto::SecretBytes& passphrase,
                           bool force, crypto::KdfLimits limits) {
  if (!IsDisplayName(name)) {
    return absl::InvalidArgumentError("a display name has 1 to 64 bytes and no control characters");
  }
  RETURN_IF_ERROR(RefuseOverwrite(profile, force));
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

Session::Session(Profile profile, crypto::SecretBytes passphrase, crypto::Identity identity,
                 crypto::KeySecrets keys, ProfileState state, ServerConfig server,
                 crypto::KdfLimits limits)
    : profile_(std::move(profile)),
      passphrase_(std::move(passphrase)),
      identity_(std::move(identity)),
      keys_(std::move(keys)),
      state_(std::move(state)),
      kdf_limits_(limits),
      local_key_(LocalFilesKey(identity_)),
      facts_key_(FactsKey(identity_)),
      server_(std::move(server)) {}

absl::StatusOr<std::unique_ptr<Session>> Session::Open(const Profile& profile,
                                                       const crypto::SecretBytes& passphrase,
                                                       ProgressReport progress) {
  RETURN_IF_ERROR(RequireProfile(profile));
  crypto::KdfLimits limits = crypto::KdfLimits::Moderate();
  absl::StatusOr<crypto::KeySecrets> read =
      crypto::KeyFile::Read(profile.key_path(), passphrase, &limits);
  if (!read.ok()) {
    if (absl::IsUnauthenticated(read.status()))
      return WithProblem(read.status(), Problem::kWrongPassphrase);
    if (absl::IsDataLoss(read.status()))
      return WithProblem(read.status(), Problem::kKeyFileDamaged);
    if (absl::IsNotFound(read.status())) return WithProblem(read.status(), Problem::kNoProfile);
    return WithProblem(read.status(), Problem::kKeyFileUnreadable);
  }
  crypto::KeySecrets keys = *std::move(read);
  ASSIGN_OR_RETURN(crypto::Identity identity, crypto::Identity::FromSeed(keys.identity_seed));
  const crypto::SecretBytes local_key = LocalFilesKey(identity);
  bool state_mac = false, config_mac = false;
  ASSIGN_OR_RETURN(ProfileState state, profile.LoadState(local_key, &state_mac));
  ASSIGN_OR_RETURN(ServerConfig server, profile.LoadServerConfig(local_key, &config_mac));
  if (keys.local_files_authenticated && (!state_mac || !config_mac)) {
    return VerificationError(
        fmt::format("{} lost its MAC: this profile's local files are authenticated, so the file "
                    "was changed outside mend; "
                    "nothing was changed",
                    !state_mac ? profile.state_path() : profile.config_path()));
  }
  if (state.sign_pk != identity.sign_pk()) {
    return absl::DataLossError("the profile state does not belong to this key file");
  }
  const bool adopt = !keys.local_files_authenticated;
  auto session = std::unique_ptr<Session>(new Session(profile, passphrase.Clone(),
                                                      std::move(identity), std::move(keys),
                                                      std::move(state), std::move(server), limits));
  session->progress_ = std::move(progress);
  if (adopt) {
    // An older mend wrote these files without MACs: take them as they are,
    // once, and from now on a file without a MAC is tampering.
    session->keys_.local_files_authenticated = true;
    RETURN_IF_ERROR(session->profile_.SaveState(session->state_, session->local_key_));
    RETURN_IF_ERROR(session->profile_.SaveServerConfig(session->server_, session->local_key_));
    RETURN_IF_ERROR(session->SaveKeys());
    session->adoption_note_ = fmt::format(
        "{} and the server settings had no MACs (written by an older mend); they carry MACs from "
        "now on",
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
    return WithProblem(
        VerificationError(fmt::format(
            "the server at {} has id {}, but this profile first met server {}: it is not the "
            "server "
            "you paired through (or it was set up again from nothing). Nothing was sent",
            server_.address, base::ToHex(id), base::ToHex(state_.server_id))),
        Problem::kServerIdChanged);
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
  const uint64_t held_through = base_.seq + raw_.size();
  if (state_.verified_seq > 0 && state_.verified_seq >= base_.seq &&
      held_through >= state_.verified_seq) {
    state_.replica_anchor = ReplicaAnchor(state_.verified_seq, state_.verified_hash);
  }
  SaveFacts();
  return profile_.SaveState(state_, local_key_);
}

absl::Status Session::ChangePassphrase(crypto::SecretBytes passphrase) {
  RETURN_IF_ERROR(crypto::KeyFile::Write(profile_.key_path(), passphrase, keys_, kdf_limits_));
  passphrase_ = std::move(passphrase);
  return absl::OkStatus();
}

absl::Status Session::MoveServer(const ServerConfig& server) {
  if (server.insecure && !server.tls_ca_file.empty())
    return absl::InvalidArgumentError("plaintext and a private CA exclude each other");
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> moved, Connection::Open(server));
  ASSIGN_OR_RETURN(mend::v1::GetInfoResponse info, moved->GetInfo());
  RETURN_IF_ERROR(CheckProtocolVersion(info.protocol_version(), server.address));
  if (info.server_id().size() != 16)
    return VerificationError("the server sent a malformed server id; nothing was changed");
  if (!state_.server_id.empty() &&
      !crypto::ConstantTimeEquals(info.server_id(), state_.server_id)) {
    return WithProblem(
        VerificationError(fmt::format(
            "the server at {} has id {}, but this profile first met server {}: it is another "
            "server, not the one you paired through. Nothing was changed",
            server.address, base::ToHex(info.server_id()), base::ToHex(state_.server_id))),
        Problem::kServerIdChanged);
  }
  RETURN_IF_ERROR(profile_.SaveServerConfig(server, local_key_));
  server_ = server;
  connection_.reset();  // the next call connects to the new place
  return absl::OkStatus();
}

crypto::ChainHead Session::head() const {
  if (entries_.empty()) {
    return base_.seq == 0 ? crypto::ChainHead{0, crypto::GenesisPrevHash(state_.couple_id)} : base_;
  }
  return {entries_.back().header.seq(), entries_.back().hash};
}

uint32_t Session::CurrentEpoch() const { return couple_.epoch; }

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
  if (state_.couple_id.empty())
    return absl::FailedPreconditionError("this profile has no couple on a server");
  ASSIGN_OR_RETURN(Connection * conn, connection());
  return conn->Purge(state_.couple_id);
}

}  // namespace mend::client
