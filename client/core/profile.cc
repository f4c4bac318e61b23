#include "client/core/profile.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "base/atomic_file.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "client/core/local_mac.h"
#include "client/core/problem.h"
#include "client/core/verification_error.h"
#include "crypto/bytes.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "toml++/toml.h"

namespace mend::client {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string Home() { return EnvOr("HOME", "."); }

nlohmann::json MemberJson(const Member& m) {
  return {{"sign_pk", base::ToHex(m.sign_pk)}, {"box_pk", base::ToHex(m.box_pk)}, {"name", m.name}};
}

Bytes HexField(const nlohmann::json& j, const char* key) {
  auto v = base::FromHex(j.value(key, std::string()));
  return v.value_or(Bytes());
}

}  // namespace

std::string_view ToString(PairingState state) {
  switch (state) {
    case PairingState::kUnpaired:
      return "unpaired";
    case PairingState::kInvited:
      return "invited";
    case PairingState::kJoinPending:
      return "join-pending";
    case PairingState::kPaired:
      return "paired";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kStateMacLabel = "mend state v1";
constexpr std::string_view kConfigMacLabel = "mend config v1";

std::string ConfigMacInput(const std::string& name, const ServerConfig& config) {
  return nlohmann::json::array({name, config.address, config.tls_ca_file, config.insecure}).dump();
}

}  // namespace

Profile Profile::Locate(const std::string& name) {
  Profile p;
  p.name_ = name;
  if (const char* home = std::getenv("MEND_HOME"); home && *home) {
    p.dir_ = std::string(home) + "/" + name;
    p.config_path_ = std::string(home) + "/config.toml";
  } else {
    p.dir_ = EnvOr("XDG_DATA_HOME", Home() + "/.local/share") + "/mend/" + name;
    p.config_path_ = EnvOr("XDG_CONFIG_HOME", Home() + "/.config") + "/mend/config.toml";
  }
  return p;
}

bool Profile::Exists() const { return std::filesystem::exists(key_path()); }

absl::Status Profile::CreateDirs() const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    return absl::PermissionDeniedError(fmt::format("cannot create {}: {}", dir_, ec.message()));
  ::chmod(dir_.c_str(), 0700);
  std::filesystem::create_directories(std::filesystem::path(config_path_).parent_path(), ec);
  return absl::OkStatus();
}

absl::StatusOr<ProfileState> Profile::LoadState(const crypto::SecretBytes& key,
                                                bool* had_mac) const {
  ASSIGN_OR_RETURN(std::string text, base::ReadWholeFile(state_path()));
  ProfileState s;
  try {
    auto j = nlohmann::json::parse(text);
    *had_mac = j.contains("mac");
    if (*had_mac) {
      const std::string mac = j.at("mac").get<std::string>();
      j.erase("mac");
      if (!LocalMacMatches(key, kStateMacLabel, j.dump(), mac)) {
        return VerificationError(
            fmt::format("{} was changed outside mend (its MAC does not match); nothing was "
                        "changed. Restore it from a "
                        "backup, or ask who else can reach this profile's files",
                        state_path()));
      }
    }
    s.version = j.at("version").get<int>();
    if (s.version < kStateVersion) {
      return WithProblem(
          absl::FailedPreconditionError(fmt::format("profile '{}' was made by an earlier mend "
                                                    "(protocol v1), whose log and keys this mend "
                                                    "cannot read",
                                                    name_)),
          Problem::kProfileFromOlderMend);
    }
    if (s.version > kStateVersion)
      return absl::UnimplementedError("profile state is from a newer mend; upgrade mend");
    s.name = j.value("name", "");
    s.sign_pk = HexField(j, "sign_pk");
    s.box_pk = HexField(j, "box_pk");
    std::string pairing = j.value("pairing", "unpaired");
    for (auto st : {PairingState::kUnpaired, PairingState::kInvited, PairingState::kJoinPending,
                    PairingState::kPaired}) {
      if (pairing == ToString(st)) s.pairing = st;
    }
    s.couple_id = HexField(j, "couple_id");
    s.inviter = j.value("inviter", false);
    s.offer_plaintext = HexField(j, "offer_plaintext");
    s.offer_ct = HexField(j, "offer_ct");
    s.invite_id = HexField(j, "invite_id");
    s.transcript_hash = HexField(j, "transcript_hash");
    if (j.contains("partner") && j["partner"].is_object()) {
      s.partner = Member{HexField(j["partner"], "sign_pk"), HexField(j["partner"], "box_pk"),
                         j["partner"].value("name", "")};
    }
    s.verified_seq = j.value("verified_seq", uint64_t{0});
    s.verified_hash = HexField(j, "verified_hash");
    s.replica_anchor = HexField(j, "replica_anchor");
    s.last_sync_unix_ms = j.value("last_sync_unix_ms", int64_t{0});
    s.safety_confirmed = j.value("safety_confirmed", false);
    s.server_id = HexField(j, "server_id");
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(fmt::format("{} is damaged: {}", state_path(), e.what()));
  }
  return s;
}

