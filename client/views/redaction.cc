#include "client/views/redaction.h"

#include <map>

namespace mend::client {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const std::map<std::string, FieldRule>& Table() {
  static const auto* table = new std::map<std::string, FieldRule>{
      {"mend.v1.MemberKeys.sign_pk", {FieldRule::kKept}},
      {"mend.v1.MemberKeys.box_pk", {FieldRule::kKept}},
      {"mend.v1.MemberKeys.display_name", {FieldRule::kKept}},
      {"mend.v1.Genesis.couple_id", {FieldRule::kKept}},
      {"mend.v1.Genesis.transcript_hash", {FieldRule::kKept}},
      {"mend.v1.Joined.transcript_hash", {FieldRule::kKept}},
      {"mend.v1.Profile.display_name", {FieldRule::kKept}},
      {"mend.v1.CheckIn.other_feelings", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CheckIn.needs", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CheckIn.gratitude", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CheckIn.note", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CommitmentProposal.title",
       {FieldRule::kKept}},  // the summary's commitments table names them
      {"mend.v1.CommitmentProposal.detail", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CommitmentProposal.review_date", {FieldRule::kKept}},
      {"mend.v1.CommitmentResponse.note", {FieldRule::kByWord, "notes"}},
      {"mend.v1.CommitmentOutcome.note", {FieldRule::kByWord, "notes"}},
      {"mend.v1.Trigger.what_happened", {FieldRule::kByWord, "triggers"}},
      {"mend.v1.Trigger.note", {FieldRule::kByWord, "notes"}},
      {"mend.v1.Acknowledgement.message", {FieldRule::kByWord, "notes"}},
      {"mend.v1.Question.text", {FieldRule::kByWord, "questions"}},
      {"mend.v1.Question.topic", {FieldRule::kByWord, "questions"}},
      {"mend.v1.Answer.text", {FieldRule::kByWord, "answers"}},
      {"mend.v1.Letter.subject", {FieldRule::kByWord, "letters"}},
      {"mend.v1.Letter.body", {FieldRule::kByWord, "letters"}},
      {"mend.v1.Disclosure.text", {FieldRule::kByWord, "disclosures"}},
      {"mend.v1.Disclosure.topic", {FieldRule::kByWord, "disclosures"}},
      {"mend.v1.SpaceRequest.until", {FieldRule::kKept}},
      {"mend.v1.SpaceRequest.note", {FieldRule::kByWord, "notes"}},
      {"mend.v1.Leave.reason", {FieldRule::kByWord, "notes"}},
      {"mend.v1.SealedReflection.prompt_id", {FieldRule::kKept}},
      {"mend.v1.SealedReflection.prompt_text", {FieldRule::kKept}},
      // The ciphertext and the key that opens it would let anyone with the
      // report read the answer whatever --redact said: the report shows the
      // opened text instead, under "reflections".
      {"mend.v1.SealedReflection.sealed_ct", {FieldRule::kNever}},
      {"mend.v1.Reveal.key", {FieldRule::kNever}},
      {"mend.v1.SealedReflection.key_commitment", {FieldRule::kNever}},
      {"mend.v1.Genesis.key_id", {FieldRule::kKept}},
      {"mend.v1.KeyRotation.key_id", {FieldRule::kKept}},
      {"mend.v1.DisclosurePref.topic", {FieldRule::kKept}},
      {"mend.v1.TalkNotes.week", {FieldRule::kKept}},
      {"mend.v1.TalkNotes.agreed", {FieldRule::kByWord, "notes"}},
      {"mend.v1.TalkNotes.follow_ups", {FieldRule::kByWord, "notes"}},
  };
  return *table;
}

void Redact(Message* message, const std::set<std::string>& redact) {
  const auto* descriptor = message->GetDescriptor();
  const auto* reflection = message->GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int k = 0; k < reflection->FieldSize(*message, field); ++k) {
          Redact(reflection->MutableRepeatedMessage(message, field, k), redact);
        }
      } else if (reflection->HasField(*message, field)) {  // only the set kind of a oneof
        Redact(reflection->MutableMessage(message, field), redact);
      }
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
    const auto rule = RuleFor(field->full_name());
    if (!rule || rule->kind == FieldRule::kNever) {
      reflection->ClearField(message, field);
      continue;
    }
    if (rule->kind == FieldRule::kKept || !redact.count(rule->word)) continue;
    if (field->is_repeated()) {
      for (int k = 0; k < reflection->FieldSize(*message, field); ++k) {
        reflection->SetRepeatedString(message, field, k, kRedacted);
      }
    } else if (!reflection->GetString(*message, field).empty()) {
      reflection->SetString(message, field, kRedacted);
    }
  }
}

}  // namespace

const std::set<std::string>& RedactionWords() {
  static const auto* words = new std::set<std::string>{
      "notes", "letters", "questions", "answers", "disclosures", "triggers", "reflections"};
  return *words;
}

std::optional<FieldRule> RuleFor(const std::string& full_field_name) {
  auto it = Table().find(full_field_name);
  if (it == Table().end()) return std::nullopt;
  return it->second;
}

mend::v1::Payload RedactPayload(const mend::v1::Payload& payload,
                                const std::set<std::string>& redact) {
  mend::v1::Payload out = payload;
  Redact(&out, redact);
  return out;
}

}  // namespace mend::client
