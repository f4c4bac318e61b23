// Commands that only read the verified log.
#include <iostream>

#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/views/render.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mend::client {
namespace {

struct LogArgs {
  std::string kind, author, since, until;
};

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
    if (g.json)
      out.push_back(EntryJson(session->couple(), f, me));
    else
      std::cout << EntryLine(session->couple(), f) << "\n";
  }
  if (g.json) std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

absl::Status RunShow(const GlobalOptions& g, uint64_t seq) {
  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  const auto& entries = session->couple().entries;
  if (seq == 0 || seq > entries.size()) {
    return absl::NotFoundError(
        fmt::format("there is no entry #{} (the log has {})", seq, entries.size()));
  }
  const FoldedEntry& f = entries[seq - 1];
  if (g.json)
    std::cout << EntryJson(session->couple(), f, session->state().sign_pk).dump(2) << "\n";
  else
    std::cout << EntryDetail(session->couple(), f) << "\n";
  return absl::OkStatus();
}

}  // namespace

void DeclareReadCommands(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto log = std::make_shared<LogArgs>();
  auto* c_log = cli.app.add_subcommand("log", "the verified timeline");
  c_log->add_option("--kind", log->kind,
                    "checkin, trigger, ack, question, answer, letter, disclosure, proposal, ...");
  c_log->add_option("--author", log->author, "me or partner")
      ->check(CLI::IsMember({"me", "partner"}));
  c_log->add_option("--since", log->since, "first day, YYYY-MM-DD");
  c_log->add_option("--until", log->until, "last day, YYYY-MM-DD");
  c_log->callback(cli.Run([&g, log] { return RunLog(g, *log); }));
  auto show_seq = std::make_shared<uint64_t>(0);
  auto* c_show = cli.app.add_subcommand("show", "one entry in full");
  c_show->add_option("seq", *show_seq, "the entry's #")->required();
  c_show->callback(cli.Run([&g, show_seq] { return RunShow(g, *show_seq); }));
}

}  // namespace mend::client
