#include "client/passphrase.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "crypto/atomic_file.h"
#include "crypto/status_macros.h"

namespace mend::client {
namespace {

absl::StatusOr<crypto::SecretBytes> Prompt(const char* label) {
  std::cerr << label << std::flush;
  termios old{};
  bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  crypto::SecretBytes buf(1024);
  size_t n = 0;
  int c;
  while ((c = std::getchar()) != EOF && c != '\n' && n < buf.size()) buf.data()[n++] = static_cast<uint8_t>(c);
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  return crypto::SecretBytes::CopyOf(buf.view().substr(0, n));
}

}  // namespace

absl::StatusOr<crypto::SecretBytes> ReadPassphrase(const std::string& file_flag, bool confirm) {
  std::string file = file_flag;
  if (file.empty()) {
    if (const char* env = std::getenv("MEND_PASSPHRASE_FILE"); env && *env) file = env;
  }
  if (!file.empty()) {
    ASSIGN_OR_RETURN(std::string contents, crypto::ReadWholeFile(file));
    size_t end = contents.find('\n');
    crypto::SecretBytes out = crypto::SecretBytes::CopyOf(std::string_view(contents).substr(0, end));
    std::fill(contents.begin(), contents.end(), '\0');
    if (out.empty()) return absl::InvalidArgumentError("the passphrase file is empty");
    return out;
  }
  if (!::isatty(STDIN_FILENO)) {
    return absl::InvalidArgumentError(
        "no passphrase: give --passphrase-file FILE (or MEND_PASSPHRASE_FILE), or run at a terminal");
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
