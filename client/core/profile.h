// Where a profile lives and what it remembers that is not secret.
//   MEND_HOME set:   $MEND_HOME/config.toml and $MEND_HOME/<profile>/...
//   otherwise:       $XDG_CONFIG_HOME/mend/config.toml and $XDG_DATA_HOME/mend/<profile>/...
// A profile directory (mode 0700) holds `key` (the key file), `replica` (the
// verified entries as received) and `state.json` (this file's ProfileState,
// written atomically).
#ifndef MEND_CLIENT_CORE_PROFILE_H_
#define MEND_CLIENT_CORE_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/state/fold.h"
#include "crypto/secret_bytes.h"

namespace mend::client {

enum class PairingState { kUnpaired, kInvited, kJoinPending, kPaired };
std::string_view ToString(PairingState state);

struct ServerConfig {
  std::string address;  // host:port
  // Transport (PROTOCOL.md "Transport"): TLS with the system's roots by
  // default; with `tls_ca_file`, TLS trusting only that CA (a private CA);
  // plaintext only to a loopback address, or with `insecure` set explicitly.
  std::string tls_ca_file;
  bool insecure = false;
};

// state.json's version: 2 since protocol v2 (a v1 profile is refused, not misread).
inline constexpr int kStateVersion = 2;

// Non-secret profile state (state.json). Format documented in PROTOCOL.md "Client files".
struct ProfileState {
  int version = kStateVersion;
  std::string name;       // my display name
  Bytes sign_pk, box_pk;  // mine
  PairingState pairing = PairingState::kUnpaired;
  Bytes couple_id;
  bool inviter = false;
  Bytes offer_plaintext;  // inviter: what we offered; joiner: what we opened
  Bytes offer_ct;         // inviter: the sealed offer (the answer is bound to it)
  Bytes invite_id;
  Bytes transcript_hash;
  std::optional<Member> partner;
  uint64_t verified_seq = 0;  // last verified head (rollback detection)
  Bytes verified_hash;
  // MAC, under a key only this identity's seed gives, over the verified head
  // and the exact bytes of replica entries 1..verified_seq: lets an open skip
  // re-checking their signatures. Empty or wrong means check everything.
  Bytes replica_anchor;
  int64_t last_sync_unix_ms = 0;
  bool safety_confirmed = false;
  Bytes server_id;  // pinned at first contact; a server with another id is refused
};

class Profile {
 public:
  // Resolves directories for `name` from the environment; creates nothing.
  static Profile Locate(const std::string& name);

  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  std::string key_path() const { return dir_ + "/key"; }
  std::string replica_path() const { return dir_ + "/replica"; }
  std::string first_seen_path() const { return dir_ + "/seen"; }
  std::string facts_path() const { return dir_ + "/facts"; }
  std::string state_path() const { return dir_ + "/state.json"; }
  const std::string& config_path() const { return config_path_; }
  bool Exists() const;

  // Creates the profile directory (0700) and its parents.
  absl::Status CreateDirs() const;
  // `key`: LocalFilesKey. A MAC that does not match is a VerificationError;
  // `*had_mac` says whether the file carried one at all.
  absl::StatusOr<ProfileState> LoadState(const crypto::SecretBytes& key, bool* had_mac) const;
  absl::Status SaveState(const ProfileState& state, const crypto::SecretBytes& key) const;

  // The [profiles.<name>] section of config.toml, falling back to top-level keys.
  absl::StatusOr<ServerConfig> LoadServerConfig(const crypto::SecretBytes& key,
                                                bool* had_mac) const;
  absl::Status SaveServerConfig(const ServerConfig& config, const crypto::SecretBytes& key) const;
  // Removes this profile's section from the shared config file.
  absl::Status ForgetServerConfig() const;

 private:
  std::string name_;
  std::string dir_;
  std::string config_path_;
};

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_PROFILE_H_
