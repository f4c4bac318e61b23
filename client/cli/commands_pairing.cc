// Creating a profile and pairing: init, pair invite/join/verify/reject, and
// changing the key file's passphrase.
#include <chrono>
#include <iostream>
#include <thread>

#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/hint.h"
#include "client/cli/passphrase.h"
#include "client/cli/passphrase_strength.h"
#include "client/cli/refuse_text.h"
#include "client/cli/text_input.h"
#include "crypto/safety_number.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

struct InitArgs {
  std::string name, server, tls_ca;
  bool force = false, accept_weak = false, insecure = false;
};
struct InviteArgs {
  uint32_t ttl_seconds = 86400;
  int wait_seconds = 0;
};

// Refuses a passphrase someone who knows the person could guess, unless they
// insist; offers a strong one.
absl::Status CheckStrength(const crypto::SecretBytes& pass,
                           const std::vector<std::string>& personal, bool accept_weak,
                           const char* command) {
  const double bits = PassphraseBits(pass, personal);
  if (bits >= kMinPassphraseBits) return absl::OkStatus();
  if (accept_weak) {
    std::cerr << fmt::format(
        "mend: warning: a weak passphrase (about {:.0f} bits); kept because you insisted\n", bits);
    return absl::OkStatus();
  }
  crypto::SecretBytes suggestion = SuggestPassphrase();
  return WithHint(
      absl::InvalidArgumentError(
          fmt::format("that passphrase could be guessed (about {:.0f} bits; mend asks for {:.0f}): "
                      "names, dates and "
                      "common words are the first guesses of someone who knows you",
                      bits, kMinPassphraseBits)),
      fmt::format("try a longer one, for example these random words: \"{}\" (or `mend {} "
                  "--accept-weak-passphrase` to keep yours)",
                  suggestion.view(), command));
}

absl::Status RunInit(const GlobalOptions& g, const InitArgs& a) {
  RETURN_IF_ERROR(
      Session::RefuseOverwrite(Profile::Locate(g.profile), a.force));  // before the passphrase
  ASSIGN_OR_RETURN(ServerConfig server, ServerConfigFromFlags(a.server, a.tls_ca, a.insecure));
  ASSIGN_OR_RETURN(crypto::SecretBytes pass, ReadPassphrase(g.passphrase_file, true));
  RETURN_IF_ERROR(CheckStrength(pass, {a.name, g.profile, "mend"}, a.accept_weak, "init"));
  Profile profile = Profile::Locate(g.profile);
  RETURN_IF_ERROR(Session::Init(profile, a.name, server, pass, a.force));
  WarnOfTransport(server, nullptr);
  std::cout << fmt::format("created profile '{}' for {} (server {})\n", g.profile, a.name,
                           a.server);
  std::cout << "next: one of you runs `mend pair invite`, the other `mend pair join` (it asks for "
               "the code)\n";
  return absl::OkStatus();
}

