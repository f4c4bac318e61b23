#include "client/state/fold.h"

#include <algorithm>

#include "proto/wire.h"
#include "client/state/calendar.h"
#include "crypto/grant.h"
#include "crypto/sealed_answer.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

using mend::v1::Payload;

constexpr size_t kMaxTitleBytes = 200;

absl::Status Broken(const std::string& why) { return absl::FailedPreconditionError(why); }

std::vector<Bytes> BoundMembers(const CoupleState& state, const Bytes& proposer, mend::v1::Bound bound) {
  const Member* partner = state.Partner(proposer);
  std::vector<Bytes> out;
  if (bound == mend::v1::BOUND_PROPOSER || bound == mend::v1::BOUND_BOTH) out.push_back(proposer);
  if ((bound == mend::v1::BOUND_PARTNER || bound == mend::v1::BOUND_BOTH) && partner) {
    out.push_back(partner->sign_pk);
  }
  return out;
}

// `at` is the entry's folded time (FoldedEntry::unix_ms).
void Apply(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  const Payload& p = e.payload;
  const Bytes& author = e.header.author();
  const uint64_t seq = e.header.seq();
  switch (p.kind_case()) {
    case Payload::kGenesis:
      state.members = {{p.genesis().inviter().sign_pk(), p.genesis().inviter().box_pk(),
                        p.genesis().inviter().display_name()},
                       {p.genesis().joiner().sign_pk(), p.genesis().joiner().box_pk(),
                        p.genesis().joiner().display_name()}};
      state.transcript_hash = p.genesis().transcript_hash();
      state.couple_id = p.genesis().couple_id();
      break;
    case Payload::kJoined:
      state.joined = true;
      break;
    case Payload::kProfile:
      for (auto& m : state.members) {
        if (m.sign_pk == author) m.name = p.profile().display_name();
      }
      break;
    case Payload::kCommitmentProposal: {
      Commitment c;
      c.seq = seq;
      c.proposer = author;
      c.proposal = p.commitment_proposal();
      c.bound = BoundMembers(state, author, c.proposal.bound());
      state.commitments[seq] = std::move(c);
      break;
    }
    case Payload::kCommitmentResponse: {
      Commitment& c = state.commitments.at(p.commitment_response().proposal_seq());
      c.response_seq = seq;
      switch (p.commitment_response().decision()) {
        case mend::v1::DECISION_ACCEPT:
          c.agreed_unix_ms = at;
          if (c.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) {
            c.state = CommitmentState::kRetired;
            state.commitments.at(c.proposal.target_seq()).state = CommitmentState::kRetired;
          } else {
            c.state = CommitmentState::kAgreed;
            if (c.proposal.type() == mend::v1::PROPOSAL_TYPE_AMEND) {
              Commitment& target = state.commitments.at(c.proposal.target_seq());
              target.state = CommitmentState::kSuperseded;
              target.superseded_by = c.seq;
            }
          }
          break;
        case mend::v1::DECISION_DECLINE: c.state = CommitmentState::kDeclined; break;
        default: c.state = CommitmentState::kChangesRequested; break;
      }
      break;
    }
    case Payload::kCommitmentReport: {
      Commitment& c = state.commitments.at(p.commitment_report().commitment_seq());
      if (p.commitment_report().outcome() == mend::v1::OUTCOME_KEPT) ++c.kept;
      else ++c.slipped;
      c.last_report_unix_ms = at;
      c.last_report_by[author] = at;
      break;
    }
    case Payload::kTrigger:
      state.triggers[seq] = TriggerRecord{seq, author, at, p.trigger(), 0, 0};
      break;
    case Payload::kAcknowledgement: {
      TriggerRecord& t = state.triggers.at(p.acknowledgement().trigger_seq());
      t.ack_seq = seq;
      t.ack_unix_ms = at;
      break;
    }
    case Payload::kQuestion:
      state.questions[seq] = QuestionRecord{seq, author, at, p.question(), 0};
      break;
    case Payload::kAnswer:
      state.questions.at(p.answer().question_seq()).answer_seq = seq;
      break;
    case Payload::kSpaceRequest:
      state.space[author] = SpaceRecord{seq, author, p.space_request()};
      break;
    case Payload::kKeyRotation:
      state.epoch = p.key_rotation().new_epoch();
      break;
    case Payload::kLeave:
      state.closed = true;
      state.leave_seq = seq;
      break;
    case Payload::kSealedAnswer: {
      const auto& sa = p.sealed_answer();
      state.sealed[sa.prompt_id()][author] =
          SealedRecord{seq, author, sa.prompt_id(), sa.prompt_text(), sa.sealed_ct(), sa.key_commitment(), 0, ""};
      break;
    }
    case Payload::kReveal: {
      const SealedRecord* found = state.SealedAt(p.reveal().sealed_seq());
      SealedRecord& rec = state.sealed.at(found->prompt_id).at(found->author);
      rec.reveal_seq = seq;
      rec.revealed_text = crypto::OpenAnswerText(p.reveal().key(), rec.key_commitment,
                                                 {state.couple_id, rec.author, rec.prompt_id}, rec.sealed_ct)
                              .value_or("");
      break;
    }
    case Payload::kDisclosurePrefs:
      for (const auto& pref : p.disclosure_prefs().prefs()) state.disclosure_prefs[author][pref.topic()] = pref.mode();
      break;
    default:
      break;
  }
}

}  // namespace

