// A real mendd as a child process on 127.0.0.1, with its own data dir, TOML
// config and log file, and the two figures the suite bounds: its resident
// memory and its thread count, read from /proc/PID/status.
#ifndef MEND_TESTS_HOSTILE_MENDD_PROCESS_H_
#define MEND_TESTS_HOSTILE_MENDD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace mend::hostile {

// One reading of /proc/PID/status. Negative fields: the process is gone.
struct ProcessStats {
  int64_t rss_kib = -1;  // VmRSS
  int threads = -1;      // Threads
  bool valid() const { return rss_kib >= 0 && threads >= 0; }
  double rss_mib() const { return static_cast<double>(rss_kib) / 1024.0; }
};

class MenddProcess {
 public:
  // Writes `config_toml` to dir/mendd.toml, picks a free loopback port, runs
  //   BINARY serve --listen 127.0.0.1:PORT --data dir/data --registration open --config
  //   dir/mendd.toml
  // with stdout and stderr going to dir/mendd.log, and waits (up to 20 s)
  // until it accepts connections.
  // REQUIRES: no other thread has been started yet (the child is forked).
  static absl::StatusOr<std::unique_ptr<MenddProcess>> Start(const std::string& binary,
                                                             const std::filesystem::path& dir,
                                                             const std::string& config_toml);
  // Stops the child (SIGTERM) and starts it again with the same binary,
  // address and data dir and a new config.
  absl::Status Restart(const std::string& config_toml);
  // Stops the child if it still runs.
  ~MenddProcess();
  MenddProcess(const MenddProcess&) = delete;
  MenddProcess& operator=(const MenddProcess&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // True while the child has not exited (reaps it once it has).
  bool Alive();
  // How the child ended ("exited with status 1", "killed by signal 11
  // (Segmentation fault)"), or "running".
  std::string ExitDescription() const;
  // A reading of the child's /proc status (invalid once it has exited).
  ProcessStats Stats() const;
  // Waits up to `cap` for the thread count to come down to `max_threads`
  // (pools shrink a little after a burst); the last reading.
  ProcessStats SettledStats(int max_threads, std::chrono::milliseconds cap) const;
  // SIGTERM, then up to `grace` for the child to exit, then SIGKILL.
  // Returns ExitDescription().
  std::string Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // The last `lines` lines of mendd's log, for failure reports.
  std::string LogTail(int lines) const;

 private:
  MenddProcess() = default;
  // Writes the config, forks and execs mendd on address_, waits until it accepts.
  absl::Status Launch(const std::string& config_toml);
  void Reap(int wait_status);

  std::string binary_;
  std::filesystem::path dir_;
  int port_ = 0;

  pid_t pid_ = -1;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string address_;
  std::filesystem::path log_path_;
};

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_MENDD_PROCESS_H_