absl::Status RunPairInvite(const GlobalOptions& g, const InviteArgs& a) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"registration_code"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  std::string code;
  if (session->state().pairing == PairingState::kInvited) {
    // The couple exists: a new code for it (a lost code, or a joiner turned away).
    ASSIGN_OR_RETURN(code, session->Reinvite(a.ttl_seconds));
  } else {
    ASSIGN_OR_RETURN(
        std::string registration,
        input.Get("registration_code",
                  "registration code from the server's operator (blank: none needed):"));
    ASSIGN_OR_RETURN(code, session->Invite(registration, a.ttl_seconds));
  }
  if (g.json) {
    std::cout << nlohmann::json({{"code", code}, {"expires_in_seconds", a.ttl_seconds}}).dump()
              << "\n";
  } else {
    std::cout << "invite code (give it to your partner in person or by a channel you trust; valid "
              << a.ttl_seconds / 3600 << " h, once):\n\n    " << code << "\n\n";
  }
  if (a.wait_seconds <= 0) {
    if (!g.json) std::cout << "when your partner has joined, run `mend sync` to finish pairing\n";
    return absl::OkStatus();
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.wait_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSIGN_OR_RETURN(SyncSummary r, session->Sync());
    if (session->state().partner || r.pairing.paired()) {
      std::cout << DescribePairing(r.pairing) << "\n";
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  std::cout << "your partner has not joined yet; `mend sync` finishes pairing later\n";
  return absl::OkStatus();
}

absl::Status RunPairJoin(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"code"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  ASSIGN_OR_RETURN(std::string code, input.Get("code", "invite code (mend-XXXXX-...):", true));
  RETURN_IF_ERROR(session->Join(code));
  std::cout << "joined " << session->state().partner->name
            << "'s invite. Now compare the safety number together, "
            << "in person: `mend pair verify`; if it matches, `mend pair verify --confirm`. "
               "Pairing finishes when "
            << "both of you have confirmed and run `mend sync`\n";
  return absl::OkStatus();
}

absl::Status RunPairVerify(const GlobalOptions& g, bool confirm, bool without_comparing) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  if (session->state().pairing == PairingState::kInvited && !session->state().partner) {
    ASSIGN_OR_RETURN(SyncSummary r, session->Sync());  // has anyone joined?
    (void)r;
  }
  const ProfileState& s = session->state();
  if (!s.partner)
    return absl::FailedPreconditionError(
        "nobody has joined yet; there is no partner key to compare");
  std::string number =
      crypto::SafetyNumber({s.sign_pk, s.box_pk}, {s.partner->sign_pk, s.partner->box_pk});
  if (without_comparing) {
    std::cerr << "mend: WARNING: confirming without comparing the safety number. Anyone who saw or "
                 "guessed the "
                 "invite code may be the one you are pairing with, and would read everything you "
                 "write.\n";
    confirm = true;
  }
  if (confirm) RETURN_IF_ERROR(session->ConfirmSafetyNumber());
  if (g.json) {
    std::cout << nlohmann::json(
                     {{"safety_number", number}, {"confirmed", session->state().safety_confirmed}})
                     .dump()
              << "\n";
    return absl::OkStatus();
  }
  std::cout << "safety number for you and " << s.partner->name << ":\n\n";
  for (size_t i = 0; i < number.size(); i += 24)
    std::cout << "    " << number.substr(i, 23) << "\n";
  std::cout << "\n";
  if (!confirm) {
    std::cout << "read it aloud together; if it matches on both screens, run `mend pair verify "
                 "--confirm`\n";
  } else {
    std::cout << "recorded: the safety number was confirmed"
              << (session->state().pairing == PairingState::kPaired
                      ? ""
                      : "; run `mend sync` when your partner has confirmed too")
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunPairReject(const GlobalOptions& g, uint32_t ttl_seconds) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  if (session->state().pairing == PairingState::kInvited && !session->state().partner) {
    ASSIGN_OR_RETURN(SyncSummary r, session->Sync());
    (void)r;
  }
  const std::string name = session->state().partner ? session->state().partner->name : "";
  RETURN_IF_ERROR(session->RejectPartner());
  ASSIGN_OR_RETURN(std::string code, session->Reinvite(ttl_seconds));
  std::cout << "turned away the joiner who called themself '" << name
            << "'. A new invite code (give it to your partner in person):\n\n    " << code << "\n";
  return absl::OkStatus();
}

absl::Status RunPassphrase(const GlobalOptions& g, const std::string& new_file, bool accept_weak) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false, Reads::kFacts));
  if (new_file.empty()) std::cerr << "mend: now the new passphrase\n";
  ASSIGN_OR_RETURN(crypto::SecretBytes fresh,
                   ReadPassphrase(new_file, /*confirm=*/true, /*env=*/false));
  std::vector<std::string> personal = {session->state().name, g.profile, "mend"};
  if (session->state().partner) personal.push_back(session->state().partner->name);
  RETURN_IF_ERROR(CheckStrength(fresh, personal, accept_weak, "passphrase"));
  RETURN_IF_ERROR(session->ChangePassphrase(std::move(fresh)));
  std::cout << "passphrase changed. Copies of the key file made before now (backups) still open "
               "with the old "
               "passphrase: delete them if someone may know it.\n";
  return absl::OkStatus();
}

}  // namespace

