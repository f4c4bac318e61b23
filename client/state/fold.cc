#include "client/state/fold.h"

#include <algorithm>

#include "client/state/calendar.h"
#include "client/state/kinds/kind.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

using mend::v1::Payload;

absl::Status Broken(const std::string& why) { return absl::FailedPreconditionError(why); }

}  // namespace

std::string_view ToString(CommitmentState state) {
  switch (state) {
    case CommitmentState::kProposed:
      return "proposed";
    case CommitmentState::kAgreed:
      return "agreed";
    case CommitmentState::kDeclined:
      return "declined";
    case CommitmentState::kChangesRequested:
      return "changes requested";
    case CommitmentState::kSuperseded:
      return "superseded";
    case CommitmentState::kRetired:
      return "retired";
  }
  return "unknown";
}

const Member* CoupleState::FindMember(const Bytes& sign_pk) const {
  for (const auto& m : members) {
    if (m.sign_pk == sign_pk) return &m;
  }
  return nullptr;
}

const Member* CoupleState::Partner(const Bytes& me) const {
  for (const auto& m : members) {
    if (m.sign_pk != me) return &m;
  }
  return nullptr;
}

std::string CoupleState::NameOf(const Bytes& sign_pk) const {
  const Member* m = FindMember(sign_pk);
  return m ? m->name : "unknown";
}

const SealedRecord* CoupleState::SealedAt(uint64_t seq) const {
  for (const auto& [prompt, by_author] : sealed) {
    for (const auto& [author, rec] : by_author) {
      if (rec.seq == seq) return &rec;
    }
  }
  return nullptr;
}

std::optional<std::string> CoupleState::RevealedFor(const SealedRecord& answer,
                                                    const Bytes& viewer) const {
  if (answer.reveal_seq == 0) return std::nullopt;
  if (answer.author == viewer) return answer.revealed_text;
  auto prompt = sealed.find(answer.prompt_id);
  if (prompt == sealed.end()) return std::nullopt;
  auto own = prompt->second.find(viewer);
  if (own == prompt->second.end() || own->second.reveal_seq == 0) return std::nullopt;
  return answer.revealed_text;
}

mend::v1::DisclosureMode CoupleState::PreferenceOf(const Bytes& author,
                                                   const std::string& topic) const {
  auto a = disclosure_prefs.find(author);
  if (a == disclosure_prefs.end()) return mend::v1::DISCLOSURE_MODE_UNSPECIFIED;
  auto t = a->second.find(topic);
  return t == a->second.end() ? mend::v1::DISCLOSURE_MODE_UNSPECIFIED : t->second;
}

const SpaceRecord* CoupleState::ActiveSpace(const Bytes& author, const std::string& today) const {
  auto it = space.find(author);
  if (it == space.end() || it->second.request.end()) return nullptr;
  return today <= it->second.request.until() ? &it->second : nullptr;
}

absl::Status CheckRules(const CoupleState& state, const Bytes& author, uint64_t seq,
                        const mend::v1::Payload& p, uint32_t key_epoch) {
  if (state.closed)
    return Broken(fmt::format("the log was closed by a Leave at seq {}", state.leave_seq));
  if (seq == 1 && p.kind_case() != Payload::kGenesis) return Broken("entry 1 must be the Genesis");
  if (seq != 1 && p.kind_case() == Payload::kGenesis)
    return Broken("Genesis is only valid as entry 1");
  // Every entry is written under the newest announced epoch, except a
  // KeyRotation, which may be written under any earlier one its writer holds
  // (so that a partner who never received the current key can still rotate).
  if (p.kind_case() != Payload::kKeyRotation && key_epoch != state.epoch) {
    return Broken(
        key_epoch < state.epoch
            ? fmt::format("written under key epoch {} after rotation to {}", key_epoch, state.epoch)
            : fmt::format("written under key epoch {}, which the log has not announced",
                          key_epoch));
  }
  if (p.kind_case() == Payload::KIND_NOT_SET) return absl::InvalidArgumentError("empty payload");
  const KindRecord* kind = FindKind(p.kind_case());
  if (kind == nullptr)
    return absl::InvalidArgumentError("an entry kind this version of mend does not know");
  return kind->check(state, author, p, key_epoch);
}

