#include "client/state/facts.h"

#include <utility>

namespace mend::client {
namespace {

// A field added to one of these structs must also be added to facts.proto and
// to both functions below, or a state restored from its facts would quietly
// lack it. These sizes make the compiler say so (64-bit libstdc++).
static_assert(sizeof(Member) == 3 * sizeof(std::string), "update facts.proto and facts.cc");
static_assert(sizeof(TriggerRecord) == 32 + sizeof(mend::v1::Trigger) + sizeof(Bytes),
              "update facts.proto and facts.cc");
static_assert(sizeof(QuestionRecord) == 24 + sizeof(mend::v1::Question) + sizeof(Bytes),
              "update facts.proto and facts.cc");
static_assert(sizeof(SpaceRecord) == 8 + sizeof(mend::v1::SpaceRequest) + sizeof(Bytes),
              "update facts.proto and facts.cc");
static_assert(sizeof(SealedRecord) == 16 + 6 * sizeof(std::string),
              "update facts.proto and facts.cc");
static_assert(sizeof(Commitment) == 56 + sizeof(mend::v1::CommitmentProposal) + sizeof(Bytes) +
                                        sizeof(std::map<Bytes, int64_t>) +
                                        sizeof(std::vector<Bytes>),
              "update facts.proto and facts.cc");
static_assert(sizeof(FoldCursor) == 24, "update facts.proto and facts.cc");
static_assert(sizeof(CoupleState) == 2 * sizeof(std::string) + 2 * sizeof(std::vector<int>) +
                                         24 /* joined, closed, leave_seq, epoch */ +
                                         6 * sizeof(std::map<int, int>) + sizeof(FoldCursor),
              "update facts.proto and facts.cc");

}  // namespace

mend::v1::FoldedFacts FactsOf(const CoupleState& state) {
  mend::v1::FoldedFacts f;
  f.set_couple_id(state.couple_id);
  for (const Member& m : state.members) {
    auto* out = f.add_members();
    out->set_sign_pk(m.sign_pk);
    out->set_box_pk(m.box_pk);
    out->set_name(m.name);
  }
  f.set_transcript_hash(state.transcript_hash);
  f.set_joined(state.joined);
  f.set_closed(state.closed);
  f.set_leave_seq(state.leave_seq);
  f.set_epoch(state.epoch);
  for (const auto& [seq, c] : state.commitments) {
    auto* out = f.add_commitments();
    out->set_seq(c.seq);
    out->set_proposer(c.proposer);
    *out->mutable_proposal() = c.proposal;
    out->set_state(static_cast<uint32_t>(c.state));
    out->set_response_seq(c.response_seq);
    out->set_agreed_unix_ms(c.agreed_unix_ms);
    out->set_superseded_by(c.superseded_by);
    out->set_kept(c.kept);
    out->set_slipped(c.slipped);
    out->set_last_outcome_unix_ms(c.last_outcome_unix_ms);
    for (const auto& [member, ms] : c.last_outcome_by) {
      auto* by = out->add_last_outcome_by();
      by->set_member(member);
      by->set_unix_ms(ms);
    }
    for (const Bytes& b : c.bound) out->add_bound(b);
  }
  for (const auto& [seq, t] : state.triggers) {
    auto* out = f.add_triggers();
    out->set_seq(t.seq);
    out->set_author(t.author);
    out->set_created_unix_ms(t.created_unix_ms);
    *out->mutable_trigger() = t.trigger;
    out->set_ack_seq(t.ack_seq);
    out->set_ack_unix_ms(t.ack_unix_ms);
  }
  for (const auto& [seq, q] : state.questions) {
    auto* out = f.add_questions();
    out->set_seq(q.seq);
    out->set_author(q.author);
    out->set_created_unix_ms(q.created_unix_ms);
    *out->mutable_question() = q.question;
    out->set_answer_seq(q.answer_seq);
  }
  for (const auto& [author, s] : state.space) {
    auto* out = f.add_space();
    out->set_seq(s.seq);
    out->set_author(s.author);
    *out->mutable_request() = s.request;
  }
  for (const auto& [prompt, by_author] : state.sealed) {
    for (const auto& [author, s] : by_author) {
      auto* out = f.add_sealed();
      out->set_seq(s.seq);
      out->set_author(s.author);
      out->set_prompt_id(s.prompt_id);
      out->set_prompt_text(s.prompt_text);
      out->set_sealed_ct(s.sealed_ct);
      out->set_key_commitment(s.key_commitment);
      out->set_reveal_seq(s.reveal_seq);
      out->set_revealed_text(s.revealed_text);
    }
  }
  for (const auto& [author, topics] : state.disclosure_prefs) {
    for (const auto& [topic, mode] : topics) {
      auto* out = f.add_disclosure_prefs();
      out->set_author(author);
      out->set_topic(topic);
      out->set_mode(mode);
    }
  }
  f.set_cursor_previous_time(state.cursor.previous_time);
  f.set_cursor_previous_written(state.cursor.previous_written);
  f.set_cursor_previous_seq(state.cursor.previous_seq);
  return f;
}

absl::StatusOr<CoupleState> StateFromFacts(const mend::v1::FoldedFacts& f) {
  CoupleState state;
  state.couple_id = f.couple_id();
  for (const auto& m : f.members()) state.members.push_back({m.sign_pk(), m.box_pk(), m.name()});
  state.transcript_hash = f.transcript_hash();
  state.joined = f.joined();
  state.closed = f.closed();
  state.leave_seq = f.leave_seq();
  state.epoch = f.epoch();
  for (const auto& in : f.commitments()) {
    if (in.state() > static_cast<uint32_t>(CommitmentState::kRetired))
      return absl::InvalidArgumentError("the facts name an unknown commitment state");
    Commitment c;
    c.seq = in.seq();
    c.proposer = in.proposer();
    c.proposal = in.proposal();
    c.state = static_cast<CommitmentState>(in.state());
    c.response_seq = in.response_seq();
    c.agreed_unix_ms = in.agreed_unix_ms();
    c.superseded_by = in.superseded_by();
    c.kept = in.kept();
    c.slipped = in.slipped();
    c.last_outcome_unix_ms = in.last_outcome_unix_ms();
    for (const auto& by : in.last_outcome_by()) c.last_outcome_by[by.member()] = by.unix_ms();
    c.bound.assign(in.bound().begin(), in.bound().end());
    state.commitments.emplace(c.seq, std::move(c));
  }
  for (const auto& in : f.triggers()) {
    TriggerRecord t;
    t.seq = in.seq();
    t.author = in.author();
    t.created_unix_ms = in.created_unix_ms();
    t.trigger = in.trigger();
    t.ack_seq = in.ack_seq();
    t.ack_unix_ms = in.ack_unix_ms();
    state.triggers.emplace(t.seq, std::move(t));
  }
  for (const auto& in : f.questions()) {
    QuestionRecord q;
    q.seq = in.seq();
    q.author = in.author();
    q.created_unix_ms = in.created_unix_ms();
    q.question = in.question();
    q.answer_seq = in.answer_seq();
    state.questions.emplace(q.seq, std::move(q));
  }
  for (const auto& in : f.space()) {
    SpaceRecord s;
    s.seq = in.seq();
    s.author = in.author();
    s.request = in.request();
    state.space.emplace(s.author, std::move(s));
  }
  for (const auto& in : f.sealed()) {
    SealedRecord s;
    s.seq = in.seq();
    s.author = in.author();
    s.prompt_id = in.prompt_id();
    s.prompt_text = in.prompt_text();
    s.sealed_ct = in.sealed_ct();
    s.key_commitment = in.key_commitment();
    s.reveal_seq = in.reveal_seq();
    s.revealed_text = in.revealed_text();
    state.sealed[s.prompt_id].emplace(s.author, std::move(s));
  }
  for (const auto& in : f.disclosure_prefs())
    state.disclosure_prefs[in.author()][in.topic()] = in.mode();
  state.cursor.previous_time = f.cursor_previous_time();
  state.cursor.previous_written = f.cursor_previous_written();
  state.cursor.previous_seq = f.cursor_previous_seq();
  return state;
}

}  // namespace mend::client
