// Check-ins: a mood from 1 to 10, feelings, needs, gratitude and a note. They
// add to the timeline and change no other state.
#include "client/state/kinds/families.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckCheckIn(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.check_in().mood() < 1 || p.check_in().mood() > 10) {
    return absl::InvalidArgumentError(
        fmt::format("mood must be 1 to 10, not {}", p.check_in().mood()));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<KindRecord> CheckIns() {
  return {
      {Payload::kCheckIn, "checkin", CheckCheckIn, NoStateChange, DuringSpace::kIfCheckInsWelcome}};
}

}  // namespace mend::client::kinds