std::string DescribePairing(const PairingProgress& progress) {
  using Step = PairingProgress::Step;
  switch (progress.step) {
    case Step::kPaired:
      return "paired";
    case Step::kAwaitingJoin:
      return "waiting for your partner to join with the invite code";
    case Step::kCompareSafetyNumber:
      return fmt::format(
          "{} joined. Compare the safety number together, in person: `mend pair verify`; if it "
          "matches, "
          "`mend pair verify --confirm` finishes pairing (if not, `mend pair reject`)",
          progress.partner_name);
    case Step::kAnswerTurnedAway:
      return fmt::format(
          "someone answered your invite, but the answer {}; they were turned away. Run `mend pair "
          "invite` for a "
          "new code",
          progress.why);
    case Step::kTurnedAway:
      return fmt::format(
          "{} did not confirm you: they turned you away, or the code you used was replaced by a "
          "newer one. This profile is unpaired again; if you still mean to pair, ask them in "
          "person for a new code and run `mend pair join`",
          progress.partner_name);
    case Step::kAwaitingConfirmation:
      return "waiting for your partner to confirm you (they compare the safety number with you, "
             "then run `mend "
             "pair verify --confirm`)";
  }
  return "";
}

void DeclarePairingCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto init = std::make_shared<InitArgs>();
  auto* c_init = cli.app.add_subcommand("init", "create your identity and profile");
  c_init->add_option("--name", init->name, "your display name, as your partner will see it")
      ->required();
  c_init->add_option("--server", init->server, "server address, HOST:PORT")->required();
  c_init->add_option(
      "--tls-ca", init->tls_ca,
      "PEM CA certificate to trust for the server (TLS); default: the system's roots");
  c_init->add_flag("--insecure", init->insecure,
                   "plaintext to a non-loopback server (dangerous; loopback is plaintext anyway)");
  c_init->add_flag("--force", init->force,
                   "replace an existing identity (loses access to its history)");
  c_init->add_flag("--accept-weak-passphrase", init->accept_weak,
                   "keep a passphrase mend thinks could be guessed");
  c_init->callback(cli.Run([&g, init] { return RunInit(g, *init); }));

  auto* c_pair = cli.app.add_subcommand("pair", "pair with your partner");
  c_pair->require_subcommand(1);
  auto invite = std::make_shared<InviteArgs>();
  auto* c_invite =
      c_pair->add_subcommand("invite", "create the couple and print a one-time invite code");
  RefuseText(c_invite, "--registration-code", "registration_code");
  c_invite->add_option("--ttl", invite->ttl_seconds, "seconds the code stays valid (60..86400)")
      ->capture_default_str();
  c_invite->add_option("--wait", invite->wait_seconds,
                       "wait this many seconds for the partner to join");
  c_invite->callback(cli.Run([&g, invite] { return RunPairInvite(g, *invite); }));
  auto* c_join = c_pair->add_subcommand("join", "join your partner's invite (asks for the code)");
  RefuseText(c_join, "code", "code");
  c_join->callback(cli.Run([&g] { return RunPairJoin(g); }));
  struct VerifyArgs {
    bool confirm = false, without_comparing = false;
  };
  auto verify = std::make_shared<VerifyArgs>();
  auto* c_verify = c_pair->add_subcommand("verify", "show the safety number to compare together");
  c_verify->add_flag(
      "--confirm", verify->confirm,
      "record that the numbers matched (the inviter's confirmation completes pairing)");
  c_verify->add_flag(
      "--confirm-without-comparing", verify->without_comparing,
      "confirm without comparing (dangerous: whoever has the code could be on the other end)");
  c_verify->callback(cli.Run(
      [&g, verify] { return RunPairVerify(g, verify->confirm, verify->without_comparing); }));
  auto reject_ttl = std::make_shared<uint32_t>(86400);
  auto* c_reject = c_pair->add_subcommand(
      "reject", "turn away the joiner (the safety number did not match) and make a new code");
  c_reject->add_option("--ttl", *reject_ttl, "seconds the new code stays valid (60..86400)")
      ->capture_default_str();
  c_reject->callback(cli.Run([&g, reject_ttl] { return RunPairReject(g, *reject_ttl); }));

  struct PassphraseArgs {
    std::string new_file;
    bool accept_weak = false;
  };
  auto passphrase = std::make_shared<PassphraseArgs>();
  auto* c_passphrase = cli.app.add_subcommand(
      "passphrase", "change the key file's passphrase (asks for the old, then the new)");
  c_passphrase->add_option("--new-passphrase-file", passphrase->new_file,
                           "for scripts: the new passphrase from this file");
  c_passphrase->add_flag("--accept-weak-passphrase", passphrase->accept_weak,
                         "keep a passphrase mend thinks could be guessed");
  c_passphrase->callback(cli.Run([&g, passphrase] {
    return RunPassphrase(g, passphrase->new_file, passphrase->accept_weak);
  }));
}

}  // namespace mend::client