std::string_view ToString(CommitmentState state) {
  switch (state) {
    case CommitmentState::kProposed: return "proposed";
    case CommitmentState::kAgreed: return "agreed";
    case CommitmentState::kDeclined: return "declined";
    case CommitmentState::kChangesRequested: return "changes requested";
    case CommitmentState::kSuperseded: return "superseded";
    case CommitmentState::kRetired: return "retired";
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

std::optional<std::string> CoupleState::RevealedFor(const SealedRecord& answer, const Bytes& viewer) const {
  if (answer.reveal_seq == 0) return std::nullopt;
  if (answer.author == viewer) return answer.revealed_text;
  auto prompt = sealed.find(answer.prompt_id);
  if (prompt == sealed.end()) return std::nullopt;
  auto own = prompt->second.find(viewer);
  if (own == prompt->second.end() || own->second.reveal_seq == 0) return std::nullopt;
  return answer.revealed_text;
}

mend::v1::DisclosureMode CoupleState::PreferenceOf(const Bytes& author, const std::string& topic) const {
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
  if (state.closed) return Broken(fmt::format("the log was closed by a Leave at seq {}", state.leave_seq));
  if (seq == 1 && p.kind_case() != Payload::kGenesis) return Broken("entry 1 must be the Genesis");
  if (seq != 1 && p.kind_case() == Payload::kGenesis) return Broken("Genesis is only valid as entry 1");
  // Every entry is written under the newest announced epoch, except a
  // KeyRotation, which may be written under any earlier one its writer holds
  // (so that a partner who never received the current key can still rotate).
  if (p.kind_case() != Payload::kKeyRotation && key_epoch != state.epoch) {
    return Broken(key_epoch < state.epoch
                      ? fmt::format("written under key epoch {} after rotation to {}", key_epoch, state.epoch)
                      : fmt::format("written under key epoch {}, which the log has not announced", key_epoch));
  }
  const Member* partner = state.Partner(author);
  auto commitment = [&](uint64_t s) -> const Commitment* {
    auto it = state.commitments.find(s);
    return it == state.commitments.end() ? nullptr : &it->second;
  };
  switch (p.kind_case()) {
    case Payload::kGenesis: {
      const auto& g = p.genesis();
      if (g.inviter().sign_pk() != author) return Broken("Genesis must be written by the inviter");
      if (g.joiner().sign_pk().size() != 32 || g.joiner().sign_pk() == g.inviter().sign_pk()) {
        return Broken("Genesis must name two different members");
      }
      if (g.key_id().size() != crypto::kKeyIdBytes) return Broken("Genesis names no key id");
      return absl::OkStatus();
    }
    case Payload::kJoined:
      if (state.members.size() != 2 || state.members[1].sign_pk != author) {
        return Broken("only the joining partner writes Joined");
      }
      if (state.joined) return Broken("Joined was already written");
      if (p.joined().transcript_hash() != state.transcript_hash) {
        return Broken("Joined names a different pairing transcript than Genesis");
      }
      return absl::OkStatus();
    case Payload::kProfile:
      if (p.profile().display_name().empty() || p.profile().display_name().size() > wire::kMaxNameBytes) {
        return absl::InvalidArgumentError("a display name has 1 to 64 bytes");
      }
      return absl::OkStatus();
    case Payload::kCheckIn:
      if (p.check_in().mood() < 1 || p.check_in().mood() > 10) {
        return absl::InvalidArgumentError(fmt::format("mood must be 1 to 10, not {}", p.check_in().mood()));
      }
      return absl::OkStatus();
    case Payload::kCommitmentProposal: {
      const auto& cp = p.commitment_proposal();
      if (cp.type() == mend::v1::PROPOSAL_TYPE_UNSPECIFIED) return absl::InvalidArgumentError("proposal type missing");
      if (cp.type() != mend::v1::PROPOSAL_TYPE_RETIRE) {
        if (cp.title().empty() || cp.title().size() > kMaxTitleBytes) {
          return absl::InvalidArgumentError("a commitment needs a title of 1 to 200 bytes");
        }
        if (cp.bound() == mend::v1::BOUND_UNSPECIFIED) return absl::InvalidArgumentError("say who is bound");
      }
      if (!cp.review_date().empty() && !IsCalendarDate(cp.review_date())) {
        return absl::InvalidArgumentError("review date must be YYYY-MM-DD");
      }
      if (cp.type() != mend::v1::PROPOSAL_TYPE_NEW) {
        const Commitment* target = commitment(cp.target_seq());
        if (target == nullptr || target->state != CommitmentState::kAgreed ||
            target->proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) {
          return Broken(fmt::format("entry {} is not an agreed commitment", cp.target_seq()));
        }
      }
      return absl::OkStatus();
    }
    case Payload::kCommitmentResponse: {
      const auto& r = p.commitment_response();
      const Commitment* c = commitment(r.proposal_seq());
      if (c == nullptr) return Broken(fmt::format("entry {} is not a commitment proposal", r.proposal_seq()));
      if (c->proposer == author) return Broken("only the partner can answer a proposal, not its proposer");
      if (c->state != CommitmentState::kProposed) {
        return Broken(fmt::format("proposal {} is already {}", c->seq, ToString(c->state)));
      }
      if (r.decision() == mend::v1::DECISION_UNSPECIFIED) return absl::InvalidArgumentError("decision missing");
      if (c->proposal.type() != mend::v1::PROPOSAL_TYPE_NEW) {
        const Commitment* target = commitment(c->proposal.target_seq());
        if (target == nullptr || target->state != CommitmentState::kAgreed) {
          return Broken(fmt::format("the commitment that proposal {} changes is no longer agreed", c->seq));
        }
      }
      return absl::OkStatus();
    }
    case Payload::kCommitmentReport: {
      const auto& r = p.commitment_report();
      const Commitment* c = commitment(r.commitment_seq());
      if (c == nullptr || c->state != CommitmentState::kAgreed) {
        return Broken(fmt::format("entry {} is not an agreed commitment", r.commitment_seq()));
      }
      if (std::find(c->bound.begin(), c->bound.end(), author) == c->bound.end()) {
        return Broken("only a partner bound by the commitment reports on it");
      }
      if (r.outcome() == mend::v1::OUTCOME_UNSPECIFIED) return absl::InvalidArgumentError("say kept or slipped");
      return absl::OkStatus();
    }
    case Payload::kTrigger:
      if (p.trigger().intensity() < 1 || p.trigger().intensity() > 10) {
        return absl::InvalidArgumentError(
            fmt::format("intensity must be 1 to 10, not {}", p.trigger().intensity()));
      }
      return absl::OkStatus();
    case Payload::kAcknowledgement: {
      auto it = state.triggers.find(p.acknowledgement().trigger_seq());
      if (it == state.triggers.end()) {
        return Broken(fmt::format("entry {} is not a trigger", p.acknowledgement().trigger_seq()));
      }
      if (it->second.author == author) return Broken("a trigger is acknowledged by the partner, not its author");
      if (it->second.ack_seq != 0) return Broken(fmt::format("trigger {} was already acknowledged", it->first));
      return absl::OkStatus();
    }
    case Payload::kQuestion:
      if (p.question().text().empty()) return absl::InvalidArgumentError("the question is empty");
      return absl::OkStatus();
    case Payload::kAnswer: {
      auto it = state.questions.find(p.answer().question_seq());
      if (it == state.questions.end()) {
        return Broken(fmt::format("entry {} is not a question", p.answer().question_seq()));
      }
      if (it->second.author == author) return Broken("a question is answered by the partner, not its author");
      if (it->second.answer_seq != 0) return Broken(fmt::format("question {} was already answered", it->first));
      if (p.answer().text().empty()) return absl::InvalidArgumentError("the answer is empty");
      return absl::OkStatus();
    }
    case Payload::kLetter:
      if (p.letter().body().empty()) return absl::InvalidArgumentError("the letter is empty");
      return absl::OkStatus();
    case Payload::kDisclosure:
      if (p.disclosure().text().empty()) return absl::InvalidArgumentError("the disclosure is empty");
      if (p.disclosure().commitment_seq() != 0 && commitment(p.disclosure().commitment_seq()) == nullptr) {
        return Broken(fmt::format("entry {} is not a commitment", p.disclosure().commitment_seq()));
      }
      return absl::OkStatus();
    case Payload::kSpaceRequest:
      if (p.space_request().end()) return absl::OkStatus();
      if (!IsCalendarDate(p.space_request().until())) return absl::InvalidArgumentError("until must be YYYY-MM-DD");
      if (p.space_request().contact() == mend::v1::CONTACT_UNSPECIFIED) {
        return absl::InvalidArgumentError("say what contact is welcome");
      }
      return absl::OkStatus();
    case Payload::kKeyRotation:
      if (p.key_rotation().new_epoch() <= state.epoch || key_epoch > state.epoch) {
        return Broken(fmt::format("a rotation moves past epoch {} and is written under an epoch already announced",
                                  state.epoch));
      }
      if (p.key_rotation().key_id().size() != crypto::kKeyIdBytes) return Broken("the rotation names no key id");
      return absl::OkStatus();
    case Payload::kLeave:
      return absl::OkStatus();
    case Payload::kSealedAnswer: {
      const auto& sa = p.sealed_answer();
      if (sa.prompt_id().empty() || sa.prompt_id().size() > crypto::kMaxPromptIdBytes) {
        return absl::InvalidArgumentError("a prompt id has 1 to 64 bytes");
      }
      if (sa.sealed_ct().size() < 24 + 16) return Broken("the sealed answer is malformed");
      if (sa.key_commitment().size() != crypto::kSealedKeyCommitmentBytes) {
        return Broken("the sealed answer has no key commitment");
      }
      auto it = state.sealed.find(sa.prompt_id());
      if (it != state.sealed.end() && it->second.count(author)) {
        return Broken(fmt::format("you already sealed an answer to '{}'", sa.prompt_id()));
      }
      // A copy of another sealed answer (its ciphertext or its commitment)
      // would let its writer "reveal" the other's words as their own.
      for (const auto& [prompt, by_author] : state.sealed) {
        for (const auto& [other, rec] : by_author) {
          if (rec.sealed_ct == sa.sealed_ct() || rec.key_commitment == sa.key_commitment()) {
            return Broken(fmt::format("this sealed answer copies sealed answer #{}", rec.seq));
          }
        }
      }
      return absl::OkStatus();
    }
    case Payload::kReveal: {
      const SealedRecord* rec = state.SealedAt(p.reveal().sealed_seq());
      if (rec == nullptr) return Broken(fmt::format("entry {} is not a sealed answer", p.reveal().sealed_seq()));
      if (rec->author != author) return Broken("only the author of a sealed answer reveals it");
      if (rec->reveal_seq != 0) return Broken(fmt::format("sealed answer {} was already revealed", rec->seq));
      if (partner == nullptr || !state.sealed.at(rec->prompt_id).count(partner->sign_pk)) {
        return Broken("revealed before the partner sealed their answer: nobody goes first");
      }
      if (absl::Status opened = crypto::OpenAnswerText(p.reveal().key(), rec->key_commitment,
                                                       {state.couple_id, rec->author, rec->prompt_id}, rec->sealed_ct)
                                    .status();
          !opened.ok()) {
        return Broken(std::string(opened.message()));
      }
      return absl::OkStatus();
    }
    case Payload::kDisclosurePrefs:
      if (p.disclosure_prefs().prefs().empty()) return absl::InvalidArgumentError("no preference given");
      for (const auto& pref : p.disclosure_prefs().prefs()) {
        if (pref.topic().empty() || pref.topic().size() > 64) return absl::InvalidArgumentError("a topic has 1 to 64 bytes");
        if (pref.mode() == mend::v1::DISCLOSURE_MODE_UNSPECIFIED) return absl::InvalidArgumentError("say the mode");
      }
      return absl::OkStatus();
    case Payload::kTalkNotes:
      if (!IsCalendarDate(p.talk_notes().week())) return absl::InvalidArgumentError("the week is YYYY-MM-DD");
      if (p.talk_notes().agreed().empty() && p.talk_notes().follow_ups().empty()) {
        return absl::InvalidArgumentError("the talk notes are empty");
      }
      return absl::OkStatus();
    case Payload::KIND_NOT_SET:
      return absl::InvalidArgumentError("empty payload");
  }
  return absl::OkStatus();
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

void FoldMore(CoupleState& state, std::span<const crypto::OpenedEntry> more, const FoldClock& clock) {
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
    const int64_t limit = folded.first_seen_unix_ms != 0 ? folded.first_seen_unix_ms : clock.now_unix_ms;
    folded.written_unix_ms = written;
    if (written != 0 && previous_written != 0 && written < previous_written - kClockSkewMs) {
      folded.time_warning = fmt::format("dated {} before entry {}", Span(previous_written - written), previous_seq);
    } else if (written != 0 && limit != 0 && written > limit + kClockSkewMs) {
      folded.time_warning = fmt::format("dated {} ahead of {}", Span(written - limit),
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

    absl::Status rule = e.unreadable.empty()
                            ? CheckRules(state, e.header.author(), seq, e.payload, e.header.key_epoch())
                            : absl::DataLossError("cannot be read: " + e.unreadable);
    if (rule.ok()) {
      Apply(state, e, t);
    } else {
      folded.valid = false;
      folded.invalid_reason = std::string(rule.message());
    }
    state.entries.push_back(std::move(folded));
  }
}

std::string KindName(const mend::v1::Payload& payload) {
  switch (payload.kind_case()) {
    case Payload::kGenesis: return "genesis";
    case Payload::kJoined: return "joined";
    case Payload::kProfile: return "profile";
    case Payload::kCheckIn: return "checkin";
    case Payload::kCommitmentProposal: return "proposal";
    case Payload::kCommitmentResponse: return "response";
    case Payload::kCommitmentReport: return "report";
    case Payload::kTrigger: return "trigger";
    case Payload::kAcknowledgement: return "ack";
    case Payload::kQuestion: return "question";
    case Payload::kAnswer: return "answer";
    case Payload::kLetter: return "letter";
    case Payload::kDisclosure: return "disclosure";
    case Payload::kSpaceRequest: return "space";
    case Payload::kKeyRotation: return "rotation";
    case Payload::kLeave: return "leave";
    case Payload::kSealedAnswer: return "sealed";
    case Payload::kReveal: return "reveal";
    case Payload::kDisclosurePrefs: return "prefs";
    case Payload::kTalkNotes: return "talknotes";
    case Payload::KIND_NOT_SET: return "empty";
  }
  return "unknown";
}

std::optional<mend::v1::Payload::KindCase> ParseKindName(const std::string& name) {
  for (int k = 1; k <= 20; ++k) {
    mend::v1::Payload probe;
    auto kind = static_cast<Payload::KindCase>(k);
    const auto* field = Payload::descriptor()->FindFieldByNumber(k);
    if (field == nullptr) continue;
    probe.GetReflection()->MutableMessage(&probe, field);
    if (KindName(probe) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace mend::client
