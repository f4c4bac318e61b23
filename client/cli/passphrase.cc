#include "client/cli/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "base/atomic_file.h"
#include "base/status_macros.h"

namespace mend::client {
namespace {

constexpr size_t kMaxPassphraseBytes = 1024;

// Reads one line from `fd` straight into guarded memory, a byte at a time:
// no stdio or stream buffer ever holds a copy of the passphrase.
crypto::SecretBytes ReadLine(int fd) {
  crypto::SecretBytes buf(kMaxPassphraseBytes);
  size_t n = 0;
  unsigned char c;
  while (n < buf.size()) {
    ssize_t got = ::read(fd, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || c == '\n') break;
    buf.data()[n++] = c;
  }
  if (n > 0 && buf.data()[n - 1] == '\r') --n;
  return crypto::SecretBytes::CopyOf(buf.view().substr(0, n));
}

absl::StatusOr<crypto::SecretBytes> Prompt(const char* label) {
  std::cerr << label << std::flush;
  termios old{};
  bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  crypto::SecretBytes line = ReadLine(STDIN_FILENO);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  return line;
}

}  // namespace

absl::StatusOr<crypto::SecretBytes> ReadPassphrase(const std::string& file_flag, bool confirm,
                                                   bool use_env) {
  std::string file = file_flag;
  if (file.empty() && use_env) {
    if (const char* env = std::getenv("MEND_PASSPHRASE_FILE"); env && *env) file = env;
  }
  if (!file.empty()) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::NotFoundError("cannot read the passphrase file " + file + ": " +
                                 std::strerror(errno));
    }
    crypto::SecretBytes out = ReadLine(fd);
    ::close(fd);
    if (out.empty()) return absl::InvalidArgumentError("the passphrase file is empty");
    return out;
  }
  if (!::isatty(STDIN_FILENO)) {
    return absl::InvalidArgumentError(
        "no passphrase: give --passphrase-file FILE (or MEND_PASSPHRASE_FILE), or run at a "
        "terminal");
  }
  ASSIGN_OR_RETURN(crypto::SecretBytes first, Prompt("mend: passphrase: "));
  if (first.empty()) return absl::InvalidArgumentError("the passphrase is empty");
  if (confirm) {
    ASSIGN_OR_RETURN(crypto::SecretBytes again, Prompt("mend: passphrase again: "));
    if (!first.Equals(again)) return absl::InvalidArgumentError("the two passphrases differ");
  }
  return first;
}

}  // namespace mend::client
