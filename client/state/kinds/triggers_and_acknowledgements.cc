// Trigger logs and their acknowledgement: one partner records a trigger and
// its intensity; the other, and only the other, acknowledges it once. The
// time from trigger to acknowledgement is what the report measures.
#include "client/state/kinds/families.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckTrigger(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.trigger().intensity() < 1 || p.trigger().intensity() > 10) {
    return absl::InvalidArgumentError(
        fmt::format("intensity must be 1 to 10, not {}", p.trigger().intensity()));
  }
  return absl::OkStatus();
}

void ApplyTrigger(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  const uint64_t seq = e.header.seq();
  state.triggers[seq] = TriggerRecord{seq, e.header.author(), at, e.payload.trigger(), 0, 0};
}

absl::Status CheckAcknowledgement(const CoupleState& state, const Bytes& author, const Payload& p,
                                  uint32_t) {
  auto it = state.triggers.find(p.acknowledgement().trigger_seq());
  if (it == state.triggers.end()) {
    return Broken(fmt::format("entry {} is not a trigger", p.acknowledgement().trigger_seq()));
  }
  if (it->second.author == author)
    return Broken("a trigger is acknowledged by the partner, not its author");
  if (it->second.ack_seq != 0)
    return Broken(fmt::format("trigger {} was already acknowledged", it->first));
  return absl::OkStatus();
}

void ApplyAcknowledgement(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  TriggerRecord& t = state.triggers.at(e.payload.acknowledgement().trigger_seq());
  t.ack_seq = e.header.seq();
  t.ack_unix_ms = at;
}

}  // namespace

std::vector<KindRecord> TriggersAndAcknowledgements() {
  return {
      {Payload::kTrigger, "trigger", CheckTrigger, ApplyTrigger, DuringSpace::kNever},
      {Payload::kAcknowledgement, "ack", CheckAcknowledgement, ApplyAcknowledgement,
       DuringSpace::kUnlessNoContact},
  };
}

}  // namespace mend::client::kinds
