#include "tests/hostile/mendd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/hostile/deadline.h"

namespace mend::hostile {
namespace {

// Binds 127.0.0.1:0, reads the port the kernel chose and closes the socket, so
// that mendd can bind it next. Another process could take it in between; on
// a test machine that is rare enough, and Start() then fails clearly.
absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(std::string("socket: ") + strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    return absl::InternalError(std::string("cannot pick a loopback port: ") + strerror(err));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool AcceptsConnections(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MenddProcess>> MenddProcess::Start(const std::string& binary,
                                                                  const std::filesystem::path& dir,
                                                                  const std::string& config_toml) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError("cannot run " + binary + ": " + strerror(errno));
  }
  auto port = PickFreePort();
  if (!port.ok()) return port.status();
  auto process = std::unique_ptr<MenddProcess>(new MenddProcess());
  process->binary_ = binary;
  process->dir_ = dir;
  process->port_ = *port;
  process->address_ = "127.0.0.1:" + std::to_string(*port);
  process->log_path_ = dir / "mendd.log";
  if (auto s = process->Launch(config_toml); !s.ok()) return s;
  return process;
}

absl::Status MenddProcess::Restart(const std::string& config_toml) {
  const std::string ended = Stop();
  if (!WIFEXITED(wait_status_) || WEXITSTATUS(wait_status_) != 0) {
    return absl::FailedPreconditionError("mendd " + ended + " when asked to stop for a restart");
  }
  exited_ = false;
  wait_status_ = 0;
  return Launch(config_toml);
}

absl::Status MenddProcess::Launch(const std::string& config_toml) {
  const auto config_path = dir_ / "mendd.toml";
  {
    std::ofstream config(config_path, std::ios::trunc);
    config << config_toml;
    if (!config) return absl::InternalError("cannot write " + config_path.string());
  }
  // Everything the child needs is prepared before fork(): between fork and
  // exec only async-signal-safe calls are allowed.
  const std::vector<std::string> args = {binary_,          "serve",
                                         "--listen",       address_,
                                         "--data",         (dir_ / "data").string(),
                                         "--registration", "open",
                                         "--config",       config_path.string()};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log = log_path_.string();
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    // If the suite dies (even by SIGKILL from a test timeout), mendd must not
    // outlive it holding a port and a temp dir.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;

  // Not a Deadline: an interrupted suite still waits for its mendd, to stop it.
  const auto end = SteadyClock::now() + std::chrono::seconds(20);
  while (SteadyClock::now() < end) {
    if (!Alive()) {
      return absl::UnavailableError("mendd " + ExitDescription() +
                                    " before accepting connections:\n" + LogTail(15));
    }
    if (AcceptsConnections(port_)) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError("mendd did not accept connections on " + address_ +
                                     " within 20 s:\n" + LogTail(15));
}

MenddProcess::~MenddProcess() {
  if (pid_ > 0 && !exited_) Stop(std::chrono::seconds(5));
}

void MenddProcess::Reap(int wait_status) {
  exited_ = true;
  wait_status_ = wait_status;
}

bool MenddProcess::Alive() {
  if (exited_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) Reap(status);
  return !exited_;
}

std::string MenddProcess::ExitDescription() const {
  if (!exited_) return "running";
  if (WIFEXITED(wait_status_))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) {
    int sig = WTERMSIG(wait_status_);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "ended (wait status " + std::to_string(wait_status_) + ")";
}

ProcessStats MenddProcess::Stats() const {
  ProcessStats stats;
  if (exited_) return stats;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) stats.rss_kib = std::stoll(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) stats.threads = std::stoi(line.substr(8));
  }
  return stats;
}

ProcessStats MenddProcess::SettledStats(int max_threads, std::chrono::milliseconds cap) const {
  Deadline deadline(cap);
  ProcessStats s = Stats();
  while (s.valid() && s.threads > max_threads && deadline.SleepFor(Millis(250))) s = Stats();
  return s;
}

std::string MenddProcess::Stop(std::chrono::milliseconds grace) {
  if (!Alive()) return ExitDescription();
  kill(pid_, SIGTERM);
  // Not a Deadline: an interrupt must not cut the grace short.
  const auto end = SteadyClock::now() + grace;
  while (Alive() && SteadyClock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (Alive()) {
    kill(pid_, SIGKILL);
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) Reap(status);
    return "did not stop within " + std::to_string(grace.count()) + " ms of SIGTERM; " +
           ExitDescription();
  }
  return ExitDescription();
}

std::string MenddProcess::LogTail(int lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += "  | " + l + "\n";
  return out;
}

}  // namespace mend::hostile
