// Profiles, pairing, sync, watch, status and leaving.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "base/hex.h"
#include "client/cli/commands.h"
#include "client/state/obligations.h"
#include "client/cli/hint.h"
#include "client/cli/passphrase.h"
#include "client/cli/passphrase_strength.h"
#include "client/core/reminder_summary.h"
#include "client/cli/text_input.h"
#include "client/views/render.h"
#include "client/core/verification_error.h"
#include "crypto/bytes.h"
#include "crypto/safety_number.h"
#include "base/status_macros.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

constexpr int64_t kQuietPartnerWarningMs = 7LL * 24 * 3600 * 1000;

std::string ChainCodeOf(const Session& s) {
  auto h = s.head();
  return crypto::ChainCode(h.seq, h.hash);
}

// The chain code at the last entry `author` wrote, or "" when none.
std::string ChainCodeAtLastBy(const Session& s, const Bytes& author) {
  for (auto it = s.entries().rbegin(); it != s.entries().rend(); ++it) {
    if (it->header.author() == author) return crypto::ChainCode(it->header.seq(), it->hash);
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Session>> OpenSession(const GlobalOptions& g, bool sync) {
  ASSIGN_OR_RETURN(crypto::SecretBytes pass, ReadPassphrase(g.passphrase_file, false));
  ASSIGN_OR_RETURN(auto session, Session::Open(Profile::Locate(g.profile), pass));
  if (!session->adoption_note().empty()) std::cerr << "mend: note: " << session->adoption_note() << "\n";
  if (sync && !g.offline && session->state().pairing == PairingState::kPaired) {
    RETURN_IF_ERROR(session->Sync().status());
    // For `mend status --notify`, which runs without the passphrase. A
    // failure here must not stop the command the person asked for.
    (void)WriteReminderSummary(session->profile(), session->state(), session->couple(), NowMs());
  }
  return session;
}

namespace {

// Refuses a passphrase someone who knows the person could guess, unless they
// insist; offers a strong one.
absl::Status CheckStrength(const crypto::SecretBytes& pass, const std::vector<std::string>& personal, bool accept_weak,
                           const char* command) {
  const double bits = PassphraseBits(pass, personal);
  if (bits >= kMinPassphraseBits) return absl::OkStatus();
  if (accept_weak) {
    std::cerr << fmt::format("mend: warning: a weak passphrase (about {:.0f} bits); kept because you insisted\n", bits);
    return absl::OkStatus();
  }
  crypto::SecretBytes suggestion = SuggestPassphrase();
  return WithHint(absl::InvalidArgumentError(fmt::format(
                      "that passphrase could be guessed (about {:.0f} bits; mend asks for {:.0f}): names, dates and "
                      "common words are the first guesses of someone who knows you",
                      bits, kMinPassphraseBits)),
                  fmt::format("try a longer one, for example these random words: \"{}\" (or `mend {} "
                              "--accept-weak-passphrase` to keep yours)",
                              suggestion.view(), command));
}

}  // namespace

absl::Status RunInit(const GlobalOptions& g, const InitArgs& a) {
  ASSIGN_OR_RETURN(crypto::SecretBytes pass, ReadPassphrase(g.passphrase_file, true));
  RETURN_IF_ERROR(CheckStrength(pass, {a.name, g.profile, "mend"}, a.accept_weak, "init"));
  Profile profile = Profile::Locate(g.profile);
  if (a.insecure && !a.tls_ca.empty()) return absl::InvalidArgumentError("--insecure and --tls-ca exclude each other");
  if (a.insecure && !IsLoopbackTarget(a.server)) {
    std::cerr << "mend: WARNING: --insecure: everything sent to " << a.server
              << " crosses the network unencrypted (the entries stay end-to-end encrypted; logins, "
                 "tokens and metadata do not)\n";
  }
  RETURN_IF_ERROR(Session::Init(profile, a.name, ServerConfig{a.server, a.tls_ca, a.insecure}, pass, a.force));
  std::cout << fmt::format("created profile '{}' for {} (server {})\n", g.profile, a.name, a.server);
  std::cout << "next: one of you runs `mend pair invite`, the other `mend pair join CODE`\n";
  return absl::OkStatus();
}

absl::Status RunPairInvite(const GlobalOptions& g, const InviteArgs& a) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"registration_code"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  std::string code;
  if (session->state().pairing == PairingState::kInvited) {
    // The couple exists: a new code for it (a lost code, or a joiner turned away).
    ASSIGN_OR_RETURN(code, session->Reinvite(a.ttl_seconds));
  } else {
    ASSIGN_OR_RETURN(std::string registration,
                     input.Get("registration_code", "registration code from the server's operator (blank: none needed):"));
    ASSIGN_OR_RETURN(code, session->Invite(registration, a.ttl_seconds));
  }
  if (g.json) {
    std::cout << nlohmann::json({{"code", code}, {"expires_in_seconds", a.ttl_seconds}}).dump() << "\n";
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
    ASSIGN_OR_RETURN(SyncReport r, session->Sync());
    if (session->state().partner || r.pairing_message.empty()) {
      std::cout << r.pairing_message << "\n";
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  std::cout << "your partner has not joined yet; `mend sync` finishes pairing later\n";
  return absl::OkStatus();
}

absl::Status RunPairJoin(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"code"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  ASSIGN_OR_RETURN(std::string code, input.Get("code", "invite code (mend-XXXXX-...):", true));
  RETURN_IF_ERROR(session->Join(code));
  std::cout << "joined " << session->state().partner->name << "'s invite. Now compare the safety number together, "
            << "in person: `mend pair verify`; if it matches, `mend pair verify --confirm`. Pairing finishes when "
            << "both of you have confirmed and run `mend sync`\n";
  return absl::OkStatus();
}

absl::Status RunPassphrase(const GlobalOptions& g, const std::string& new_file, bool accept_weak) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  if (new_file.empty()) std::cerr << "mend: now the new passphrase\n";
  ASSIGN_OR_RETURN(crypto::SecretBytes fresh, ReadPassphrase(new_file, /*confirm=*/true, /*env=*/false));
  std::vector<std::string> personal = {session->state().name, g.profile, "mend"};
  if (session->state().partner) personal.push_back(session->state().partner->name);
  RETURN_IF_ERROR(CheckStrength(fresh, personal, accept_weak, "passphrase"));
  RETURN_IF_ERROR(session->ChangePassphrase(std::move(fresh)));
  std::cout << "passphrase changed. Copies of the key file made before now (backups) still open with the old "
               "passphrase: delete them if someone may know it.\n";
  return absl::OkStatus();
}

absl::Status RunPairVerify(const GlobalOptions& g, bool confirm, bool without_comparing) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  if (session->state().pairing == PairingState::kInvited && !session->state().partner) {
    ASSIGN_OR_RETURN(SyncReport r, session->Sync());  // has anyone joined?
    (void)r;
  }
  const ProfileState& s = session->state();
  if (!s.partner) return absl::FailedPreconditionError("nobody has joined yet; there is no partner key to compare");
  std::string number = crypto::SafetyNumber({s.sign_pk, s.box_pk}, {s.partner->sign_pk, s.partner->box_pk});
  if (without_comparing) {
    std::cerr << "mend: WARNING: confirming without comparing the safety number. Anyone who saw or guessed the "
                 "invite code may be the one you are pairing with, and would read everything you write.\n";
    confirm = true;
  }
  if (confirm) RETURN_IF_ERROR(session->ConfirmSafetyNumber());
  if (g.json) {
    std::cout << nlohmann::json({{"safety_number", number}, {"confirmed", session->state().safety_confirmed}}).dump()
              << "\n";
    return absl::OkStatus();
  }
  std::cout << "safety number for you and " << s.partner->name << ":\n\n";
  for (size_t i = 0; i < number.size(); i += 24) std::cout << "    " << number.substr(i, 23) << "\n";
  std::cout << "\nread it aloud together; if it matches on both screens, run `mend pair verify --confirm`\n";
  if (confirm) {
    std::cout << "recorded: the safety number was confirmed"
              << (session->state().pairing == PairingState::kPaired ? "" : "; run `mend sync` when your partner has confirmed too")
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunPairReject(const GlobalOptions& g, uint32_t ttl_seconds) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  if (session->state().pairing == PairingState::kInvited && !session->state().partner) {
    ASSIGN_OR_RETURN(SyncReport r, session->Sync());
    (void)r;
  }
  const std::string name = session->state().partner ? session->state().partner->name : "";
  RETURN_IF_ERROR(session->RejectPartner());
  ASSIGN_OR_RETURN(std::string code, session->Reinvite(ttl_seconds));
  std::cout << "turned away the joiner who called themself '" << name
            << "'. A new invite code (give it to your partner in person):\n\n    " << code << "\n";
  return absl::OkStatus();
}

absl::Status RunSync(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  ASSIGN_OR_RETURN(SyncReport r, session->Sync());
  if (session->state().pairing == PairingState::kPaired) {
    (void)WriteReminderSummary(session->profile(), session->state(), session->couple(), NowMs());
  }
  if (g.json) {
    std::cout << nlohmann::json({{"new_entries", r.new_entries}, {"head_seq", session->head().seq},
                                 {"chain_code", ChainCodeOf(*session)}, {"pairing", r.pairing_message}})
                     .dump()
              << "\n";
  } else if (!r.pairing_message.empty()) {
    std::cout << r.pairing_message << "\n";
  } else {
    std::cout << fmt::format("synced: {} new, head #{} (chain code {})\n", r.new_entries, session->head().seq,
                             ChainCodeOf(*session));
  }
  return absl::OkStatus();
}

absl::Status RunWatch(const GlobalOptions& g, int count, int timeout_seconds) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  ASSIGN_OR_RETURN(Connection * conn, session->connection());
  int seen = 0;
  // Without --timeout a watch lasts a year; the stream's own deadline ends it, even when nothing arrives.
  const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 365 * 24 * 3600);
  int backoff_ms = 500;
  absl::Status failure;
  while (std::chrono::system_clock::now() < deadline && (count <= 0 || seen < count)) {
    absl::Status s = conn->Watch(session->state().couple_id, session->head().seq, deadline, [&](const mend::v1::Entry& e) {
      auto accepted = session->AcceptWatched({e});
      if (!accepted.ok()) {
        failure = accepted.status();
        return false;
      }
      for (const auto* opened : *accepted) {
        for (const auto& f : session->couple().entries) {
          if (f.entry == opened) {
            if (g.json) std::cout << EntryJson(session->couple(), f, session->state().sign_pk).dump() << std::endl;
            else std::cout << EntryLine(session->couple(), f) << std::endl;
          }
        }
        ++seen;
      }
      return count <= 0 || seen < count;
    });
    if (!failure.ok()) return failure;
    if (count > 0 && seen >= count) break;
    if (!s.ok() && !absl::IsUnavailable(s) && !absl::IsUnauthenticated(s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 30000);
  }
  return absl::OkStatus();
}

absl::Status RunStatus(const GlobalOptions& g, bool notify, uint64_t at_seq) {
  if (notify) {
    // For reminders: no passphrase, no server; quiet unless something is owed.
    ASSIGN_OR_RETURN(ReminderSummary summary, ReadReminderSummary(Profile::Locate(g.profile)));
    for (const auto& item : summary.owed) std::cout << "mend: you owe " << summary.partner << ": " << item << "\n";
    if (!summary.owed.empty() && NowMs() - summary.as_of_unix_ms > 36LL * 3600 * 1000) {
      std::cout << "mend: (as of your last sync, " << LocalDateTime(summary.as_of_unix_ms) << "; `mend sync` to update)\n";
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  if (at_seq != 0) {
    // Partners whose heads differ compare the code at an entry both hold.
    if (at_seq > session->entries().size()) {
      return absl::OutOfRangeError(fmt::format("this device holds entries 1 to {}; `mend sync` first",
                                               session->entries().size()));
    }
    const auto& e = session->entries()[at_seq - 1];
    std::cout << (g.json ? nlohmann::json({{"seq", at_seq}, {"chain_code", crypto::ChainCode(at_seq, e.hash)}}).dump()
                         : crypto::ChainCode(at_seq, e.hash))
              << "\n";
    return absl::OkStatus();
  }
  const ProfileState& s = session->state();
  const CoupleState& c = session->couple();
  const std::string me = s.sign_pk;
  const std::string my_last_code = ChainCodeAtLastBy(*session, me);
  const std::string partner_last_code = s.partner ? ChainCodeAtLastBy(*session, s.partner->sign_pk) : "";
  const std::string today = LocalDate(NowMs());
  nlohmann::json owed_by_me = nlohmann::json::array(), owed_to_me = nlohmann::json::array();
  for (const Obligation& o : Obligations(c, me, today, NowMs())) (o.mine ? owed_by_me : owed_to_me).push_back(o.text);
  // When this device first saw the partner's latest entry, not the time the
  // partner's client wrote into it: a server that withholds entries, or a
  // partner who backdates them, cannot quiet this warning.
  int64_t partner_last = 0;
  if (s.partner) {
    for (const auto& f : c.entries) {
      if (f.entry->header.author() != s.partner->sign_pk) continue;
      partner_last = f.first_seen_unix_ms != 0 ? f.first_seen_unix_ms : f.unix_ms;
    }
  }
  const SpaceRecord* space = s.partner ? c.ActiveSpace(s.partner->sign_pk, today) : nullptr;
  const SpaceRecord* my_space = c.ActiveSpace(me, today);
  bool quiet = s.partner && partner_last != 0 && NowMs() - partner_last > kQuietPartnerWarningMs;
  if (g.json) {
    nlohmann::json j = {
        {"profile", g.profile}, {"name", s.name}, {"pairing", std::string(ToString(s.pairing))},
        {"couple_id", base::ToHex(s.couple_id)}, {"partner", s.partner ? s.partner->name : ""},
        {"head_seq", session->head().seq}, {"head_hash", base::ToHex(session->head().hash)},
        {"chain_code", ChainCodeOf(*session)}, {"safety_confirmed", s.safety_confirmed},
        {"chain_code_at_my_last", my_last_code}, {"chain_code_at_partner_last", partner_last_code},
        {"closed", c.closed}, {"owed_by_me", owed_by_me}, {"owed_to_me", owed_to_me},
        {"partner_space_until", space ? space->request.until() : ""},
        {"my_space_until", my_space ? my_space->request.until() : ""},
        {"partner_quiet", quiet}};
    std::cout << j.dump() << "\n";
    return absl::OkStatus();
  }
  std::cout << fmt::format("{} ({}), {}{}\n", s.name, g.profile, ToString(s.pairing),
                           s.partner ? " with " + s.partner->name : "");
  if (s.pairing == PairingState::kPaired) {
    std::cout << fmt::format("log: {} entries, chain code {}{}\n", session->head().seq, ChainCodeOf(*session),
                             c.closed ? " (closed)" : "");
    if (!my_last_code.empty()) std::cout << "at your last entry: " << my_last_code << "\n";
    if (!partner_last_code.empty()) std::cout << "at " << s.partner->name << "'s last entry: " << partner_last_code << "\n";
    if (!s.safety_confirmed) std::cout << "safety number not confirmed yet: `mend pair verify`\n";
  }
  if (space) {
    std::cout << fmt::format("{} asked for space until {}{}\n", s.partner->name, space->request.until(),
                             space->request.note().empty() ? "" : ": " + space->request.note());
  }
  if (my_space) std::cout << "you asked for space until " << my_space->request.until() << "\n";
  for (const auto& item : owed_by_me) std::cout << "you owe: " << item.get<std::string>() << "\n";
  for (const auto& item : owed_to_me) std::cout << "waiting for partner: " << item.get<std::string>() << "\n";
  if (quiet) {
    std::cout << fmt::format("note: nothing from {} has arrived since {}; if they have written, the server may be "
                             "withholding entries\n", s.partner->name, LocalDateTime(partner_last));
  }
  return absl::OkStatus();
}

absl::Status RunRotate(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  RETURN_IF_ERROR(session->Rotate());
  std::cout << "rotated the couple key to epoch " << session->couple().epoch << "\n";
  return absl::OkStatus();
}

absl::Status RunLeave(const GlobalOptions& g, bool yes) {
  ASSIGN_OR_RETURN(TextInput input, TextInput::Load(g.input, {"reason"}));
  if (!yes && !::isatty(STDIN_FILENO)) {
    return absl::InvalidArgumentError("leaving closes the shared log for both of you; add --yes to confirm");
  }
  if (!yes) {
    std::cerr << "Leaving closes the shared log for both of you. You keep your copy. Type 'leave' to confirm: ";
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "leave") return absl::CancelledError("not left");
  }
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  ASSIGN_OR_RETURN(std::string reason, input.Get("reason", "a reason, written into the log? (blank: none)"));
  RETURN_IF_ERROR(session->Leave(reason));
  std::cout << "you have left; your copy of the history stays in this profile (`mend log --offline`, `mend export`). "
               "`mend purge` deletes the server's copy.\n";
  return absl::OkStatus();
}

absl::Status RunPurge(const GlobalOptions& g, bool yes) {
  if (!yes) return absl::InvalidArgumentError("purge deletes the server's copy of the whole couple; add --yes");
  ASSIGN_OR_RETURN(auto session, OpenSession(g, false));
  ASSIGN_OR_RETURN(uint64_t n, session->Purge());
  std::cout << "purged the couple from the server (" << n << " entries); your local copy is untouched\n";
  return absl::OkStatus();
}

}  // namespace mend::client
