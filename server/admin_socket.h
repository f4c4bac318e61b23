// The operator's channel to a running mendd: a Unix socket `admin.sock` in the
// data directory, mode 0600, so file permissions are the authentication.
// One request line per connection, one response:
//   "registration-code"  -> "ok <code>"
//   "stats"              -> "ok <json>"
//   "backup <dir>"       -> "ok <dir>"
// Errors answer "error <message>".
#ifndef MEND_SERVER_ADMIN_SOCKET_H_
#define MEND_SERVER_ADMIN_SOCKET_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/server_state.h"

namespace mend::server {

class AdminSocket {
 public:
  // Binds `path` (replacing a stale socket) and starts serving on a thread.
  static absl::StatusOr<std::unique_ptr<AdminSocket>> Start(const std::string& path,
                                                            ServerState* state);
  ~AdminSocket();  // stops the thread and removes the socket

  // Client side: sends one request and returns the response body (after "ok ").
  static absl::StatusOr<std::string> Request(const std::string& path, const std::string& line);

 private:
  AdminSocket(std::string path, int fd, ServerState* state)
      : path_(std::move(path)), fd_(fd), state_(state) {}
  void Serve();
  std::string Handle(const std::string& line);

  const std::string path_;
  const int fd_;
  ServerState* const state_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_ADMIN_SOCKET_H_
