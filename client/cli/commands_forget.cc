// `mend forget`: this machine stops holding anything of the profile. For a
// partner who is leaving a relationship that has turned unsafe, and for
// anyone done with mend. It needs no passphrase (whoever has the laptop can
// delete files anyway) and says plainly what it cannot reach.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <vector>

#include "client/cli/commands.h"
#include "client/cli/text_input.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

// Overwrites a file's bytes with zeros and syncs them before it is unlinked,
// so that the blocks the file system reuses in place do not keep the old
// contents. Best effort: see the note RunForget prints.
void Overwrite(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  std::vector<char> zeros(64 * 1024, 0);
  for (uintmax_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uintmax_t>(zeros.size(), size - done));
    const ssize_t wrote = ::write(fd, zeros.data(), n);
    if (wrote <= 0) break;
    done += static_cast<uintmax_t>(wrote);
  }
  ::fsync(fd);
  ::close(fd);
}

absl::Status RunForget(const GlobalOptions& g, bool yes) {
  const Profile profile = Profile::Locate(g.profile);
  if (!profile.Exists()) {  // a profile is a directory with a key file, nothing less
    return absl::NotFoundError(fmt::format("there is no profile '{}' on this machine", g.profile));
  }
  if (!yes) {
    if (!AtTerminal())
      return absl::InvalidArgumentError(
          "forgetting deletes this profile for good; add --yes to confirm");
    std::cerr << fmt::format(
        "This deletes profile '{}' from this machine: your identity key, your copy of the history, "
        "and the "
        "reminder. It cannot be undone, and you cannot read this history again from here.\n"
        "It does not touch the server's copy (`mend purge`) or your partner's.\nType the profile "
        "name to confirm: ",
        g.profile);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != g.profile) return absl::CancelledError("nothing was deleted");
  }
  size_t files = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(profile.dir(), ec)) {
    // Never through a link: only the profile's own files are overwritten.
    if (entry.symlink_status(ec).type() == std::filesystem::file_type::regular) {
      Overwrite(entry.path());
      ++files;
    }
  }
  std::filesystem::remove_all(profile.dir(), ec);
  if (ec)
    return absl::PermissionDeniedError(
        fmt::format("cannot delete {}: {}", profile.dir(), ec.message()));
  const bool reminder = RemoveReminder(g.profile);
  absl::Status config = profile.ForgetServerConfig();
  std::cout << fmt::format("forgot profile '{}': overwrote and deleted {} files in {}{}{}.\n",
                           g.profile, files, profile.dir(),
                           reminder ? ", removed its reminder" : "",
                           config.ok() ? ", removed it from " + profile.config_path() : "");
  std::cout << "What this cannot reach: backups and snapshots of this disk, the copies an SSD or a "
               "copy-on-write "
               "file system keeps of old blocks, reports you exported, your partner's copy, and "
               "the server's copy "
               "(`mend purge` deletes that; it needs this profile, so run it first).\n";
  return config;
}

}  // namespace

void DeclareForgetCommand(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto yes = std::make_shared<bool>(false);
  auto* c_forget = cli.app.add_subcommand(
      "forget", "delete this profile from this machine (key file, history, reminder)");
  c_forget->add_flag("--yes", *yes, "do not ask for confirmation");
  c_forget->callback(cli.Run([&g, yes] { return RunForget(g, *yes); }));
}

}  // namespace mend::client
