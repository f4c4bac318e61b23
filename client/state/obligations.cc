#include "client/state/obligations.h"

#include <algorithm>

#include "client/state/calendar.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

// The partner chose the prompt id: a command suggested with it must be safe
// to paste into a shell (`$(...)` stays text).
std::string ShellQuoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

}  // namespace

std::vector<Obligation> Obligations(const CoupleState& c, const Bytes& me, const std::string& today,
                                    int64_t now) {
  std::vector<Obligation> out;
  auto add = [&](const Bytes& debtor, const char* kind, uint64_t seq, std::string text) {
    out.push_back({debtor == me, kind, seq, std::move(text)});
  };
  auto other = [&](const Bytes& pk) {
    const Member* m = c.Partner(pk);
    return m ? m->sign_pk : Bytes();
  };
  if (c.closed) return out;
  for (const auto& [seq, t] : c.triggers) {
    if (t.ack_seq == 0)
      add(other(t.author), "ack", seq, fmt::format("acknowledge trigger #{}", seq));
  }
  for (const auto& [seq, q] : c.questions) {
    if (q.answer_seq == 0)
      add(other(q.author), "answer", seq, fmt::format("answer question #{}", seq));
  }
  for (const auto& [seq, cm] : c.commitments) {
    if (cm.state == CommitmentState::kProposed) {
      add(other(cm.proposer), "respond", seq, fmt::format("respond to proposal #{}", seq));
      continue;
    }
    if (cm.state != CommitmentState::kAgreed ||
        cm.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE)
      continue;
    for (const Bytes& member : cm.bound) {
      auto last = cm.last_report_by.find(member);
      int64_t since = last == cm.last_report_by.end() ? cm.agreed_unix_ms : last->second;
      bool due = false;
      switch (cm.proposal.cadence()) {
        case mend::v1::CADENCE_DAILY:
          due = LocalDate(since) < today;
          break;
        case mend::v1::CADENCE_WEEKLY:
          due = now - since >= 7 * kDayMs;
          break;
        case mend::v1::CADENCE_ONCE:
          due = last == cm.last_report_by.end();
          break;
        default:
          break;
      }
      if (due)
        add(member, "report", seq,
            fmt::format("report on commitment #{} \"{}\"", seq, cm.proposal.title()));
    }
    if (!cm.proposal.review_date().empty() && cm.proposal.review_date() <= today) {
      out.push_back({true, "review", seq,
                     fmt::format("review commitment #{} together (review date {})", seq,
                                 cm.proposal.review_date())});
    }
  }
  for (const auto& [prompt, by_author] : c.sealed) {
    const bool both_sealed = by_author.size() == c.members.size();
    for (const auto& m : c.members) {
      auto answer = by_author.find(m.sign_pk);
      if (answer == by_author.end()) {
        add(m.sign_pk, "reflect", by_author.begin()->second.seq,
            fmt::format("answer the reflection '{}' (`mend reflect --prompt-id {}`)", prompt,
                        ShellQuoted(prompt)));
      } else if (both_sealed && answer->second.reveal_seq == 0) {
        // Not a fair exchange: the last to reveal can withhold, and this is
        // how the log shows it.
        add(m.sign_pk, "reveal", answer->second.seq,
            m.sign_pk == me
                ? fmt::format("reveal your sealed answer to '{}' (`mend sync` posts it)", prompt)
                : fmt::format("sealed an answer to '{}' (#{}) and has not revealed it", prompt,
                              answer->second.seq));
      }
    }
  }
  return out;
}

}  // namespace mend::client
