// Letters: a subject and a body, written at length. They add to the timeline
// and change no other state.
#include "client/state/kinds/families.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckLetter(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.letter().body().empty()) return absl::InvalidArgumentError("the letter is empty");
  return absl::OkStatus();
}

}  // namespace

std::vector<KindRecord> Letters() {
  return {{Payload::kLetter, "letter", CheckLetter, NoStateChange, DuringSpace::kNever}};
}

}  // namespace mend::client::kinds
