#include "client/views/report.h"

#include <algorithm>
#include <ctime>

#include "base/hex.h"
#include "client/state/calendar.h"
#include "client/views/redaction.h"
#include "client/views/render.h"
#include "client/views/vocabulary.h"
#include "crypto/bytes.h"
#include "crypto/safety_number.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

using mend::v1::Payload;

std::string Feelings(const google::protobuf::RepeatedField<int>& feelings,
                     const google::protobuf::RepeatedPtrField<std::string>* other = nullptr) {
  std::string out;
  for (int f : feelings) {
    out += (out.empty() ? "" : ", ") +
           PhraseOf(FeelingWords(), static_cast<mend::v1::Feeling>(f), "unknown feeling");
  }
  if (other) {
    for (const auto& w : *other) out += (out.empty() ? "" : ", ") + w;
  }
  return out;
}

// Title and body of an entry. `p` is already redacted (RedactPayload); the
// only text not in the payload, an opened reflection, is redacted here.
// `viewer` is the exporting member: a partner's revealed reflection shows only
// once the viewer's own is revealed too (CoupleState::RevealedFor).
void Describe(const CoupleState& couple, const Bytes& viewer, const Payload& p,
              const std::set<std::string>& redact, TimelineItem* item) {
  switch (p.kind_case()) {
    case Payload::kCheckIn: {
      const auto& c = p.check_in();
      item->title = fmt::format("Check-in: mood {}/10", c.mood());
      std::string feelings = Feelings(c.feelings(), &c.other_feelings());
      if (!feelings.empty()) item->body += "Feelings: " + feelings + "\n";
      if (!c.needs().empty()) item->body += "Needs: " + c.needs() + "\n";
      if (!c.gratitude().empty()) item->body += "Grateful for: " + c.gratitude() + "\n";
      if (!c.note().empty()) item->body += "Note: " + c.note() + "\n";
      break;
    }
    case Payload::kTrigger: {
      const auto& t = p.trigger();
      item->title = fmt::format("Trigger, intensity {}/10", t.intensity());
      item->body += "What happened: " + t.what_happened() + "\n";
      std::string feelings = Feelings(t.feelings());
      if (!feelings.empty()) item->body += "Feelings: " + feelings + "\n";
      std::string help;
      for (int h : t.would_help())
        help += (help.empty() ? "" : ", ") +
                PhraseOf(HelpWords(), static_cast<mend::v1::Help>(h), "other");
      if (!help.empty()) item->body += "What would help: " + help + "\n";
      if (!t.note().empty()) item->body += "Note: " + t.note() + "\n";
      break;
    }
    case Payload::kAcknowledgement:
      item->title = fmt::format("Acknowledged trigger #{}", p.acknowledgement().trigger_seq());
      item->body = p.acknowledgement().message();
      break;
    case Payload::kQuestion:
      item->title = "Question";
      item->body = p.question().text();
      break;
    case Payload::kAnswer:
      item->title = fmt::format("Answer to #{}", p.answer().question_seq());
      item->body = p.answer().text();
      break;
    case Payload::kLetter:
      item->title = "Letter: " + (p.letter().subject().empty() ? std::string("(no subject)")
                                                               : p.letter().subject());
      item->body = p.letter().body();
      break;
    case Payload::kDisclosure:
      item->title = "Disclosure";
      item->body = p.disclosure().text();
      break;
    case Payload::kCommitmentProposal: {
      const auto& c = p.commitment_proposal();
      if (c.type() == mend::v1::PROPOSAL_TYPE_RETIRE) {
        item->title = fmt::format("Proposes retiring commitment #{}", c.target_seq());
      } else {
        item->title = (c.type() == mend::v1::PROPOSAL_TYPE_AMEND
                           ? fmt::format("Proposes amending #{}: ", c.target_seq())
                           : std::string("Proposes: ")) +
                      c.title();
      }
      item->body = c.detail();
      if (!c.review_date().empty())
        item->body +=
            (item->body.empty() ? "" : "\n") + std::string("Review on ") + c.review_date();
      break;
    }
    case Payload::kCommitmentResponse: {
      const auto& c = p.commitment_response();
      item->title =
          fmt::format("{} proposal #{}",
                      Capitalized(PhraseOf(DecisionWords(), c.decision(), "asks for changes to")),
                      c.proposal_seq());
      item->body = c.note();
      break;
    }
    case Payload::kCommitmentOutcome: {
      const auto& c = p.commitment_outcome();
      auto it = couple.commitments.find(c.commitment_seq());
      item->title = fmt::format(
          "{} commitment #{}{}", Capitalized(PhraseOf(OutcomeWords(), c.outcome(), "slipped on")),
          c.commitment_seq(),
          it == couple.commitments.end() ? "" : " (" + it->second.proposal.title() + ")");
      item->body = c.note();
      break;
    }
    case Payload::kSpaceRequest: {
      const auto& s = p.space_request();
      item->title = s.end() ? "Ends the request for space" : "Asks for space until " + s.until();
      item->body = s.note();
      break;
    }
    case Payload::kTalkNotes:
      item->title = "Weekly talk notes, week of " + p.talk_notes().week();
      item->body = p.talk_notes().agreed();
      for (const auto& f : p.talk_notes().follow_ups()) item->body += "\n- " + f;
      break;
    case Payload::kGenesis:
      item->title = fmt::format("Paired: {} and {}", p.genesis().inviter().display_name(),
                                p.genesis().joiner().display_name());
      break;
    case Payload::kJoined:
      item->title = "Confirmed the pairing";
      break;
    case Payload::kKeyRotation:
      item->title = fmt::format("Rotated the couple key (epoch {})", p.key_rotation().new_epoch());
      break;
    case Payload::kSealedReflection:
      item->title = fmt::format("Sealed an answer to \"{}\"", p.sealed_reflection().prompt_id());
      if (!p.sealed_reflection().prompt_text().empty())
        item->body = "Prompt: " + p.sealed_reflection().prompt_text();
      break;
    case Payload::kReveal: {
      const SealedRecord* sealed = nullptr;
      for (const auto& [prompt, by_author] : couple.sealed) {
        for (const auto& [author, rec] : by_author) {
          if (rec.seq == p.reveal().sealed_seq()) sealed = &rec;
        }
      }
      if (sealed == nullptr || sealed->reveal_seq == 0) {
        item->title = fmt::format("Reveal of #{} (not valid)", p.reveal().sealed_seq());
        break;
      }
      item->title = fmt::format("Revealed the answer to \"{}\"", sealed->prompt_id);
      std::optional<std::string> text = couple.RevealedFor(*sealed, viewer);
      item->body = redact.count("reflections") ? kRedacted
                   : text                      ? *text
                          : std::string("(not shown until your own answer is revealed)");
      break;
    }
    case Payload::kLeave:
      item->title = "Left; the log is closed";
      item->body = p.leave().reason();
      break;
    case Payload::kProfile:
      item->title = "Display name changed to " + p.profile().display_name();
      break;
    case Payload::kDisclosurePrefs:
      item->title = "Disclosure preferences updated";
      break;
    // No default: a new kind must say here how the report shows it (-Wswitch).
    case Payload::KIND_NOT_SET:
      item->title = KindName(p);
      break;
  }
  while (!item->body.empty() && item->body.back() == '\n') item->body.pop_back();
}

}  // namespace

