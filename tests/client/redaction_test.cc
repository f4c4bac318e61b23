// Exports redact what they say. Every string and bytes field of every payload
// kind (walked from payload.proto's descriptors, so a new kind or field is
// covered the day it is added) has a rule in the redaction table; a history
// with a unique marker in every field is exported in md, json and html under
// each --redact word, and no marker of a redacted field may survive. Sealed
// ciphertexts and reveal keys never appear at all.
#include "client/views/redaction.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "absl/strings/escaping.h"
#include "client/state/fold.h"
#include "client/views/report.h"
#include "crypto/sealed_reflection.h"
#include "tests/client/synthetic_log.h"

namespace mend::client {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Calls `visit` with every string or bytes field reachable from `d`.
void EachTextField(const Descriptor* d, const std::function<void(const FieldDescriptor*)>& visit) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      EachTextField(f->message_type(), visit);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      visit(f);
    }
  }
}

TEST(Redaction, EveryTextFieldOfEveryKindHasARule) {
  std::vector<std::string> missing;
  EachTextField(mend::v1::Payload::descriptor(), [&](const FieldDescriptor* f) {
    if (!RuleFor(f->full_name())) missing.push_back(f->full_name());
  });
  EXPECT_TRUE(missing.empty()) << "add these fields to client/views/redaction.cc: "
                               << ::testing::PrintToString(missing);
  for (const char* word :
       {"notes", "letters", "questions", "answers", "disclosures", "triggers", "reflections"}) {
    EXPECT_TRUE(RedactionWords().count(word)) << word;
  }
}

// What an export may always show: names, dates, public keys and hashes,
// prompts, and the commitment titles the summary is made of. Anything a
// partner writes beyond these must be redactable or never exported.
TEST(Redaction, OnlyNamesDatesPromptsAndCommitmentTitlesAreAlwaysShown) {
  const std::set<std::string> kMayKeep = {"mend.v1.MemberKeys.sign_pk",
                                          "mend.v1.MemberKeys.box_pk",
                                          "mend.v1.MemberKeys.display_name",
                                          "mend.v1.Genesis.couple_id",
                                          "mend.v1.Genesis.transcript_hash",
                                          "mend.v1.Joined.transcript_hash",
                                          "mend.v1.Genesis.key_id",
                                          "mend.v1.KeyRotation.key_id",
                                          "mend.v1.Profile.display_name",
                                          "mend.v1.CommitmentProposal.title",
                                          "mend.v1.CommitmentProposal.review_date",
                                          "mend.v1.SpaceRequest.until",
                                          "mend.v1.SealedReflection.prompt_id",
                                          "mend.v1.SealedReflection.prompt_text",
                                          "mend.v1.DisclosurePref.topic",
                                          "mend.v1.TalkNotes.week"};
  EachTextField(mend::v1::Payload::descriptor(), [&](const FieldDescriptor* f) {
    auto rule = RuleFor(f->full_name());
    if (!rule || kMayKeep.count(f->full_name())) return;
    EXPECT_NE(rule->kind, FieldRule::kKept)
        << f->full_name() << " is free text and must be redactable";
  });
  // The words the reproductions named.
  EXPECT_STREQ(RuleFor("mend.v1.TalkNotes.follow_ups")->word, "notes");
  EXPECT_STREQ(RuleFor("mend.v1.Letter.subject")->word, "letters");
  EXPECT_EQ(RuleFor("mend.v1.SealedReflection.sealed_ct")->kind, FieldRule::kNever);
  EXPECT_EQ(RuleFor("mend.v1.Reveal.key")->kind, FieldRule::kNever);
}

// A marker that no escaping changes: letters and digits only.
std::string Marker(const FieldDescriptor* f) {
  std::string m = "MARK" + std::to_string(f->containing_type()->index()) + "X" +
                  std::to_string(f->index()) + "Q";
  return m;
}

// Fills every string field below `m` with its marker (bytes fields keep
// whatever the caller set: they carry keys and ciphertexts).
void FillMarkers(Message* m, std::map<std::string, const FieldDescriptor*>* markers) {
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr) continue;  // the caller picks the kind
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      FillMarkers(f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f), markers);
    } else if (f->type() == FieldDescriptor::TYPE_STRING) {
      (*markers)[Marker(f)] = f;
      if (f->is_repeated())
        r->AddString(m, f, Marker(f));
      else
        r->SetString(m, f, Marker(f));
    }
  }
}

