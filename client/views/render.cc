#include "client/views/render.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <ctime>

#include "client/state/calendar.h"
#include "client/views/text_safety.h"
#include "client/views/vocabulary.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

std::string Short(const std::string& text, size_t max = 60) {
  std::string one = text;
  for (char& c : one) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (one.size() <= max) return one;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(one[cut]) & 0xC0) == 0x80)
    --cut;  // keep UTF-8 whole
  return one.substr(0, cut) + "…";
}

// A partner's client may write any number: an unknown one is shown as such.
std::string FeelingName(int f) {
  return CliWordOf(FeelingWords(), static_cast<mend::v1::Feeling>(f), "unknown feeling");
}

std::string Summary(const CoupleState& couple, const mend::v1::Payload& p) {
  using P = mend::v1::Payload;
  switch (p.kind_case()) {
    case P::kGenesis:
      return fmt::format("paired: {} and {}", p.genesis().inviter().display_name(),
                         p.genesis().joiner().display_name());
    case P::kJoined:
      return "joined and confirmed the pairing";
    case P::kProfile:
      return "now called " + p.profile().display_name();
    case P::kCheckIn: {
      std::string s = fmt::format("mood {}/10", p.check_in().mood());
      for (int f : p.check_in().feelings()) s += ", " + FeelingName(f);
      for (const auto& f : p.check_in().other_feelings()) s += ", " + Short(f);
      if (!p.check_in().note().empty()) s += ": " + Short(p.check_in().note());
      return s;
    }
    case P::kCommitmentProposal: {
      const auto& c = p.commitment_proposal();
      if (c.type() == mend::v1::PROPOSAL_TYPE_RETIRE)
        return fmt::format("proposes retiring #{}", c.target_seq());
      return fmt::format("{}\"{}\"",
                         c.type() == mend::v1::PROPOSAL_TYPE_AMEND
                             ? fmt::format("proposes amending #{}: ", c.target_seq())
                             : "proposes ",
                         Short(c.title()));
    }
    case P::kCommitmentResponse: {
      const auto& r = p.commitment_response();
      return fmt::format("{} #{}{}", PhraseOf(DecisionWords(), r.decision(), "asks for changes to"),
                         r.proposal_seq(), r.note().empty() ? "" : ": " + Short(r.note()));
    }
    case P::kCommitmentOutcome: {
      const auto& r = p.commitment_outcome();
      auto it = couple.commitments.find(r.commitment_seq());
      std::string title = it == couple.commitments.end()
                              ? ""
                              : " \"" + Short(it->second.proposal.title(), 30) + "\"";
      return fmt::format("{} #{}{}{}", PhraseOf(OutcomeWords(), r.outcome(), "slipped on"),
                         r.commitment_seq(), title, r.note().empty() ? "" : ": " + Short(r.note()));
    }
    case P::kTrigger:
      return fmt::format("intensity {}/10: {}", p.trigger().intensity(),
                         Short(p.trigger().what_happened()));
    case P::kAcknowledgement:
      return fmt::format("acknowledges #{}: {}", p.acknowledgement().trigger_seq(),
                         Short(p.acknowledgement().message()));
    case P::kQuestion:
      return Short(p.question().text());
    case P::kAnswer:
      return fmt::format("answers #{}: {}", p.answer().question_seq(), Short(p.answer().text()));
    case P::kLetter:
      return fmt::format("\"{}\" ({} bytes)",
                         Short(p.letter().subject().empty() ? "untitled" : p.letter().subject()),
                         p.letter().body().size());
    case P::kDisclosure:
      return Short(p.disclosure().text());
    case P::kSpaceRequest:
      if (p.space_request().end()) return "ends the request for space";
      return fmt::format(
          "asks for space until {} ({}){}", p.space_request().until(),
          PhraseOf(ContactWords(), p.space_request().contact(), "contact unspecified"),
          p.space_request().note().empty() ? "" : ": " + Short(p.space_request().note()));
    case P::kKeyRotation:
      return fmt::format("rotated the couple key to epoch {}", p.key_rotation().new_epoch());
    case P::kLeave:
      return "left" +
             (p.leave().reason().empty() ? std::string() : ": " + Short(p.leave().reason()));
    case P::kSealedReflection:
      return fmt::format("sealed an answer to \"{}\"", p.sealed_reflection().prompt_id());
    case P::kReveal:
      return fmt::format("revealed sealed reflection #{}", p.reveal().sealed_seq());
    case P::kDisclosurePrefs:
      return "updated disclosure preferences";
    case P::kTalkNotes:
      return "weekly talk notes for " + p.talk_notes().week();
    case P::KIND_NOT_SET:
      break;
  }
  return "";
}

}  // namespace

