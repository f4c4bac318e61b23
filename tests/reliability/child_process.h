// Child processes for the reliability tests: mendd and mend started as the
// user would start them, and killed the way a machine dies.
#ifndef MEND_TESTS_RELIABILITY_CHILD_PROCESS_H_
#define MEND_TESTS_RELIABILITY_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace mend::testing {

// Starts `args[0]` with `args`, its stdout and stderr to /dev/null.
inline pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// SIGKILL, and the child reaped.
inline void KillNine(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace mend::testing

#endif  // MEND_TESTS_RELIABILITY_CHILD_PROCESS_H_
