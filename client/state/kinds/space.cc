// Requests for space: until a date, with the contact still welcome (none,
// urgent only, check-ins), or the end of one. The latest request of each
// partner stands.
#include "client/state/calendar.h"
#include "client/state/kinds/families.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckSpaceRequest(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.space_request().end()) return absl::OkStatus();
  if (!IsCalendarDate(p.space_request().until()))
    return absl::InvalidArgumentError("until must be YYYY-MM-DD");
  if (p.space_request().contact() == mend::v1::CONTACT_UNSPECIFIED) {
    return absl::InvalidArgumentError("say what contact is welcome");
  }
  return absl::OkStatus();
}

void ApplySpaceRequest(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  const Bytes& author = e.header.author();
  state.space[author] = SpaceRecord{e.header.seq(), author, e.payload.space_request()};
}

}  // namespace

std::vector<KindRecord> Space() {
  return {{Payload::kSpaceRequest, "space", CheckSpaceRequest, ApplySpaceRequest,
           DuringSpace::kAlways}};
}

}  // namespace mend::client::kinds
