// `mend server`: where this profile reaches its server. `show` says the
// address, the transport and the pinned server id; `set` moves the profile
// to a new address or transport (a server that moved, or TLS after
// --insecure), only to the same server: the pinned id must answer there.
#include <filesystem>
#include <iostream>

#include "base/hex.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/core/problem.h"
#include "client/views/text_safety.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {

absl::StatusOr<ServerConfig> ServerConfigFromFlags(const std::string& address,
                                                   const std::string& tls_ca, bool insecure) {
  if (address.empty()) return absl::InvalidArgumentError("--server takes HOST:PORT");
  if (insecure && !tls_ca.empty())
    return absl::InvalidArgumentError("--insecure and --tls-ca exclude each other");
  ServerConfig config{address, "", insecure};
  if (!tls_ca.empty()) {
    // Kept as the canonical path of the file checked: mend runs from any
    // directory afterwards.
    std::error_code ec;
    const std::filesystem::path ca = std::filesystem::canonical(tls_ca, ec);
    if (ec || !std::filesystem::is_regular_file(ca, ec)) {
      return absl::InvalidArgumentError(
          fmt::format("--tls-ca {}: no such file (the server's CA certificate, PEM)", tls_ca));
    }
    config.tls_ca_file = ca.string();
  }
  return config;
}

void WarnOfTransport(const ServerConfig& config, const ServerConfig* before) {
  if (config.insecure && !IsLoopbackTarget(config.address)) {
    std::cerr << "mend: WARNING: --insecure: everything sent to " << config.address
              << " crosses the network unencrypted (the entries stay end-to-end encrypted; logins, "
                 "tokens and metadata do not)\n";
  } else if (before && !before->tls_ca_file.empty() && config.tls_ca_file.empty() &&
             !IsLoopbackTarget(config.address)) {
    std::cerr << "mend: WARNING: the private CA " << before->tls_ca_file
              << " is no longer the only one trusted: any certificate a system authority issues "
                 "for "
              << config.address << " is (give --tls-ca again to keep it)\n";
  }
}

std::string TransportWords(const ServerConfig& c) {
  if (!c.tls_ca_file.empty()) return "TLS, trusting only the CA in " + c.tls_ca_file;
  if (c.insecure) return "plaintext over the network (--insecure)";
  if (IsLoopbackTarget(c.address)) return "plaintext to this machine only (loopback)";
  return "TLS, trusting the system's certificate authorities";
}

namespace {

absl::Status RunServerShow(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  const ServerConfig& c = session->server();
  const std::string id = base::ToHex(session->state().server_id);
  if (g.json) {
    // A path need not be UTF-8, which nlohmann::json refuses to write.
    std::cout << nlohmann::json({{"server", c.address},
                                 {"tls_ca", c.tls_ca_file},
                                 {"insecure", c.insecure},
                                 {"server_id", id}})
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
    return absl::OkStatus();
  }
  std::cout << fmt::format("server:    {}\ntransport: {}\nserver id: {}\n", c.address,
                           TransportWords(c),
                           id.empty() ? "not pinned yet (at the first login)" : id);
  return absl::OkStatus();
}

struct SetArgs {
  std::string address, tls_ca;
  bool insecure = false;
};

absl::Status RunServerSet(const GlobalOptions& g, const SetArgs& a) {
  ASSIGN_OR_RETURN(ServerConfig config, ServerConfigFromFlags(a.address, a.tls_ca, a.insecure));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  const ServerConfig before = session->server();
  if (absl::Status moved = session->MoveServer(config); !moved.ok()) {
    if (ProblemOf(moved) == Problem::kServerIdChanged) {
      return WithHint(moved, "check the address: this profile stays with the server it has");
    }
    return moved;
  }
  WarnOfTransport(config, &before);
  std::cout << fmt::format("profile '{}' now reaches its server at {}: {}\nbefore: {}: {}\n",
                           g.profile, config.address, TransportWords(config), before.address,
                           TransportWords(before));
  return absl::OkStatus();
}

}  // namespace

void DeclareServerCommand(const CommandLine& cli) {
  auto* c = cli.app.add_subcommand("server", "where this profile reaches its server");
  c->require_subcommand(1);
  auto* c_show = c->add_subcommand("show", "the server's address, the transport and its pinned id");
  c_show->callback(cli.Run([&g = cli.g] { return RunServerShow(g); }));
  auto set = std::make_shared<SetArgs>();
  auto* c_set = c->add_subcommand(
      "set",
      "move this profile to a new address or transport of the same server (its pinned id must "
      "answer there)");
  c_set->add_option("--server", set->address, "server address, HOST:PORT")->required();
  c_set->add_option("--tls-ca", set->tls_ca,
                    "trust only this CA certificate (PEM) for the server's TLS");
  c_set->add_flag("--insecure", set->insecure,
                  "plaintext to an address that is not this machine (not recommended)");
  c_set->callback(cli.Run([&g = cli.g, set] { return RunServerSet(g, *set); }));
}

}  // namespace mend::client
