// mendd: the mend server. `mendd serve ...` runs it; `mendd admin ...` talks to
// a running one over its admin socket.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "crypto/init.h"
#include "fmt/format.h"
#include "proto/wire.h"
#include "server/admin_socket.h"
#include "server/mend_server.h"
#include "server/postgres_log_store.h"
#include "spdlog/spdlog.h"
#include "toml++/toml.h"

namespace {

using mend::server::ServerOptions;

int Fail(const std::string& message, const std::string& hint = "") {
  std::cerr << "mendd: error: " << message << "\n";
  if (!hint.empty()) std::cerr << "mendd: hint: " << hint << "\n";
  return 1;
}

// Applies a TOML config file; flags given on the command line win.
int ApplyConfig(const std::string& path, const CLI::App& serve, ServerOptions* o,
                std::string* registration) {
  toml::table config;
  try {
    config = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Fail("cannot read config " + path + ": " + std::string(e.description()));
  }
  auto unset = [&](const char* flag) { return serve.get_option(flag)->count() == 0; };
  if (unset("--listen")) o->listen = config["listen"].value_or(o->listen);
  if (unset("--data")) o->data_dir = config["data"].value_or(o->data_dir);
  if (unset("--store")) o->store = config["store"]["kind"].value_or(o->store);
  if (unset("--postgres")) o->postgres = config["store"]["postgres"].value_or(o->postgres);
  if (o->store != "rocksdb" && o->store != "postgres")
    return Fail("config " + path + ": [store] kind is rocksdb or postgres");
  if (unset("--tls-cert")) o->tls_cert_file = config["tls_cert"].value_or(o->tls_cert_file);
  if (unset("--tls-key")) o->tls_key_file = config["tls_key"].value_or(o->tls_key_file);
  if (unset("--insecure-listen"))
    o->insecure_listen = config["insecure_listen"].value_or(o->insecure_listen);
  if (unset("--registration")) *registration = config["registration"].value_or(*registration);
  auto& l = o->limits;
  const auto limits = config["limits"];
  auto set = [&](const char* key, auto* field) { *field = limits[key].value_or(*field); };
  set("append_rate_per_second", &l.append_rate_per_second);
  set("append_burst", &l.append_burst);
  set("member_rate_per_second", &l.member_rate_per_second);
  set("member_burst", &l.member_burst);
  set("pairing_rate_per_second", &l.pairing_rate_per_second);
  set("pairing_burst", &l.pairing_burst);
  set("login_rate_per_second", &l.login_rate_per_second);
  set("login_burst", &l.login_burst);
  set("max_watchers_per_couple", &l.max_watchers_per_couple);
  set("max_watchers", &l.max_watchers);
  set("couple_quota_bytes", &l.couple_quota_bytes);
  set("max_fetch_page_bytes", &l.max_fetch_page_bytes);
  if (l.max_watchers_per_couple == 0 || l.couple_quota_bytes == 0) {
    return Fail("config " + path +
                ": [limits] max_watchers_per_couple and couple_quota_bytes must be at least 1");
  }
  if (const auto* trusted = config["proxy"]["trusted"].as_array()) {
    for (const auto& item : *trusted) {
      auto text = item.value<std::string>();
      if (!text) return Fail("config " + path + ": [proxy] trusted must be a list of strings");
      auto network = mend::server::ParseIpNetwork(*text);
      if (!network.ok())
        return Fail("config " + path +
                    ": [proxy] trusted: " + std::string(network.status().message()));
      o->proxies.trusted.push_back(*network);
    }
  } else if (config["proxy"]["trusted"]) {
    return Fail("config " + path + ": [proxy] trusted must be a list, for example [\"127.0.0.1\"]");
  }
  std::string header = config["proxy"]["header"].value_or(o->proxies.header);
  std::transform(header.begin(), header.end(), header.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  o->proxies.header = header;
  return 0;
}

int Serve(ServerOptions options) {
  // Block the stop signals everywhere; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = mend::server::MendServer::Start(options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("mendd: signal {}, draining calls", sig);
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!mend::crypto::Initialize().ok()) return Fail("libsodium could not be initialised");
  CLI::App app{"mendd: the mend server (end-to-end encrypted; it never sees a plaintext word)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("mendd {} (mend protocol v{})", MEND_VERSION,
                                                mend::wire::kProtocolVersion));
  ServerOptions options;
  std::string registration = "code", config_file;
  bool verbose = false;
  auto* serve = app.add_subcommand("serve", "run the server in the foreground");
  serve->add_option("--listen", options.listen, "address:port to listen on")->capture_default_str();
  serve->add_option("--data", options.data_dir, "data directory (RocksDB store, admin socket)")
      ->capture_default_str();
  serve->add_option("--store", options.store, "where entries are kept: rocksdb or postgres")
      ->check(CLI::IsMember({"rocksdb", "postgres"}))
      ->capture_default_str();
  serve->add_option("--postgres", options.postgres,
                    "libpq connection string for --store postgres (no password in it: use a "
                    "password file)");
  serve->add_option("--tls-cert", options.tls_cert_file, "PEM certificate chain");
  serve->add_option("--tls-key", options.tls_key_file, "PEM private key");
  serve->add_flag("--insecure-listen", options.insecure_listen,
                  "allow plaintext on a non-loopback address");
  serve->add_option("--registration", registration, "who may create couples: open or code")
      ->check(CLI::IsMember({"open", "code"}))
      ->capture_default_str();
  serve->add_option("--config", config_file, "TOML file with any of the options above")
      ->check(CLI::ExistingFile);
  serve->add_flag("-v,--verbose", verbose, "log every call");

