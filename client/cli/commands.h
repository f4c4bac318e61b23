// The mend subcommands. Each returns a Status; main() prints errors in the CLI
// voice and picks the exit code (0 ok, 1 error, 2 usage, 3 verification).
#ifndef MEND_CLIENT_CLI_COMMANDS_H_
#define MEND_CLIENT_CLI_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/core/session.h"

namespace mend::client {

struct GlobalOptions {
  std::string profile = "default";
  std::string passphrase_file;
  bool json = false;
  bool offline = false;         // read commands: no sync first
  bool despite_space = false;   // write commands
  std::string input;            // --input: the text fields as JSON (text_input.h)
};

// Unlocks the profile; syncs first unless `offline`.
absl::StatusOr<std::unique_ptr<Session>> OpenSession(const GlobalOptions& g, bool sync);
// Appends after the space courtesy check; prints "wrote #SEQ".
absl::Status WriteEntry(Session& session, const GlobalOptions& g, const mend::v1::Payload& payload);

struct InitArgs { std::string name, server, tls_ca; bool force = false, accept_weak = false, insecure = false; };
absl::Status RunInit(const GlobalOptions& g, const InitArgs& a);
struct InviteArgs { uint32_t ttl_seconds = 86400; int wait_seconds = 0; };
absl::Status RunPairInvite(const GlobalOptions& g, const InviteArgs& a);
absl::Status RunPairJoin(const GlobalOptions& g);
absl::Status RunPairVerify(const GlobalOptions& g, bool confirm, bool without_comparing);
absl::Status RunPairReject(const GlobalOptions& g, uint32_t ttl_seconds);
// Changes the key file's passphrase; the new one from a prompt or `new_file`.
absl::Status RunPassphrase(const GlobalOptions& g, const std::string& new_file, bool accept_weak);
absl::Status RunSync(const GlobalOptions& g);
absl::Status RunWatch(const GlobalOptions& g, int count, int timeout_seconds);
absl::Status RunStatus(const GlobalOptions& g, bool notify, uint64_t at_seq);
absl::Status RunRotate(const GlobalOptions& g);
absl::Status RunLeave(const GlobalOptions& g, bool yes);
absl::Status RunPurge(const GlobalOptions& g, bool yes);

// Text fields of every writing command come from TextInput, never from here.
struct CheckInArgs {
  int mood = 0;
  std::vector<std::string> feelings;  // from the shared vocabulary
};
absl::Status RunCheckIn(const GlobalOptions& g, CheckInArgs a);
struct ProposeArgs {
  std::string action;  // propose, amend, retire
  uint64_t target = 0;
  std::string bound = "me", cadence = "ongoing", review;
};
absl::Status RunPromisePropose(const GlobalOptions& g, const ProposeArgs& a);
absl::Status RunPromiseRespond(const GlobalOptions& g, uint64_t seq, const std::string& decision);
absl::Status RunPromiseReport(const GlobalOptions& g, uint64_t seq, bool kept, bool slipped);
absl::Status RunPromiseList(const GlobalOptions& g);
struct TriggerArgs {
  int intensity = 0;
  std::vector<std::string> feelings, help;
};
absl::Status RunTrigger(const GlobalOptions& g, const TriggerArgs& a);
absl::Status RunAck(const GlobalOptions& g, uint64_t seq);
absl::Status RunAsk(const GlobalOptions& g, const std::string& topic);
absl::Status RunAnswer(const GlobalOptions& g, uint64_t seq, bool confirm);
struct LetterArgs { std::string body_file; uint64_t reply_to = 0; };
absl::Status RunLetter(const GlobalOptions& g, const LetterArgs& a);
absl::Status RunDisclose(const GlobalOptions& g, uint64_t commitment, const std::string& topic, bool confirm);
struct SpaceArgs { std::string until, contact = "urgent"; bool end = false; };
absl::Status RunSpace(const GlobalOptions& g, const SpaceArgs& a);

struct LogArgs { std::string kind, author, since, until; };
absl::Status RunLog(const GlobalOptions& g, const LogArgs& a);
absl::Status RunShow(const GlobalOptions& g, uint64_t seq);

struct ExportArgs {
  std::string since, until, last, format = "md", output;
  std::vector<std::string> only, redact, age_recipients;
};
absl::Status RunExport(const GlobalOptions& g, const ExportArgs& a);

absl::Status RunTalk(const GlobalOptions& g, const std::string& week, const std::string& format);
absl::Status RunTalkNotes(const GlobalOptions& g, const std::string& week);
absl::Status RunReflect(const GlobalOptions& g, const std::string& prompt_id, const std::string& prompt_text);
absl::Status RunReflectShow(const GlobalOptions& g, const std::string& prompt_id);
absl::Status RunPrefsDisclose(const GlobalOptions& g, const std::string& topic, const std::string& mode);
absl::Status RunPrefsShow(const GlobalOptions& g);
absl::Status RunRemind(const GlobalOptions& g, const std::string& daily, bool print, bool off);
// Removes the profile's reminder timer, if any; true when there was one.
bool RemoveReminder(const std::string& profile);
// Removes this machine's profile: key file, replica, state, drafts, reminder.
absl::Status RunForget(const GlobalOptions& g, bool yes);
// Shows the partner's disclosure preference for `topic`; ASK_FIRST needs `confirmed`.
absl::Status CheckDisclosurePreference(const Session& session, const std::string& topic, bool confirmed);

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_COMMANDS_H_