absl::StatusOr<std::string> PeriodStart(const std::string& last, const std::string& today) {
  if (last.size() < 2)
    return absl::InvalidArgumentError("--last takes a number and a unit, like 2w, 10d or 3m");
  char unit = last.back();
  int n = 0;
  try {
    n = std::stoi(last.substr(0, last.size() - 1));
  } catch (...) {
    return absl::InvalidArgumentError("--last takes a number and a unit, like 2w, 10d or 3m");
  }
  if (n <= 0 || n > 3650)
    return absl::InvalidArgumentError("--last must be between 1 day and 10 years");
  int days = unit == 'd' ? n : unit == 'w' ? 7 * n : unit == 'm' ? 30 * n : -1;
  if (days < 0) return absl::InvalidArgumentError("--last unit must be d, w or m");
  return AddDays(today, -days + 1);
}

Report BuildReport(const ReportContext& ctx, const ReportOptions& options) {
  const CoupleState& c = *ctx.couple;
  Report rep;
  rep.options = options;
  rep.generated_at = LocalDateTime(options.now_unix_ms);
  rep.safety_number = ctx.safety_number;
  rep.safety_confirmed = ctx.safety_confirmed;
  rep.head_seq = ctx.head_seq;
  rep.head_hash_hex = base::ToHex(ctx.head_hash);
  rep.chain_code = crypto::ChainCode(ctx.head_seq, ctx.head_hash);
  rep.exported_by = c.NameOf(ctx.me);

  std::vector<const Member*> order;
  if (const Member* me = c.FindMember(ctx.me)) order.push_back(me);
  if (const Member* partner = c.Partner(ctx.me)) order.push_back(partner);
  for (const Member* m : order) {
    PartnerSummary s;
    s.name = m->name;
    s.is_me = m->sign_pk == ctx.me;
    rep.partners.push_back(s);
  }
  auto partner_index = [&](const std::string& pk) -> int {
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i]->sign_pk == pk) return static_cast<int>(i);
    }
    return -1;
  };
  auto in_period = [&](int64_t unix_ms) {
    std::string d = LocalDate(unix_ms);
    return d >= options.since && d <= options.until;
  };

  std::map<std::string, std::pair<int, int>> weeks;  // week -> count, intensity sum
  std::vector<double> ack_minutes;
  int intensity_sum = 0;
  for (const FoldedEntry& f : c.entries) {
    const auto& e = *f.entry;
    const int64_t at = f.unix_ms;
    if (!in_period(at) || !f.valid) continue;
    int who = partner_index(e.header.author());
    const Payload& p = e.payload;
    if (p.has_check_in() && who >= 0) {
      auto& s = rep.partners[static_cast<size_t>(who)];
      ++s.checkins;
      s.moods.push_back({LocalDate(at), at, p.check_in().mood()});
    }
    if (p.has_trigger()) {
      ++rep.triggers;
      if (who >= 0) ++rep.partners[static_cast<size_t>(who)].triggers_logged;
      intensity_sum += static_cast<int>(p.trigger().intensity());
      auto& w = weeks[WeekOf(LocalDate(at))];
      ++w.first;
      w.second += static_cast<int>(p.trigger().intensity());
      const TriggerRecord& t = c.triggers.at(e.header.seq());
      if (t.ack_seq != 0)
        ack_minutes.push_back(static_cast<double>(t.ack_unix_ms - t.created_unix_ms) / 60000.0);
      else
        ++rep.triggers_open;
    }
    if (p.has_acknowledgement() && who >= 0)
      ++rep.partners[static_cast<size_t>(who)].acknowledgements_given;
    if (p.has_space_request()) {
      rep.space_requests.push_back(p.space_request().end()
                                       ? fmt::format("{} ended a request for space on {}",
                                                     c.NameOf(e.header.author()), LocalDate(at))
                                       : fmt::format("{} asked for space from {} until {}",
                                                     c.NameOf(e.header.author()), LocalDate(at),
                                                     p.space_request().until()));
    }
  }
  for (auto& s : rep.partners) {
    if (s.moods.empty()) continue;
    double sum = 0;
    for (const auto& m : s.moods) sum += m.mood;
    s.mood_mean = sum / static_cast<double>(s.moods.size());
    if (s.moods.size() >= 4) {
      size_t half = s.moods.size() / 2;
      double a = 0, b = 0;
      for (size_t i = 0; i < half; ++i) a += s.moods[i].mood;
      for (size_t i = half; i < s.moods.size(); ++i) b += s.moods[i].mood;
      double diff = b / static_cast<double>(s.moods.size() - half) - a / static_cast<double>(half);
      s.mood_trend = diff > 0.5 ? "rising" : diff < -0.5 ? "falling" : "steady";
    }
  }
  for (const auto& [week, w] : weeks) {
    rep.trigger_weeks.push_back({week, w.first, static_cast<double>(w.second) / w.first});
  }
  if (rep.triggers > 0)
    rep.trigger_mean_intensity = static_cast<double>(intensity_sum) / rep.triggers;
  if (!ack_minutes.empty()) {
    std::sort(ack_minutes.begin(), ack_minutes.end());
    size_t n = ack_minutes.size();
    rep.median_minutes_to_acknowledge =
        n % 2 ? ack_minutes[n / 2] : (ack_minutes[n / 2 - 1] + ack_minutes[n / 2]) / 2;
  }

  for (const auto& [seq, cm] : c.commitments) {
    if (cm.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) continue;
    if (cm.state == CommitmentState::kDeclined || cm.state == CommitmentState::kChangesRequested)
      continue;
    CommitmentSummary s;
    s.seq = seq;
    s.title = cm.proposal.title();
    s.state = std::string(ToString(cm.state));
    s.proposer = c.NameOf(cm.proposer);
    for (const auto& b : cm.bound) s.bound += (s.bound.empty() ? "" : " and ") + c.NameOf(b);
    s.cadence = PhraseOf(CadenceWords(), cm.proposal.cadence(), "unspecified");
    s.review_date = cm.proposal.review_date();
    for (const FoldedEntry& f : c.entries) {
      const auto& e = *f.entry;
      if (!f.valid || !e.payload.has_commitment_outcome() ||
          e.payload.commitment_outcome().commitment_seq() != seq)
        continue;
      if (!in_period(f.unix_ms)) continue;
      (e.payload.commitment_outcome().outcome() == mend::v1::OUTCOME_KEPT ? s.kept : s.slipped)++;
    }
    rep.commitments.push_back(s);
  }
  for (const auto& [seq, q] : c.questions) {
    if (q.answer_seq == 0) {
      rep.open_questions.push_back(
          fmt::format("#{} from {}: {}", seq, c.NameOf(q.author),
                      options.redact.count("questions") ? kRedacted : q.question.text()));
    }
  }

  for (const FoldedEntry& f : c.entries) {
    const auto& e = *f.entry;
    if (!in_period(f.unix_ms)) continue;
    if (!options.only.empty() && !options.only.count(e.payload.kind_case())) continue;
    TimelineItem item;
    item.seq = e.header.seq();
    item.unix_ms = f.unix_ms;
    item.when = WhenText(f);
    if (!f.time_warning.empty()) item.when += " (" + f.time_warning + ")";
    item.author = c.NameOf(e.header.author());
    item.kind = KindName(e.payload);
    item.valid = f.valid;
    item.invalid_reason = f.invalid_reason;
    item.entry = &e;
    Describe(c, ctx.me, RedactPayload(e.payload, options.redact), options.redact, &item);
    rep.timeline.push_back(std::move(item));
  }
  return rep;
}

}  // namespace mend::client
