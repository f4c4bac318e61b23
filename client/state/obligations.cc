#include "client/state/obligations.h"

#include <algorithm>
#include <array>
#include <utility>

#include "client/state/calendar.h"

namespace mend::client {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

constexpr std::array<std::pair<Owed, const char*>, 7> kWords = {{
    {Owed::kAcknowledgement, "acknowledgement"},
    {Owed::kAnswer, "answer"},
    {Owed::kResponse, "response"},
    {Owed::kOutcome, "outcome"},
    {Owed::kReview, "review"},
    {Owed::kReflection, "reflection"},
    {Owed::kReveal, "reveal"},
}};

}  // namespace

const char* ObligationWord(Owed what) {
  for (const auto& [w, word] : kWords) {
    if (w == what) return word;
  }
  return "";
}

bool ParseObligationWord(const std::string& word, Owed* what) {
  for (const auto& [w, text] : kWords) {
    if (word == text) {
      *what = w;
      return true;
    }
  }
  return false;
}

std::vector<Obligation> Obligations(const CoupleState& c, const Bytes& me, const std::string& today,
                                    int64_t now) {
  std::vector<Obligation> out;
  auto add = [&](const Bytes& debtor, Owed what, uint64_t seq, std::string subject = "") {
    out.push_back({debtor == me, what, seq, std::move(subject), ""});
  };
  auto other = [&](const Bytes& pk) {
    const Member* m = c.Partner(pk);
    return m ? m->sign_pk : Bytes();
  };
  if (c.closed) return out;
  for (const auto& [seq, t] : c.triggers) {
    if (t.ack_seq == 0) add(other(t.author), Owed::kAcknowledgement, seq);
  }
  for (const auto& [seq, q] : c.questions) {
    if (q.answer_seq == 0) add(other(q.author), Owed::kAnswer, seq);
  }
  for (const auto& [seq, cm] : c.commitments) {
    if (cm.state == CommitmentState::kProposed) {
      add(other(cm.proposer), Owed::kResponse, seq);
      continue;
    }
    if (cm.state != CommitmentState::kAgreed ||
        cm.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE)
      continue;
    for (const Bytes& member : cm.bound) {
      auto last = cm.last_outcome_by.find(member);
      int64_t since = last == cm.last_outcome_by.end() ? cm.agreed_unix_ms : last->second;
      bool due = false;
      switch (cm.proposal.cadence()) {
        case mend::v1::CADENCE_DAILY:
          due = LocalDate(since) < today;
          break;
        case mend::v1::CADENCE_WEEKLY:
          due = now - since >= 7 * kDayMs;
          break;
        case mend::v1::CADENCE_ONCE:
          due = last == cm.last_outcome_by.end();
          break;
        default:
          break;
      }
      if (due) add(member, Owed::kOutcome, seq, cm.proposal.title());
    }
    if (!cm.proposal.review_date().empty() && cm.proposal.review_date() <= today) {
      out.push_back({true, Owed::kReview, seq, cm.proposal.title(), cm.proposal.review_date()});
    }
  }
  for (const auto& [prompt, by_author] : c.sealed) {
    const bool both_sealed = by_author.size() == c.members.size();
    for (const auto& m : c.members) {
      auto answer = by_author.find(m.sign_pk);
      if (answer == by_author.end()) {
        add(m.sign_pk, Owed::kReflection, by_author.begin()->second.seq, prompt);
      } else if (both_sealed && answer->second.reveal_seq == 0) {
        // Not a fair exchange: the last to reveal can withhold, and this is
        // how the log shows it.
        add(m.sign_pk, Owed::kReveal, answer->second.seq, prompt);
      }
    }
  }
  return out;
}

}  // namespace mend::client
