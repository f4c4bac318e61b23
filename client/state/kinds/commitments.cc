// Agreed commitments (PROTOCOL.md "Commitments"): a proposal (new, amend or
// retire), the partner's response, and the bound partners' outcomes (kept or
// slipped). Only an accepted proposal binds anyone.
#include <algorithm>

#include "client/state/calendar.h"
#include "client/state/kinds/families.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

constexpr size_t kMaxTitleBytes = 200;

std::vector<Bytes> BoundMembers(const CoupleState& state, const Bytes& proposer,
                                mend::v1::Bound bound) {
  const Member* partner = state.Partner(proposer);
  std::vector<Bytes> out;
  if (bound == mend::v1::BOUND_PROPOSER || bound == mend::v1::BOUND_BOTH) out.push_back(proposer);
  if ((bound == mend::v1::BOUND_PARTNER || bound == mend::v1::BOUND_BOTH) && partner) {
    out.push_back(partner->sign_pk);
  }
  return out;
}

absl::Status CheckProposal(const CoupleState& state, const Bytes&, const Payload& p, uint32_t) {
  const auto& cp = p.commitment_proposal();
  if (cp.type() == mend::v1::PROPOSAL_TYPE_UNSPECIFIED)
    return absl::InvalidArgumentError("proposal type missing");
  if (cp.type() != mend::v1::PROPOSAL_TYPE_RETIRE) {
    if (cp.title().empty() || cp.title().size() > kMaxTitleBytes) {
      return absl::InvalidArgumentError("a commitment needs a title of 1 to 200 bytes");
    }
    if (cp.bound() == mend::v1::BOUND_UNSPECIFIED)
      return absl::InvalidArgumentError("say who is bound");
  }
  if (!cp.review_date().empty() && !IsCalendarDate(cp.review_date())) {
    return absl::InvalidArgumentError("review date must be YYYY-MM-DD");
  }
  if (cp.type() != mend::v1::PROPOSAL_TYPE_NEW) {
    const Commitment* target = FindCommitment(state, cp.target_seq());
    if (target == nullptr || target->state != CommitmentState::kAgreed ||
        target->proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) {
      return Broken(fmt::format("entry {} is not an agreed commitment", cp.target_seq()));
    }
  }
  return absl::OkStatus();
}

void ApplyProposal(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  Commitment c;
  c.seq = e.header.seq();
  c.proposer = e.header.author();
  c.proposal = e.payload.commitment_proposal();
  c.bound = BoundMembers(state, c.proposer, c.proposal.bound());
  state.commitments[c.seq] = std::move(c);
}

absl::Status CheckResponse(const CoupleState& state, const Bytes& author, const Payload& p,
                           uint32_t) {
  const auto& r = p.commitment_response();
  const Commitment* c = FindCommitment(state, r.proposal_seq());
  if (c == nullptr)
    return Broken(fmt::format("entry {} is not a commitment proposal", r.proposal_seq()));
  if (c->proposer == author)
    return Broken("only the partner can answer a proposal, not its proposer");
  if (c->state != CommitmentState::kProposed) {
    return Broken(fmt::format("proposal {} is already {}", c->seq, ToString(c->state)));
  }
  if (r.decision() == mend::v1::DECISION_UNSPECIFIED)
    return absl::InvalidArgumentError("decision missing");
  if (c->proposal.type() != mend::v1::PROPOSAL_TYPE_NEW) {
    const Commitment* target = FindCommitment(state, c->proposal.target_seq());
    if (target == nullptr || target->state != CommitmentState::kAgreed) {
      return Broken(
          fmt::format("the commitment that proposal {} changes is no longer agreed", c->seq));
    }
  }
  return absl::OkStatus();
}

void ApplyResponse(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  const auto& response = e.payload.commitment_response();
  Commitment& c = state.commitments.at(response.proposal_seq());
  c.response_seq = e.header.seq();
  switch (response.decision()) {
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
    case mend::v1::DECISION_DECLINE:
      c.state = CommitmentState::kDeclined;
      break;
    default:
      c.state = CommitmentState::kChangesRequested;
      break;
  }
}

absl::Status CheckOutcome(const CoupleState& state, const Bytes& author, const Payload& p,
                          uint32_t) {
  const auto& r = p.commitment_outcome();
  const Commitment* c = FindCommitment(state, r.commitment_seq());
  if (c == nullptr || c->state != CommitmentState::kAgreed) {
    return Broken(fmt::format("entry {} is not an agreed commitment", r.commitment_seq()));
  }
  if (std::find(c->bound.begin(), c->bound.end(), author) == c->bound.end()) {
    return Broken("only a partner bound by the commitment says whether it was kept");
  }
  if (r.outcome() == mend::v1::OUTCOME_UNSPECIFIED)
    return absl::InvalidArgumentError("say kept or slipped");
  return absl::OkStatus();
}

void ApplyOutcome(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  Commitment& c = state.commitments.at(e.payload.commitment_outcome().commitment_seq());
  if (e.payload.commitment_outcome().outcome() == mend::v1::OUTCOME_KEPT) {
    ++c.kept;
  } else {
    ++c.slipped;
  }
  c.last_outcome_unix_ms = at;
  c.last_outcome_by[e.header.author()] = at;
}

}  // namespace

std::vector<KindRecord> Commitments() {
  return {
      {Payload::kCommitmentProposal, "proposal", CheckProposal, ApplyProposal, DuringSpace::kNever},
      {Payload::kCommitmentResponse, "response", CheckResponse, ApplyResponse, DuringSpace::kNever},
      // Keeping one's word is not an ask of the partner.
      {Payload::kCommitmentOutcome, "outcome", CheckOutcome, ApplyOutcome, DuringSpace::kAlways},
  };
}

}  // namespace mend::client::kinds