absl::Status Profile::SaveState(const ProfileState& s, const crypto::SecretBytes& key) const {
  nlohmann::json j = {
      {"version", s.version},
      {"name", s.name},
      {"sign_pk", base::ToHex(s.sign_pk)},
      {"box_pk", base::ToHex(s.box_pk)},
      {"pairing", std::string(ToString(s.pairing))},
      {"couple_id", base::ToHex(s.couple_id)},
      {"inviter", s.inviter},
      {"offer_plaintext", base::ToHex(s.offer_plaintext)},
      {"offer_ct", base::ToHex(s.offer_ct)},
      {"invite_id", base::ToHex(s.invite_id)},
      {"transcript_hash", base::ToHex(s.transcript_hash)},
      {"partner", s.partner ? MemberJson(*s.partner) : nlohmann::json(nullptr)},
      {"verified_seq", s.verified_seq},
      {"verified_hash", base::ToHex(s.verified_hash)},
      {"replica_anchor", base::ToHex(s.replica_anchor)},
      {"last_sync_unix_ms", s.last_sync_unix_ms},
      {"safety_confirmed", s.safety_confirmed},
      {"server_id", base::ToHex(s.server_id)},
  };
  j["mac"] = LocalMac(key, kStateMacLabel, j.dump());
  return base::AtomicWriteFile(state_path(), j.dump(2) + "\n", 0600);
}

absl::StatusOr<ServerConfig> Profile::LoadServerConfig(const crypto::SecretBytes& key,
                                                       bool* had_mac) const {
  ServerConfig config;
  *had_mac = false;
  if (!std::filesystem::exists(config_path_)) return config;
  try {
    toml::table t = toml::parse_file(config_path_);
    config.address = t["server"].value_or(std::string());
    config.tls_ca_file = t["tls_ca"].value_or(std::string());
    if (auto* section = t["profiles"][name_].as_table()) {
      config.address = (*section)["server"].value_or(config.address);
      config.tls_ca_file = (*section)["tls_ca"].value_or(config.tls_ca_file);
      if (auto mac = (*section)["mac"].value<std::string>()) {
        *had_mac = true;
        // Only the section's own values count once it is authenticated.
        config.address = (*section)["server"].value_or(std::string());
        config.tls_ca_file = (*section)["tls_ca"].value_or(std::string());
        config.insecure = (*section)["insecure"].value_or(false);
        if (!LocalMacMatches(key, kConfigMacLabel, ConfigMacInput(name_, config), *mac)) {
          return VerificationError(
              fmt::format("the server settings of profile '{}' in {} were changed outside mend "
                          "(their MAC does not match); "
                          "nothing was changed",
                          name_, config_path_));
        }
      }
    }
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        fmt::format("cannot read {}: {}", config_path_, std::string(e.description())));
  }
  return config;
}

absl::Status Profile::SaveServerConfig(const ServerConfig& config,
                                       const crypto::SecretBytes& key) const {
  toml::table t;
  if (std::filesystem::exists(config_path_)) {
    try {
      t = toml::parse_file(config_path_);
    } catch (const toml::parse_error& e) {
      return absl::InvalidArgumentError(
          fmt::format("cannot read {}: {}", config_path_, std::string(e.description())));
    }
  }
  if (!t.contains("profiles")) t.insert("profiles", toml::table{});
  toml::table section;
  section.insert("server", config.address);
  if (!config.tls_ca_file.empty()) section.insert("tls_ca", config.tls_ca_file);
  if (config.insecure) section.insert("insecure", true);
  section.insert("mac", LocalMac(key, kConfigMacLabel, ConfigMacInput(name_, config)));
  t["profiles"].as_table()->insert_or_assign(name_, std::move(section));
  std::ostringstream out;
  out << "# mend client configuration\n" << t << "\n";
  return base::AtomicWriteFile(config_path_, out.str(), 0600);
}

absl::Status Profile::ForgetServerConfig() const {
  if (!std::filesystem::exists(config_path_)) return absl::OkStatus();
  toml::table t;
  try {
    t = toml::parse_file(config_path_);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        fmt::format("cannot read {}: {}", config_path_, std::string(e.description())));
  }
  auto* profiles = t["profiles"].as_table();
  if (profiles == nullptr || !profiles->contains(name_)) return absl::OkStatus();
  profiles->erase(name_);
  std::ostringstream out;
  out << "# mend client configuration\n" << t << "\n";
  return base::AtomicWriteFile(config_path_, out.str(), 0600);
}

}  // namespace mend::client
