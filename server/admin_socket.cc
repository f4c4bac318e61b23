#include "server/admin_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace mend::server {
namespace {

absl::StatusOr<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(fmt::format("admin socket path is too long: {}", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (line.size() < 4096 && ::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminSocket>> AdminSocket::Start(const std::string& path,
                                                                ServerState* state) {
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(fmt::format("admin socket: {}", std::strerror(errno)));
  // Create the socket file with 0600 from the start.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  ::umask(old);
  if (rc != 0 || ::listen(fd, 8) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(fmt::format("admin socket {}: {}", path, err));
  }
  auto socket = std::unique_ptr<AdminSocket>(new AdminSocket(path, fd, state));
  socket->thread_ = std::thread([s = socket.get()] { s->Serve(); });
  return socket;
}

AdminSocket::~AdminSocket() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  ::unlink(path_.c_str());
}

void AdminSocket::Serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    std::string line = ReadLine(conn);
    WriteAll(conn, Handle(line) + "\n");
    ::close(conn);
  }
}

std::string AdminSocket::Handle(const std::string& line) {
  if (line == "registration-code") {
    auto code = state_->registry.NewRegistrationCode();
    if (!code.ok()) return "error " + std::string(code.status().message());
    spdlog::info("admin: issued a registration code");
    return "ok " + *code;
  }
  if (line == "stats") {
    auto stats = state_->store->Stats();
    if (!stats.ok()) return "error " + std::string(stats.status().message());
    nlohmann::json j = {{"couples", stats->couples},
                        {"entries", stats->entries},
                        {"invites", stats->invites},
                        {"watchers", state_->hub.watchers()}};
    return "ok " + j.dump();
  }
  if (line.rfind("backup ", 0) == 0) {
    std::string dir = line.substr(7);
    absl::Status s = state_->store->Checkpoint(dir);
    if (!s.ok()) return "error " + std::string(s.message());
    spdlog::info("admin: backup written to {}", dir);
    return "ok " + dir;
  }
  return "error unknown admin command (registration-code, stats, backup DIR)";
}

absl::StatusOr<std::string> AdminSocket::Request(const std::string& path, const std::string& line) {
  auto addr = Address(path);
  if (!addr.ok()) return addr.status();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    std::string err = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError(fmt::format("cannot reach mendd at {}: {}", path, err));
  }
  WriteAll(fd, line + "\n");
  std::string response = ReadLine(fd);
  ::close(fd);
  if (response.rfind("ok ", 0) == 0) return response.substr(3);
  if (response.rfind("error ", 0) == 0) return absl::FailedPreconditionError(response.substr(6));
  return absl::InternalError("mendd gave no answer on the admin socket");
}

}  // namespace mend::server
