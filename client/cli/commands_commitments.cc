// Agreed commitments (`mend commitment`): propose, amend or retire one;
// accept, decline or ask for changes; say whether it was kept or slipped (its
// outcome); list them with their adherence.
#include <iostream>

#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/cli/refuse_text.h"
#include "client/cli/text_input.h"
#include "client/views/text_safety.h"
#include "client/views/vocabulary.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

using mend::v1::Payload;

struct ProposeArgs {
  std::string action;  // propose, amend, retire
  uint64_t target = 0;
  std::string bound = "me", cadence = "ongoing", review;
};

absl::Status RunCommitmentPropose(const GlobalOptions& g, const ProposeArgs& a) {
  const bool retire = a.action == "retire";
  ASSIGN_OR_RETURN(TextInput text,
                   TextInput::Load(g.input, retire ? std::set<std::string>{"note"}
                                                   : std::set<std::string>{"title", "detail"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  auto* c = p.mutable_commitment_proposal();
  c->set_type(a.action == "amend"    ? mend::v1::PROPOSAL_TYPE_AMEND
              : a.action == "retire" ? mend::v1::PROPOSAL_TYPE_RETIRE
                                     : mend::v1::PROPOSAL_TYPE_NEW);
  c->set_target_seq(a.target);
  if (retire) {
    ASSIGN_OR_RETURN(*c->mutable_detail(), text.Get("note", "why end it? (blank: no note)"));
  } else {
    ASSIGN_OR_RETURN(*c->mutable_title(), text.Get("title", "the commitment, in a line:", true));
    ASSIGN_OR_RETURN(*c->mutable_detail(), text.Get("detail", "more detail? (blank: none)"));
  }
  if (a.action != "retire") {
    auto bound = FromCliWord(BoundWords(), a.bound);
    auto cadence = FromCliWord(CadenceWords(), a.cadence);
    if (!bound) return absl::InvalidArgumentError("--bound is " + ListOfCliWords(BoundWords()));
    if (!cadence)
      return absl::InvalidArgumentError("--cadence is " + ListOfCliWords(CadenceWords()));
    c->set_bound(*bound);
    c->set_cadence(*cadence);
  }
  c->set_review_date(a.review);
  return WriteEntry(*session, g, p);
}

absl::Status RunCommitmentRespond(const GlobalOptions& g, uint64_t seq,
                                  mend::v1::Decision decision) {
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"note"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  auto* r = p.mutable_commitment_response();
  r->set_proposal_seq(seq);
  r->set_decision(decision);
  ASSIGN_OR_RETURN(*r->mutable_note(), text.Get("note", "a note for your partner? (blank: none)"));
  return WriteEntry(*session, g, p);
}

absl::Status RunCommitmentOutcome(const GlobalOptions& g, uint64_t seq, bool kept, bool slipped) {
  if (kept == slipped) return absl::InvalidArgumentError("say either --kept or --slipped");
  ASSIGN_OR_RETURN(TextInput text, TextInput::Load(g.input, {"note"}));
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  Payload p;
  auto* r = p.mutable_commitment_outcome();
  r->set_commitment_seq(seq);
  r->set_outcome(kept ? mend::v1::OUTCOME_KEPT : mend::v1::OUTCOME_SLIPPED);
  ASSIGN_OR_RETURN(*r->mutable_note(), text.Get("note", "what happened? (blank: no note)"));
  return WriteEntry(*session, g, p);
}

absl::Status RunCommitmentList(const GlobalOptions& g) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true, Reads::kFacts));
  const CoupleState& c = session->couple();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [seq, cm] : c.commitments) {
    if (cm.proposal.type() == mend::v1::PROPOSAL_TYPE_RETIRE) continue;
    uint32_t reports = cm.kept + cm.slipped;
    std::string bound;
    for (const auto& b : cm.bound) bound += (bound.empty() ? "" : " and ") + c.NameOf(b);
    if (g.json) {
      out.push_back({{"seq", seq},
                     {"title", cm.proposal.title()},
                     {"state", std::string(ToString(cm.state))},
                     {"proposer", c.NameOf(cm.proposer)},
                     {"bound", bound},
                     {"kept", cm.kept},
                     {"slipped", cm.slipped},
                     {"review_date", cm.proposal.review_date()},
                     {"superseded_by", cm.superseded_by}});
      continue;
    }
    std::cout << fmt::format("#{:<4} {:<18} \"{}\" (by {}, binds {})", seq, ToString(cm.state),
                             OneLine(cm.proposal.title()), OneLine(c.NameOf(cm.proposer)),
                             OneLine(bound));
    if (reports > 0)
      std::cout << fmt::format(", kept {}/{} ({}%)", cm.kept, reports, cm.kept * 100 / reports);
    std::cout << "\n";
  }
  if (g.json) std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

}  // namespace

void DeclareCommitmentCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto* c_commitment = cli.app.add_subcommand("commitment", "agreed transparency commitments");
  c_commitment->require_subcommand(1);
  auto propose = std::make_shared<ProposeArgs>();
  for (const std::string action : {"propose", "amend", "retire"}) {
    auto* sub = c_commitment->add_subcommand(
        action, action == "propose" ? "propose a new commitment"
                : action == "amend" ? "propose a change to an agreed commitment"
                                    : "propose ending an agreed commitment");
    if (action != "propose")
      sub->add_option("seq", propose->target, "the commitment's #")->required();
    if (action != "retire") {
      RefuseText(sub, "--title", "title");
      RefuseText(sub, "--detail", "detail");
      sub->add_option("--bound", propose->bound, "who is bound: " + ListOfCliWords(BoundWords()))
          ->check(CLI::IsMember(CliWords(BoundWords())))
          ->capture_default_str();
      sub->add_option("--cadence", propose->cadence, ListOfCliWords(CadenceWords()))
          ->check(CLI::IsMember(CliWords(CadenceWords())))
          ->capture_default_str();
      sub->add_option("--review", propose->review, "date to review it together, YYYY-MM-DD");
    } else {
      RefuseText(sub, "--note", "note");
    }
    sub->callback(cli.Run([&g, propose, action] {
      propose->action = action;
      return RunCommitmentPropose(g, *propose);
    }));
  }
  auto respond_seq = std::make_shared<uint64_t>(0);
  for (const auto& word : DecisionWords()) {
    auto* sub = c_commitment->add_subcommand(std::string(word.cli),
                                             std::string(word.cli) + " your partner's proposal");
    sub->add_option("seq", *respond_seq, "the proposal's #")->required();
    RefuseText(sub, "--note", "note");
    const mend::v1::Decision decision = word.value;
    sub->callback(cli.Run(
        [&g, respond_seq, decision] { return RunCommitmentRespond(g, *respond_seq, decision); }));
  }
  struct OutcomeArgs {
    uint64_t seq = 0;
    bool kept = false, slipped = false;
  };
  auto outcome = std::make_shared<OutcomeArgs>();
  auto* c_outcome =
      c_commitment->add_subcommand("outcome", "say honestly whether a commitment was kept");
  c_outcome->add_option("seq", outcome->seq, "the commitment's #")->required();
  c_outcome->add_flag("--kept", outcome->kept, "it was kept");
  c_outcome->add_flag("--slipped", outcome->slipped, "it slipped");
  RefuseText(c_outcome, "--note", "note");
  c_outcome->callback(cli.Run([&g, outcome] {
    return RunCommitmentOutcome(g, outcome->seq, outcome->kept, outcome->slipped);
  }));
  c_commitment->add_subcommand("list", "commitments and adherence")->callback(cli.Run([&g] {
    return RunCommitmentList(g);
  }));
}

}  // namespace mend::client
