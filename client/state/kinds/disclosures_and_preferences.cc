// Disclosures (something told, perhaps about a commitment) and each
// partner's preferences for how they want to be told about a topic.
#include "client/state/kinds/families.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

constexpr size_t kMaxTopicBytes = 64;

absl::Status CheckDisclosure(const CoupleState& state, const Bytes&, const Payload& p, uint32_t) {
  if (p.disclosure().text().empty()) return absl::InvalidArgumentError("the disclosure is empty");
  if (p.disclosure().commitment_seq() != 0 &&
      FindCommitment(state, p.disclosure().commitment_seq()) == nullptr) {
    return Broken(fmt::format("entry {} is not a commitment", p.disclosure().commitment_seq()));
  }
  return absl::OkStatus();
}

absl::Status CheckPreferences(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.disclosure_prefs().prefs().empty())
    return absl::InvalidArgumentError("no preference given");
  for (const auto& pref : p.disclosure_prefs().prefs()) {
    if (pref.topic().empty() || pref.topic().size() > kMaxTopicBytes) {
      return absl::InvalidArgumentError("a topic has 1 to 64 bytes");
    }
    if (pref.mode() == mend::v1::DISCLOSURE_MODE_UNSPECIFIED)
      return absl::InvalidArgumentError("say the mode");
  }
  return absl::OkStatus();
}

void ApplyPreferences(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  for (const auto& pref : e.payload.disclosure_prefs().prefs()) {
    state.disclosure_prefs[e.header.author()][pref.topic()] = pref.mode();
  }
}

}  // namespace

std::vector<KindRecord> DisclosuresAndPreferences() {
  return {
      {Payload::kDisclosure, "disclosure", CheckDisclosure, NoStateChange,
       DuringSpace::kUnlessNoContact},
      {Payload::kDisclosurePrefs, "prefs", CheckPreferences, ApplyPreferences,
       DuringSpace::kAlways},
  };
}

}  // namespace mend::client::kinds