class RedactionExportTest : public ::testing::Test {
 protected:
  RedactionExportTest() {
    setenv("TZ", "UTC", 1);
    tzset();
    // A real sealed exchange, revealed by both, so that opened text exists
    // (first: the Leave among the kinds below closes the log).
    for (const auto* who : {&kAlex, &kSam}) {
      const crypto::SecretBytes& key = *who == kAlex ? ka_ : ks_;
      mend::v1::Payload s;
      s.mutable_sealed_reflection()->set_prompt_id("hardest");
      s.mutable_sealed_reflection()->set_sealed_ct(
          crypto::SealReflectionText(key, {kSyntheticCouple, *who, "hardest"}, "MARKREVEALEDQ"));
      s.mutable_sealed_reflection()->set_key_commitment(crypto::SealedKeyCommitment(key.view()));
      secrets_.push_back(s.sealed_reflection().sealed_ct());
      sealed_seq_[*who] = Add(*who, s);
    }
    for (const auto* who : {&kAlex, &kSam}) {
      const crypto::SecretBytes& key = *who == kAlex ? ka_ : ks_;
      mend::v1::Payload r;
      r.mutable_reveal()->set_sealed_seq(sealed_seq_[*who]);
      r.mutable_reveal()->set_key(std::string(key.view()));
      secrets_.push_back(r.reveal().key());
      Add(*who, r);
    }
    // Every kind, every string field a marker.
    const auto* kinds = mend::v1::Payload::descriptor()->FindOneofByName("kind");
    for (int i = 0; i < kinds->field_count(); ++i) {
      mend::v1::Payload p;
      FillMarkers(p.GetReflection()->MutableMessage(&p, kinds->field(i)), &markers_);
      Add(i % 2 ? kSam : kAlex, p);
    }
    couple_ = Fold(log_.entries);
  }
  uint64_t Add(const std::string& author, const mend::v1::Payload& p) {
    return log_.Add(author, p, 1772445600000 + 60000 * static_cast<int64_t>(log_.entries.size()));
  }
  std::string Export(const std::string& format, const std::set<std::string>& redact) {
    ReportContext ctx;
    ctx.couple = &couple_;
    ctx.me = kAlex;
    ReportOptions options;
    options.since = "2026-01-01";
    options.until = "2026-12-31";
    options.redact = redact;
    options.now_unix_ms = 1772445600000 + 86400000;
    Report report = BuildReport(ctx, options);
    return format == "md"     ? RenderMarkdown(report)
           : format == "json" ? RenderJson(report)
                              : RenderHtml(report);
  }

  SyntheticLog log_{1772445600000};
  CoupleState couple_;
  std::map<std::string, const FieldDescriptor*> markers_;
  std::map<std::string, uint64_t> sealed_seq_;
  std::vector<std::string> secrets_;  // sealed ciphertexts and reveal keys
  crypto::SecretBytes ka_ = crypto::SecretBytes::Random(32), ks_ = crypto::SecretBytes::Random(32);
};

TEST_F(RedactionExportTest, NoTextOfARedactedCategorySurvivesInAnyFormat) {
  ASSERT_TRUE(couple_.sealed.at("hardest").at(kAlex).reveal_seq != 0)
      << "the test's reveal must be valid";
  for (const std::string format : {"md", "json", "html"}) {
    // Unredacted, every marker of a redactable field is there: the check below can fail.
    const std::string plain = Export(format, {});
    for (const auto& [marker, field] : markers_) {
      if (RuleFor(field->full_name())->kind == FieldRule::kByWord && format == "json") {
        EXPECT_NE(plain.find(marker), std::string::npos)
            << format << " lacks " << field->full_name();
      }
    }
    EXPECT_NE(plain.find("MARKREVEALEDQ"), std::string::npos)
        << format << " does not show the opened reflection";
    for (const std::string& word : RedactionWords()) {
      const std::string out = Export(format, {word});
      for (const auto& [marker, field] : markers_) {
        const auto rule = RuleFor(field->full_name());
        if (rule->kind == FieldRule::kByWord && rule->word == word) {
          EXPECT_EQ(out.find(marker), std::string::npos)
              << format << " --redact " << word << " still shows " << field->full_name();
        }
      }
      if (word == "reflections") {
        EXPECT_EQ(out.find("MARKREVEALEDQ"), std::string::npos)
            << format << " --redact reflections";
      }
    }
  }
}

TEST_F(RedactionExportTest, SealedCiphertextsAndRevealKeysNeverAppear) {
  for (const std::string format : {"md", "json", "html"}) {
    const std::string out = Export(format, {});
    for (const std::string& secret : secrets_) {
      EXPECT_EQ(out.find(absl::Base64Escape(secret)), std::string::npos) << format;
      EXPECT_EQ(out.find(secret), std::string::npos) << format;
    }
  }
}

}  // namespace
}  // namespace mend::client
