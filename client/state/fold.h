// The fold: a pure function from the verified entries of a couple's log to
// what the partners see (membership, commitments and their adherence, open
// triggers, questions, letters, space requests, epochs). It also enforces the
// payload rules of PROTOCOL.md "Payload rules": an entry that breaks a rule is
// kept in the timeline, marked invalid with the reason, and never applied.
// CheckRules is the same check, used before writing.
#ifndef MEND_CLIENT_STATE_FOLD_H_
#define MEND_CLIENT_STATE_FOLD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crypto/entry_codec.h"
#include "mend/v1/payload.pb.h"

namespace mend::client {

using Bytes = std::string;

struct Member {
  Bytes sign_pk;
  Bytes box_pk;
  std::string name;
};

enum class CommitmentState {
  kProposed,
  kAgreed,
  kDeclined,
  kChangesRequested,
  kSuperseded,
  kRetired
};
std::string_view ToString(CommitmentState state);

struct Commitment {
  uint64_t seq = 0;  // the proposal's seq; the commitment's id
  Bytes proposer;
  mend::v1::CommitmentProposal proposal;
  CommitmentState state = CommitmentState::kProposed;
  uint64_t response_seq = 0;
  int64_t agreed_unix_ms = 0;
  uint64_t superseded_by = 0;  // seq of the accepted AMEND that replaced it
  uint32_t kept = 0;
  uint32_t slipped = 0;
  int64_t last_outcome_unix_ms = 0;
  std::map<Bytes, int64_t> last_outcome_by;  // member -> time of their last report
  // Members bound by it.
  std::vector<Bytes> bound;
};

struct TriggerRecord {
  uint64_t seq = 0;
  Bytes author;
  int64_t created_unix_ms = 0;
  mend::v1::Trigger trigger;
  uint64_t ack_seq = 0;  // 0 while open
  int64_t ack_unix_ms = 0;
};

struct QuestionRecord {
  uint64_t seq = 0;
  Bytes author;
  int64_t created_unix_ms = 0;
  mend::v1::Question question;
  uint64_t answer_seq = 0;  // 0 while open
};

struct SpaceRecord {
  uint64_t seq = 0;
  Bytes author;
  mend::v1::SpaceRequest request;
};

struct SealedRecord {
  uint64_t seq = 0;
  Bytes author;
  std::string prompt_id;
  std::string prompt_text;
  Bytes sealed_ct;
  Bytes key_commitment;
  uint64_t reveal_seq = 0;    // 0 while sealed
  std::string revealed_text;  // set by a valid Reveal
};

struct FoldedEntry {
  const crypto::OpenedEntry* entry = nullptr;  // borrowed from the caller's vector
  bool valid = true;
  std::string invalid_reason;
  // Time (PROTOCOL.md "Time"). The author's claim, when this device first saw
  // the entry (0: unknown, e.g. in a test), and the time every view and
  // duration uses: the claim, held between the entry before's time and the
  // first sighting, so that it never runs backwards nor lies ahead.
  int64_t written_unix_ms = 0;
  int64_t first_seen_unix_ms = 0;
  int64_t unix_ms = 0;
  // Set when the claim runs backwards from the entry before or ahead of the
  // reader's clock by more than kClockSkewMs: "dated 3 days before entry 41".
  std::string time_warning;
};

// Where a fold stands after its last entry: what the next entry's time is
// measured against (PROTOCOL.md "Time").
struct FoldCursor {
  int64_t previous_time = 0;     // the last entry's unix_ms
  int64_t previous_written = 0;  // the last claim that was not flagged
  uint64_t previous_seq = 0;     // and the entry that made it
};

struct CoupleState {
  Bytes couple_id;              // from Genesis
  std::vector<Member> members;  // from Genesis: inviter first
  Bytes transcript_hash;
  bool joined = false;  // Joined seen
  bool closed = false;  // Leave seen
  uint64_t leave_seq = 0;
  uint32_t epoch = 0;  // latest rotated-to epoch
  std::vector<FoldedEntry> entries;
  std::map<uint64_t, Commitment> commitments;
  std::map<uint64_t, TriggerRecord> triggers;
  std::map<uint64_t, QuestionRecord> questions;
  std::map<Bytes, SpaceRecord> space;  // latest request by author (may be ended)
  // Sealed reflections by prompt id, then by author.
  std::map<std::string, std::map<Bytes, SealedRecord>> sealed;
  // Disclosure preferences by author, then topic (latest wins).
  std::map<Bytes, std::map<std::string, mend::v1::DisclosureMode>> disclosure_prefs;
  FoldCursor cursor;  // FoldMore continues from here

  // The sealed reflection written at `seq`, or nullptr.
  const SealedRecord* SealedAt(uint64_t seq) const;
  // The revealed text of `answer` as `viewer` may see it: their own always; the
  // partner's only once the viewer's own answer to the same prompt is revealed
  // on the log (so no client, not `watch` nor `--offline`, shows the partner's
  // answer while the viewer can still withhold theirs). nullopt otherwise.
  std::optional<std::string> RevealedFor(const SealedRecord& answer, const Bytes& viewer) const;
  // The author's preference for `topic`, or UNSPECIFIED.
  mend::v1::DisclosureMode PreferenceOf(const Bytes& author, const std::string& topic) const;

  const Member* FindMember(const Bytes& sign_pk) const;
  // The other member, or nullptr before Genesis.
  const Member* Partner(const Bytes& me) const;
  std::string NameOf(const Bytes& sign_pk) const;
  // The author's space request if active on `today` (YYYY-MM-DD, local).
  const SpaceRecord* ActiveSpace(const Bytes& author, const std::string& today) const;
};

// How far an author's clock may be off before the fold flags an entry.
inline constexpr int64_t kClockSkewMs = 10 * 60 * 1000;

// What the reader knows of time: when this device first saw each entry, and
// its clock now (0: no check against it).
struct FoldClock {
  const std::map<uint64_t, int64_t>* first_seen = nullptr;  // seq -> unix ms
  int64_t now_unix_ms = 0;
};

// REQUIRES: `entries` verified by crypto::VerifyChain, in seq order, and
// outliving the returned state.
CoupleState Fold(const std::vector<crypto::OpenedEntry>& entries, const FoldClock& clock = {});

// Extends `state` by `more`, the entries that follow those folded into it: the
// state Fold gives for the whole history, at the cost of the new entries only
// (a session folds each entry it adopts once). REQUIRES: as Fold, and `more`
// continues the chain `state` was folded from.
void FoldMore(CoupleState& state, std::span<const crypto::OpenedEntry> more,
              const FoldClock& clock);

// Whether `author` may write `payload` on top of `state` (rules only; space
// requests are a courtesy check in the CLI, not a rule). `seq` is the new
// entry's position.
absl::Status CheckRules(const CoupleState& state, const Bytes& author, uint64_t seq,
                        const mend::v1::Payload& payload, uint32_t key_epoch);

// The payload kind as a short lowercase name ("checkin", "trigger", ...).
std::string KindName(const mend::v1::Payload& payload);
// Parses a kind name; nullopt when unknown.
std::optional<mend::v1::Payload::KindCase> ParseKindName(const std::string& name);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_FOLD_H_