  std::string admin_data = "mend-data", backup_dir;
  auto* admin = app.add_subcommand("admin", "talk to a running server over its admin socket");
  admin->add_option("--data", admin_data, "the server's data directory")->capture_default_str();
  admin->require_subcommand(1);
  auto* reg = admin->add_subcommand("registration-code",
                                    "print a one-time code that lets someone create a couple");
  auto* stats = admin->add_subcommand("stats", "print counts as JSON");
  auto* backup =
      admin->add_subcommand("backup", "write a consistent copy of the store (RocksDB checkpoint)");
  backup->add_option("dir", backup_dir, "directory to create")->required();
  std::string migrate_conninfo;
  auto* migrate = admin->add_subcommand(
      "migrate", "create or upgrade mend's tables in a PostgreSQL database (run once per upgrade)");
  migrate->add_option("--postgres", migrate_conninfo, "libpq connection string (no password)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (serve->parsed()) {
    if (!config_file.empty()) {
      if (int rc = ApplyConfig(config_file, *serve, &options, &registration)) return rc;
    }
    options.registration = registration == "open" ? mend::server::RegistrationMode::kOpen
                                                  : mend::server::RegistrationMode::kCode;
    spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
    return Serve(options);
  }
  if (migrate->parsed()) {
    absl::Status migrated = mend::server::PostgresLogStore::Migrate(migrate_conninfo);
    if (!migrated.ok()) return Fail(std::string(migrated.message()));
    std::cout << "the database has mend schema version "
              << mend::server::PostgresLogStore::kSchemaVersion << "\n";
    return 0;
  }
  std::string socket = (std::filesystem::path(admin_data) / "admin.sock").string();
  std::string line = reg->parsed()     ? "registration-code"
                     : stats->parsed() ? "stats"
                                       : "backup " + std::filesystem::absolute(backup_dir).string();
  auto response = mend::server::AdminSocket::Request(socket, line);
  if (!response.ok()) {
    return Fail(std::string(response.status().message()),
                "is mendd running with --data " + admin_data + "? run this as the same user");
  }
  std::cout << *response << "\n";
  return 0;
}
