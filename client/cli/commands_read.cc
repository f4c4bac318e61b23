// Commands that only read the verified log.
#include <iostream>

#include "client/cli/commands.h"
#include "client/views/render.h"
#include "base/status_macros.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {

absl::Status RunLog(const GlobalOptions& g, const LogArgs& a) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  std::optional<mend::v1::Payload::KindCase> kind;
  if (!a.kind.empty()) {
    kind = ParseKindName(a.kind);
    if (!kind) return absl::InvalidArgumentError(fmt::format("unknown kind '{}'", a.kind));
  }
  const std::string& me = session->state().sign_pk;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : session->couple().entries) {
    const auto& e = *f.entry;
    if (kind && e.payload.kind_case() != *kind) continue;
    if (a.author == "me" && e.header.author() != me) continue;
    if (a.author == "partner" && e.header.author() == me) continue;
    std::string date = LocalDate(f.unix_ms);
    if (!a.since.empty() && date < a.since) continue;
    if (!a.until.empty() && date > a.until) continue;
    if (g.json) out.push_back(EntryJson(session->couple(), f, me));
    else std::cout << EntryLine(session->couple(), f) << "\n";
  }
  if (g.json) std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

absl::Status RunShow(const GlobalOptions& g, uint64_t seq) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  const auto& entries = session->couple().entries;
  if (seq == 0 || seq > entries.size()) {
    return absl::NotFoundError(fmt::format("there is no entry #{} (the log has {})", seq, entries.size()));
  }
  const FoldedEntry& f = entries[seq - 1];
  if (g.json) std::cout << EntryJson(session->couple(), f, session->state().sign_pk).dump(2) << "\n";
  else std::cout << EntryDetail(session->couple(), f) << "\n";
  return absl::OkStatus();
}

absl::Status RunPromiseList(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  const CoupleState& c = session->couple();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [seq, cm] : c.commitments) {
    if (cm.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) continue;
    uint32_t reports = cm.kept + cm.slipped;
    std::string bound;
    for (const auto& b : cm.bound) bound += (bound.empty() ? "" : " and ") + c.NameOf(b);
    if (g.json) {
      out.push_back({{"seq", seq}, {"title", cm.proposal.title()}, {"state", std::string(ToString(cm.state))},
                     {"proposer", c.NameOf(cm.proposer)}, {"bound", bound}, {"kept", cm.kept},
                     {"slipped", cm.slipped}, {"review_date", cm.proposal.review_date()},
                     {"superseded_by", cm.superseded_by}});
      continue;
    }
    std::cout << fmt::format("#{:<4} {:<18} \"{}\" (by {}, binds {})", seq, ToString(cm.state), cm.proposal.title(),
                             c.NameOf(cm.proposer), bound);
    if (reports > 0) std::cout << fmt::format(", kept {}/{} ({}%)", cm.kept, reports, cm.kept * 100 / reports);
    std::cout << "\n";
  }
  if (g.json) std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

}  // namespace mend::client