namespace {

std::string Span(int64_t ms) {
  const int64_t minutes = ms / 60000;
  if (minutes < 120) return fmt::format("{} minutes", minutes);
  if (minutes < 48 * 60) return fmt::format("{} hours", minutes / 60);
  return fmt::format("{} days", minutes / (24 * 60));
}

}  // namespace

CoupleState Fold(const std::vector<crypto::OpenedEntry>& entries, const FoldClock& clock) {
  CoupleState state;
  FoldMore(state, entries, clock);
  return state;
}

void FoldMore(CoupleState& state, std::span<const crypto::OpenedEntry> more,
              const FoldClock& clock) {
  int64_t& previous_time = state.cursor.previous_time;
  int64_t& previous_written = state.cursor.previous_written;
  uint64_t& previous_seq = state.cursor.previous_seq;
  for (const auto& e : more) {
    FoldedEntry folded;
    folded.entry = &e;
    const uint64_t seq = e.header.seq();
    if (clock.first_seen != nullptr) {
      auto seen = clock.first_seen->find(seq);
      if (seen != clock.first_seen->end()) folded.first_seen_unix_ms = seen->second;
    }
    // The author's claim, checked against the entry before and against when
    // this device saw the entry (or its clock now): neither a partner's
    // clock nor a partner bending it can make time run backwards here.
    const int64_t written = e.unreadable.empty() ? e.payload.written_unix_ms() : 0;
    const int64_t limit =
        folded.first_seen_unix_ms != 0 ? folded.first_seen_unix_ms : clock.now_unix_ms;
    folded.written_unix_ms = written;
    if (written != 0 && previous_written != 0 && written < previous_written - kClockSkewMs) {
      folded.time_warning =
          fmt::format("dated {} before entry {}", Span(previous_written - written), previous_seq);
    } else if (written != 0 && limit != 0 && written > limit + kClockSkewMs) {
      folded.time_warning =
          fmt::format("dated {} ahead of {}", Span(written - limit),
                      folded.first_seen_unix_ms != 0 ? "when this device first saw it" : "now");
    }
    int64_t t = written != 0 ? written : (limit != 0 ? limit : previous_time);
    if (limit != 0 && t > limit) t = limit;
    t = std::max(t, previous_time);
    folded.unix_ms = t;
    previous_time = t;
    // A flagged claim is not what the next entry is measured against: one
    // entry dated next year must not make every honest entry after it look
    // backdated.
    if (written != 0 && folded.time_warning.empty()) {
      previous_written = written;
      previous_seq = seq;
    }

    absl::Status rule =
        e.unreadable.empty()
            ? CheckRules(state, e.header.author(), seq, e.payload, e.header.key_epoch())
            : absl::DataLossError("cannot be read: " + e.unreadable);
    if (rule.ok()) {
      FindKind(e.payload.kind_case())->apply(state, e, t);
    } else {
      folded.valid = false;
      folded.invalid_reason = std::string(rule.message());
    }
    state.entries.push_back(std::move(folded));
  }
}

std::string KindName(const mend::v1::Payload& payload) {
  if (payload.kind_case() == Payload::KIND_NOT_SET) return "empty";
  const KindRecord* kind = FindKind(payload.kind_case());
  return kind != nullptr ? std::string(kind->name) : "unknown";
}

std::optional<mend::v1::Payload::KindCase> ParseKindName(const std::string& name) {
  for (const KindRecord& kind : AllKinds()) {
    if (kind.name == name) return kind.kind;
  }
  return std::nullopt;
}

}  // namespace mend::client
