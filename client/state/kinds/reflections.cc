// Sealed reflections, "nobody goes first" (PROTOCOL.md "Sealed reflections"): an
// answer sealed under its own key, bound to couple, author and prompt, with a
// commitment to that key; its Reveal only once the partner has sealed theirs,
// checked against the commitment.
#include "client/state/kinds/families.h"
#include "crypto/sealed_reflection.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

// XChaCha20-Poly1305: a 24-byte nonce and a 16-byte tag at the least.
constexpr size_t kMinSealedBytes = 24 + 16;

absl::Status CheckSealedReflection(const CoupleState& state, const Bytes& author, const Payload& p,
                                   uint32_t) {
  const auto& sa = p.sealed_reflection();
  if (sa.prompt_id().empty() || sa.prompt_id().size() > crypto::kMaxPromptIdBytes) {
    return absl::InvalidArgumentError("a prompt id has 1 to 64 bytes");
  }
  if (sa.sealed_ct().size() < kMinSealedBytes) return Broken("the sealed reflection is malformed");
  if (sa.key_commitment().size() != crypto::kSealedKeyCommitmentBytes) {
    return Broken("the sealed reflection has no key commitment");
  }
  auto it = state.sealed.find(sa.prompt_id());
  if (it != state.sealed.end() && it->second.count(author)) {
    return Broken(fmt::format("you already sealed an answer to '{}'", sa.prompt_id()));
  }
  // A copy of another sealed reflection (its ciphertext or its commitment)
  // would let its writer "reveal" the other's words as their own.
  for (const auto& [prompt, by_author] : state.sealed) {
    for (const auto& [other, rec] : by_author) {
      if (rec.sealed_ct == sa.sealed_ct() || rec.key_commitment == sa.key_commitment()) {
        return Broken(fmt::format("this sealed reflection copies sealed reflection #{}", rec.seq));
      }
    }
  }
  return absl::OkStatus();
}

void ApplySealedReflection(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  const auto& sa = e.payload.sealed_reflection();
  const Bytes& author = e.header.author();
  state.sealed[sa.prompt_id()][author] = SealedRecord{e.header.seq(),
                                                      author,
                                                      sa.prompt_id(),
                                                      sa.prompt_text(),
                                                      sa.sealed_ct(),
                                                      sa.key_commitment(),
                                                      0,
                                                      ""};
}

absl::Status CheckReveal(const CoupleState& state, const Bytes& author, const Payload& p,
                         uint32_t) {
  const SealedRecord* rec = state.SealedAt(p.reveal().sealed_seq());
  if (rec == nullptr)
    return Broken(fmt::format("entry {} is not a sealed reflection", p.reveal().sealed_seq()));
  if (rec->author != author) return Broken("only the author of a sealed reflection reveals it");
  if (rec->reveal_seq != 0)
    return Broken(fmt::format("sealed reflection {} was already revealed", rec->seq));
  const Member* partner = state.Partner(author);
  if (partner == nullptr || !state.sealed.at(rec->prompt_id).count(partner->sign_pk)) {
    return Broken("revealed before the partner sealed their answer: nobody goes first");
  }
  absl::Status opened =
      crypto::OpenAnswerText(p.reveal().key(), rec->key_commitment,
                             {state.couple_id, rec->author, rec->prompt_id}, rec->sealed_ct)
          .status();
  if (!opened.ok()) return Broken(std::string(opened.message()));
  return absl::OkStatus();
}

void ApplyReveal(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  const SealedRecord* found = state.SealedAt(e.payload.reveal().sealed_seq());
  SealedRecord& rec = state.sealed.at(found->prompt_id).at(found->author);
  rec.reveal_seq = e.header.seq();
  rec.revealed_text =
      crypto::OpenAnswerText(e.payload.reveal().key(), rec.key_commitment,
                             {state.couple_id, rec.author, rec.prompt_id}, rec.sealed_ct)
          .value_or("");
}

}  // namespace

std::vector<KindRecord> Reflections() {
  return {
      {Payload::kSealedReflection, "sealed", CheckSealedReflection, ApplySealedReflection,
       DuringSpace::kNever},
      // Revealing keeps a promise already made: the partner sealed first.
      {Payload::kReveal, "reveal", CheckReveal, ApplyReveal, DuringSpace::kAlways},
  };
}

}  // namespace mend::client::kinds
