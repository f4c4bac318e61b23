// Entry kinds as one table: one record per case of Payload.kind, with its
// name, its payload rules, what it changes in the folded state and how it
// stands toward a partner's request for space. Each family of kinds is one
// file in this folder (membership, check_ins, commitments,
// triggers_and_acknowledgements, questions_and_answers, letters,
// disclosures_and_preferences, space, reflections, talk_notes);
// tests/client/kinds_test.cc walks the proto's oneof and fails for a case
// without a complete record.
//
// A new kind is: its message in payload.proto, its rules in PROTOCOL.md, its
// record in its family's file here, and its command in client/cli/.
#ifndef MEND_CLIENT_STATE_KINDS_KIND_H_
#define MEND_CLIENT_STATE_KINDS_KIND_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/entry_codec.h"
#include "mend/v1/payload.pb.h"

namespace mend::client {

struct CoupleState;
using Bytes = std::string;

// How a kind stands toward a partner's active request for space (PROTOCOL.md
// "Space"). A courtesy the CLI applies before writing (`--despite-space`
// overrides it), not a rule of the log.
enum class DuringSpace {
  kAlways,  // keeps the log working or closes something: rotation, leave, a reveal, a kept/slipped
            // report
  kUnlessNoContact,    // a reply the partner may be waiting for: an acknowledgement, an answer, a
                       // disclosure
  kIfCheckInsWelcome,  // a check-in
  kNever,              // a new ask of the partner: a trigger, a question, a letter, a proposal
};

// Whether a kind with `policy` may be written while the partner asked for
// space with `contact`.
bool WelcomeDuringSpace(DuringSpace policy, mend::v1::Contact contact);

struct KindRecord {
  mend::v1::Payload::KindCase kind;
  // The word for the kind in the CLI (`--kind`), log lines and exports.
  std::string_view name;
  // The kind's own payload rules, checked after those every entry shares
  // (CheckRules in fold.h). FAILED_PRECONDITION for an entry that does not
  // fit the log ("entry 7 is not a trigger"), INVALID_ARGUMENT for one that
  // is malformed in itself.
  absl::Status (*check)(const CoupleState& state, const Bytes& author,
                        const mend::v1::Payload& payload, uint32_t key_epoch);
  // What a valid entry of this kind changes in the state; `at` is its folded
  // time (FoldedEntry::unix_ms). NoStateChange for kinds that only add to
  // the timeline.
  void (*apply)(CoupleState& state, const crypto::OpenedEntry& entry, int64_t at);
  DuringSpace during_space;
};

void NoStateChange(CoupleState& state, const crypto::OpenedEntry& entry, int64_t at);

// Every record, in the order of the oneof's field numbers.
const std::vector<KindRecord>& AllKinds();
// The record of `kind`, or nullptr (KIND_NOT_SET, or a case the table lacks,
// which kinds_test.cc rules out).
const KindRecord* FindKind(mend::v1::Payload::KindCase kind);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_KINDS_KIND_H_
