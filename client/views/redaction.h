// Which words of an export's --redact hide which fields of a payload: one
// table for every field of every kind, so that the Markdown, HTML and JSON
// reports redact the same things, and a test can check that no field of a
// new kind is forgotten (tests/client/redaction_test.cc walks payload.proto).
#ifndef MEND_CLIENT_VIEWS_REDACTION_H_
#define MEND_CLIENT_VIEWS_REDACTION_H_

#include <optional>
#include <set>
#include <string>

#include "mend/v1/payload.pb.h"

namespace mend::client {

inline constexpr char kRedacted[] = "[redacted]";

// The --redact words.
const std::set<std::string>& RedactionWords();

// What happens to one string or bytes field (by its full protobuf name,
// "mend.v1.CheckIn.note") in an export:
//   kKept:   shown (dates, titles the summary needs, names, public keys);
//   kNever:  never exported (sealed ciphertexts, reveal keys);
//   kByWord: replaced by "[redacted]" when `word` is among --redact.
struct FieldRule {
  enum Kind { kKept, kNever, kByWord } kind;
  const char* word = nullptr;
};
// nullopt for a field the table does not know (the export then leaves it
// out, and the test fails).
std::optional<FieldRule> RuleFor(const std::string& full_field_name);

// `payload` as an export may show it: kNever fields cleared, fields of the
// requested words replaced by "[redacted]", unknown fields cleared.
mend::v1::Payload RedactPayload(const mend::v1::Payload& payload,
                                const std::set<std::string>& redact);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_REDACTION_H_
