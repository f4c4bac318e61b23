#include "server/mend_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <filesystem>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "fmt/format.h"
#include "server/admin_socket.h"
#include "server/postgres_log_store.h"
#include "server/rocksdb_log_store.h"
#include "server/services.h"
#include "spdlog/spdlog.h"

namespace mend::server {

bool IsLoopbackAddress(const std::string& listen) {
  std::string host = listen;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  if (host == "localhost") return true;
  auto ip = ParseIpAddress(host);
  if (!ip) return false;
  if (ip->v6) return ip->bytes == std::string(15, '\0') + '\1';
  return static_cast<unsigned char>(ip->bytes[0]) == 127;
}

absl::StatusOr<std::unique_ptr<MendServer>> MendServer::Start(const ServerOptions& options) {
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  }
  if (!tls && !options.insecure_listen && !IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(fmt::format(
        "refusing to listen on {} without TLS; give --tls-cert and --tls-key, listen on 127.0.0.1, "
        "or pass --insecure-listen behind a TLS-terminating proxy",
        options.listen));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return absl::PermissionDeniedError(
        fmt::format("cannot create data dir {}: {}", options.data_dir, ec.message()));
  std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all, ec);

  std::unique_ptr<LogStore> store;
  if (options.store == "postgres") {
    ASSIGN_OR_RETURN(store, PostgresLogStore::Open(options.postgres));
  } else if (options.store == "rocksdb") {
    ASSIGN_OR_RETURN(
        store, RocksDbLogStore::Open((std::filesystem::path(options.data_dir) / "db").string()));
  } else {
    return absl::InvalidArgumentError(
        fmt::format("unknown store '{}': rocksdb or postgres", options.store));
  }
  auto server = std::unique_ptr<MendServer>(new MendServer());
  server->state_ = std::make_unique<ServerState>(
      std::move(store), options.limits, options.registration, options.proxies, options.clock);
  ServerState* state = server->state_.get();
  // A watch here must also see what other nodes of a shared store commit.
  ASSIGN_OR_RETURN(server->feed_,
                   state->store->FollowAppends({[state](const Bytes& couple_id, uint64_t seq) {
                                                  state->hub.Notify(couple_id, seq);
                                                },
                                                [state] { state->hub.NotifyEveryCouple(); }}));
  server->info_service_ = std::make_unique<ServerInfoService>(state);
  server->auth_service_ = std::make_unique<AuthService>(state);
  server->pairing_service_ = std::make_unique<PairingService>(state);
  server->log_service_ = std::make_unique<LogService>(state);
  server->couple_service_ = std::make_unique<CoupleService>(state);

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (tls) {
    ASSIGN_OR_RETURN(std::string cert, base::ReadWholeFile(options.tls_cert_file));
    ASSIGN_OR_RETURN(std::string key, base::ReadWholeFile(options.tls_key_file));
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({key, cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  // Pings find connections that died without a goodbye, so that their
  // watchers give back their slots within minutes rather than hours.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 2 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.limits.max_request_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options.limits.max_request_bytes));
  builder.RegisterService(server->info_service_.get());
  builder.RegisterService(server->auth_service_.get());
  builder.RegisterService(server->pairing_service_.get());
  builder.RegisterService(server->log_service_.get());
  builder.RegisterService(server->couple_service_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {} (in use, or not a local address?)", options.listen));
  }
  ASSIGN_OR_RETURN(
      server->admin_,
      AdminSocket::Start((std::filesystem::path(options.data_dir) / "admin.sock").string(), state));
  server->maintenance_ = std::thread([s = server.get()] { s->Maintain(); });
  // The conninfo is not logged: it names hosts, users and password files.
  spdlog::info("mendd listening on {} (port {}, {}), {}, registration {}", options.listen,
               server->port_, tls ? "TLS" : "plaintext",
               options.store == "postgres" ? "store on PostgreSQL" : "data in " + options.data_dir,
               options.registration == RegistrationMode::kOpen ? "open" : "by code");
  return server;
}

void MendServer::Maintain() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    lock.unlock();
    // Nodes sharing a store take turns: one runs the jobs, the others wait
    // for the next hour (and take over when it is gone).
    auto lead = state_->store->LeadMaintenance();
    if (!lead.ok()) spdlog::error("maintenance: {}", lead.status().ToString());
    if (!lead.ok() || !*lead) {
      lock.lock();
      cv_.wait_for(lock, std::chrono::hours(1), [&] { return stopped_; });
      continue;
    }
    auto purged = state_->registry.PurgeExpiredClosedCouples();
    if (!purged.ok())
      spdlog::error("maintenance: {}", purged.status().ToString());
    else if (*purged > 0)
      spdlog::info("maintenance: purged {} couples closed for 30 days", *purged);
    auto invites = state_->registry.DeleteExpiredInvites();
    if (!invites.ok())
      spdlog::error("maintenance: {}", invites.status().ToString());
    else if (*invites > 0)
      spdlog::info("maintenance: deleted {} expired invites", *invites);
    lock.lock();
    cv_.wait_for(lock, std::chrono::hours(1), [&] { return stopped_; });
  }
}

void MendServer::Shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  cv_.notify_all();
  feed_.reset();           // no wake-ups for streams about to end
  state_->hub.CloseAll();  // watchers end now instead of holding the drain
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  if (maintenance_.joinable()) maintenance_.join();
  admin_.reset();
  spdlog::info("mendd stopped");
}

void MendServer::Wait() { server_->Wait(); }

MendServer::~MendServer() {
  Shutdown(std::chrono::milliseconds(0));
  server_.reset();
  state_.reset();  // closes the store after every call has finished
}

}  // namespace mend::server
