// A running mendd: the store, the domain objects, the gRPC server (with health
// checking and reflection), the admin socket and the maintenance thread.
// Used by main() and by the in-process integration tests.
#ifndef MEND_SERVER_MEND_SERVER_H_
#define MEND_SERVER_MEND_SERVER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/client_address.h"
#include "server/clock.h"
#include "server/limits.h"
#include "server/registry.h"

namespace grpc {
class Server;
}

namespace mend::server {

struct ServerState;
class AdminSocket;
class ServerInfoService;
class AuthService;
class PairingService;
class LogService;
class CoupleService;
class AppendFeed;

struct ServerOptions {
  std::string listen = "127.0.0.1:7850";
  std::string data_dir = "mend-data";  // the RocksDB store and the admin socket
  // "rocksdb" (in data_dir/db) or "postgres" (at postgres; data_dir then holds
  // only the admin socket, which is per node).
  std::string store = "rocksdb";
  std::string postgres;       // a libpq conninfo without a password; never logged
  std::string tls_cert_file;  // PEM; with tls_key_file enables TLS
  std::string tls_key_file;
  bool insecure_listen = false;  // allow plaintext on a non-loopback address
  RegistrationMode registration = RegistrationMode::kCode;
  ServerLimits limits;
  ProxyConfig proxies;  // reverse proxies whose client-address header is believed
  Clock clock = SystemNowMs;
};

// True for listen addresses on 127.0.0.0/8, ::1 and "localhost". A host name
// is not loopback because it starts with "127." (127.example.com is not).
bool IsLoopbackAddress(const std::string& listen);

class MendServer {
 public:
  // Opens the store and starts serving. Errors are ready to show an operator.
  static absl::StatusOr<std::unique_ptr<MendServer>> Start(const ServerOptions& options);
  ~MendServer();

  int port() const { return port_; }
  ServerState* state() { return state_.get(); }
  // Stops accepting, drains in-flight calls (up to `grace`), closes the store.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Blocks until Shutdown() returns on another thread.
  void Wait();

 private:
  MendServer() = default;
  void Maintain();

  std::unique_ptr<ServerState> state_;
  std::unique_ptr<AppendFeed> feed_;  // appends through other nodes; null on RocksDB
  std::unique_ptr<ServerInfoService> info_service_;
  std::unique_ptr<AuthService> auth_service_;
  std::unique_ptr<PairingService> pairing_service_;
  std::unique_ptr<LogService> log_service_;
  std::unique_ptr<CoupleService> couple_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<AdminSocket> admin_;
  std::thread maintenance_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  int port_ = 0;
};

}  // namespace mend::server

#endif  // MEND_SERVER_MEND_SERVER_H_