std::string WhenText(const FoldedEntry& f) {
  if (f.written_unix_ms != 0 && f.first_seen_unix_ms != 0 &&
      std::abs(f.first_seen_unix_ms - f.written_unix_ms) > kTimeNoteMs) {
    return fmt::format("written {} / first seen {}", LocalDateTime(f.written_unix_ms),
                       LocalDateTime(f.first_seen_unix_ms));
  }
  return LocalDateTime(f.unix_ms);
}

std::string EntryLine(const CoupleState& couple, const FoldedEntry& f) {
  const auto& e = *f.entry;
  // The verdict comes before anything the author wrote, where their text
  // cannot imitate or push it out of sight (and the terminal filter keeps
  // their text from moving the cursor back over it).
  std::string line = fmt::format("#{:<4} {}{}{}  {:<10} {:<10} {}", e.header.seq(),
                                 f.valid ? "" : "[INVALID: " + f.invalid_reason + "] ",
                                 f.time_warning.empty() ? "" : "[TIME: " + f.time_warning + "] ",
                                 WhenText(f), couple.NameOf(e.header.author()), KindName(e.payload),
                                 Summary(couple, e.payload));
  // One entry, one line: whatever a partner wrote (a display name, a word of
  // their own, a prompt id quoted in a verdict) cannot start a line that
  // looks like another entry. Short() already makes most fields one line;
  // this is the guarantee for all of them.
  return EscapeControls(line, /*keep_newlines=*/false);
}

std::string EntryDetail(const CoupleState& couple, const FoldedEntry& f) {
  const auto& e = *f.entry;
  std::string out = fmt::format("entry #{} ({}) by {} at {}\n", e.header.seq(), KindName(e.payload),
                                couple.NameOf(e.header.author()), WhenText(f));
  if (!f.valid) out += "INVALID: " + f.invalid_reason + "\n";
  if (!f.time_warning.empty()) out += "TIME: " + f.time_warning + "\n";
  std::string body;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(e.payload, &body, opts);
  // The printer ends its text with a newline; the caller ends the line.
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return out + body;
}

nlohmann::json EntryJson(const CoupleState& couple, const FoldedEntry& f, const std::string& me) {
  const auto& e = *f.entry;
  std::string payload;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_enums_as_ints = false;
  (void)google::protobuf::util::MessageToJsonString(e.payload, &payload, opts);
  nlohmann::json j = {
      {"seq", e.header.seq()},
      {"created", LocalDateTime(f.unix_ms)},
      {"created_unix_ms", f.unix_ms},
      {"written_unix_ms", f.written_unix_ms},
      {"first_seen_unix_ms", f.first_seen_unix_ms},
      {"time_warning", f.time_warning},
      {"author", e.header.author() == me ? "me" : "partner"},
      {"author_name", couple.NameOf(e.header.author())},
      {"kind", KindName(e.payload)},
      {"valid", f.valid},
      {"payload", nlohmann::json::parse(payload, nullptr, false)},
  };
  if (!f.valid) j["invalid_reason"] = f.invalid_reason;
  return j;
}

}  // namespace mend::client
