// The weekly talk's notes: what was agreed and what to follow up, for a week
// (its Monday). They add to the timeline; the next week's agenda reads them.
#include "client/state/calendar.h"
#include "client/state/kinds/families.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckTalkNotes(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (!IsCalendarDate(p.talk_notes().week()))
    return absl::InvalidArgumentError("the week is YYYY-MM-DD");
  if (p.talk_notes().agreed().empty() && p.talk_notes().follow_ups().empty()) {
    return absl::InvalidArgumentError("the talk notes are empty");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<KindRecord> TalkNotes() {
  return {{Payload::kTalkNotes, "talknotes", CheckTalkNotes, NoStateChange, DuringSpace::kNever}};
}

}  // namespace mend::client::kinds
