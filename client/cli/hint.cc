#include "client/cli/hint.h"

#include "client/core/problem.h"
#include "client/core/verification_error.h"

namespace mend::client {

std::string AdviceFor(Problem problem) {
  switch (problem) {
    case Problem::kNoProfile:
      return "create it with `mend init --name NAME --server HOST:PORT`, or name another with "
             "--profile";
    case Problem::kProfileFromOlderMend:
      return "make a new profile (`mend init --profile NEW ...`) and pair again";
    case Problem::kWrongPassphrase:
      return "check the passphrase (or the file given with --passphrase-file)";
    case Problem::kKeyFileDamaged:
      return "restore the key file from a backup; it cannot be repaired";
    case Problem::kKeyFileUnreadable:
      return "the message says why: a key file you cannot read needs `chmod 600` and to be yours; "
             "one of a newer format needs a newer mend";
    case Problem::kNoServerConfigured:
      return "the profile's settings (config.toml in its folder) name no server; restore them from "
             "a backup";
    case Problem::kServerIdChanged:
      return "your copy of the log is untouched. Do not use this server until its operator "
             "explains the change";
    case Problem::kReplicaDamaged:
      return "move the damaged file aside and run `mend sync`: the log is fetched again and "
             "checked against the "
             "head this device verified";
    case Problem::kNotPaired:
      return "run `mend pair invite`, or `mend pair join` with your partner's code";
    case Problem::kPartnerNotJoined:
      return "run `mend sync` after your partner joins with the invite code";
    case Problem::kNotConfirmedYet:
      return "your partner confirms you after you compare the safety number together; run `mend "
             "sync` then";
    case Problem::kPairingUnfinished:
      return "both of you run `mend sync` to finish pairing";
    case Problem::kSafetyNumberNotCompared:
      return "compare it together in person (`mend pair verify`), then run `mend pair verify "
             "--confirm`";
    case Problem::kPartnerWaitsForYou:
      return "compare the safety number together (`mend pair verify`), then `mend pair verify "
             "--confirm`, or "
             "`mend pair reject` if it does not match";
    case Problem::kNoKeyForEpoch:
      return "run `mend sync`; if this stays, `mend rotate` moves you both to a key you both hold";
    case Problem::kHoldNoKey:
      return "run `mend sync` to fetch your grants; if this stays, your partner runs `mend "
             "rotate`, which "
             "grants you the new key";
    case Problem::kKeyNotAnnounced:
      return "run `mend rotate` to move to a new key you both hold";
    case Problem::kRotationRace:
      return "run `mend sync`, then `mend rotate` again if it is still needed";
    case Problem::kPairingComplete:
      return "to end the pairing, run `mend leave`";
    case Problem::kNoReminderSummary:
      return "run `mend sync` once to write it";
  }
  return "";
}

std::optional<std::string> HintFor(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  if (auto own = HintOf(status)) return own;
  if (auto problem = ProblemOf(status)) return AdviceFor(*problem);
  if (IsVerificationError(status)) {
    return "your local copy was left as it was. Do not trust the server until this is explained; "
           "compare "
           "`mend status` chain codes with your partner in person.";
  }
  if (absl::IsUnavailable(status))
    return "start the server (scripts/run) or check the server address";
  return std::nullopt;
}

}  // namespace mend::client
