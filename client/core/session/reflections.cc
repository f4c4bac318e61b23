// Sealed reflections ("nobody goes first", PROTOCOL.md "Sealed reflections"):
// sealing an answer under its own key, and revealing it once the partner has
// sealed theirs, never within moments of the fetch that brought it.
#include "base/status_macros.h"
#include "client/core/session.h"
#include "client/core/session/internal.h"
#include "crypto/aead.h"
#include "crypto/sealed_reflection.h"
#include "fmt/format.h"

namespace mend::client {

absl::StatusOr<uint64_t> Session::SealReflection(const std::string& prompt_id,
                                                 const std::string& prompt_text,
                                                 const std::string& answer) {
  RETURN_IF_ERROR(NotPaired(state_));
  RETURN_IF_ERROR(CheckSafetyNumberConfirmed());
  // Every rule the fold applies, checked before the key file is touched.
  if (prompt_id.empty() || prompt_id.size() > 64) {
    return absl::InvalidArgumentError("the prompt id must be 1 to 64 bytes");
  }
  if (answer.empty()) return absl::InvalidArgumentError("the answer is empty");
  {
    mend::v1::Payload utf8_check;
    utf8_check.mutable_sealed_reflection()->set_prompt_id(prompt_id);
    utf8_check.mutable_sealed_reflection()->set_prompt_text(prompt_text);
    mend::v1::Payload round_trip;
    if (!round_trip.ParseFromString(utf8_check.SerializeAsString())) {
      return absl::InvalidArgumentError("the prompt id and text must be valid UTF-8");
    }
  }
  auto mine = couple_.sealed.find(prompt_id);
  if (mine != couple_.sealed.end() && mine->second.count(state_.sign_pk)) {
    return absl::AlreadyExistsError(fmt::format("you already answered '{}'", prompt_id));
  }
  if (!keys_.sealed_keys.count(prompt_id)) {
    // The key goes to disk before the answer leaves: a crash must not strand a sealed reflection.
    keys_.sealed_keys[prompt_id] = crypto::SecretBytes::Random(crypto::kAeadKeyBytes);
    if (absl::Status saved = SaveKeys(); !saved.ok()) {
      keys_.sealed_keys.erase(prompt_id);
      return saved;
    }
  }
  mend::v1::Payload p;
  auto* sa = p.mutable_sealed_reflection();
  sa->set_prompt_id(prompt_id);
  sa->set_prompt_text(prompt_text);
  const crypto::SecretBytes& k_e = keys_.sealed_keys.at(prompt_id);
  sa->set_sealed_ct(
      crypto::SealReflectionText(k_e, {state_.couple_id, state_.sign_pk, prompt_id}, answer));
  sa->set_key_commitment(crypto::SealedKeyCommitment(k_e.view()));
  const int64_t sealing = clock_();
  ASSIGN_OR_RETURN(uint64_t seq, Append(p));
  RETURN_IF_ERROR(RevealPending(sealing));  // the partner may have answered first
  return seq;
}

absl::Status Session::RevealPending(int64_t seen_before_ms) {
  if (revealing_ || couple_.closed || !state_.partner) return absl::OkStatus();
  revealing_ = true;
  absl::Status status;
  // Collect first: appending re-folds the state.
  std::vector<std::pair<uint64_t, std::string>> due;
  for (const auto& [prompt, by_author] : couple_.sealed) {
    auto mine = by_author.find(state_.sign_pk);
    if (mine == by_author.end() || mine->second.reveal_seq != 0) continue;
    auto theirs = by_author.find(state_.partner->sign_pk);
    if (theirs == by_author.end()) continue;  // nobody goes first
    // Not within moments of the fetch that brought the partner's answer: a
    // Reveal that follows a fetch by milliseconds tells the server what the
    // fetched entry was (PROTOCOL.md "Sealed reflections").
    auto seen = first_seen_.find(theirs->second.seq);
    if (seen != first_seen_.end() && seen->second >= seen_before_ms) continue;
    if (!keys_.sealed_keys.count(prompt)) continue;
    due.emplace_back(mine->second.seq, prompt);
  }
  for (const auto& [seq, prompt] : due) {
    mend::v1::Payload p;
    p.mutable_reveal()->set_sealed_seq(seq);
    p.mutable_reveal()->set_key(std::string(keys_.sealed_keys.at(prompt).view()));
    auto appended = AppendAt(p, std::nullopt);
    if (!appended.ok()) {
      status = appended.status();
      break;
    }
  }
  revealing_ = false;
  return status;
}

}  // namespace mend::client
