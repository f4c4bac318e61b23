// `mend export`: the therapist report, optionally encrypted to age recipients.
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/status_macros.h"
#include "client/cli/commands.h"
#include "client/views/report.h"
#include "client/views/text_safety.h"
#include "crypto/age/file.h"
#include "crypto/safety_number.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

std::vector<std::string> SplitCommas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream in(v);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

struct ExportArgs {
  std::string since, until, last, format = "md", output;
  std::vector<std::string> only, redact, age_recipients;
};

absl::Status RunExport(const GlobalOptions& g, const ExportArgs& a) {
  // Check everything the user typed before unlocking anything.
  std::vector<crypto::Bytes> recipients;
  for (const auto& r : a.age_recipients) {
    ASSIGN_OR_RETURN(crypto::Bytes key, crypto::ParseAgeRecipient(r));
    recipients.push_back(key);
  }
  if (a.format != "md" && a.format != "json" && a.format != "html") {
    return absl::InvalidArgumentError("--format is md, json or html");
  }
  ReportOptions options;
  options.now_unix_ms = NowMs();
  const std::string today = LocalDate(options.now_unix_ms);
  options.until = a.until.empty() ? today : a.until;
  if (!a.last.empty()) {
    if (!a.since.empty())
      return absl::InvalidArgumentError("give either --since or --last, not both");
    ASSIGN_OR_RETURN(options.since, PeriodStart(a.last, options.until));
  } else {
    options.since = a.since.empty() ? AddDays(options.until, -27) : a.since;
  }
  if (!IsCalendarDate(options.since) || !IsCalendarDate(options.until))
    return absl::InvalidArgumentError("dates are YYYY-MM-DD");
  if (options.since > options.until) return absl::InvalidArgumentError("--since is after --until");
  for (const auto& kind : SplitCommas(a.only)) {
    auto k = ParseKindName(kind);
    if (!k) return absl::InvalidArgumentError(fmt::format("unknown kind '{}' in --only", kind));
    options.only.insert(*k);
  }
  for (const auto& word : SplitCommas(a.redact)) {
    if (!RedactionWords().count(word)) {
      return absl::InvalidArgumentError(
          fmt::format("unknown --redact '{}'; use notes, letters, questions, answers, disclosures, "
                      "triggers or reflections",
                      word));
    }
    options.redact.insert(word);
  }
  const bool to_terminal = a.output.empty() && ::isatty(STDOUT_FILENO);
  if (!recipients.empty() && to_terminal) {
    return absl::FailedPreconditionError(
        "refusing to write encrypted binary output to the terminal; use -o FILE");
  }

  ASSIGN_OR_RETURN(auto session, OpenSession(g, true));
  const ProfileState& s = session->state();
  if (s.pairing != PairingState::kPaired || !s.partner) {
    return absl::FailedPreconditionError("not paired yet; there is nothing to export");
  }
  ReportContext ctx;
  ctx.couple = &session->couple();
  ctx.me = s.sign_pk;
  ctx.safety_number =
      crypto::SafetyNumber({s.sign_pk, s.box_pk}, {s.partner->sign_pk, s.partner->box_pk});
  ctx.safety_confirmed = s.safety_confirmed;
  ctx.head_seq = session->head().seq;
  ctx.head_hash = session->head().hash;
  Report report = BuildReport(ctx, options);
  std::string text = a.format == "md"     ? RenderMarkdown(report)
                     : a.format == "json" ? RenderJson(report)
                                          : RenderHtml(report);

  std::string out;
  if (!recipients.empty()) {
    // The plaintext moves into guarded memory and is encrypted there; it never reaches a file.
    crypto::SecretBytes plain = crypto::SecretBytes::CopyOf(text);
    std::fill(text.begin(), text.end(), '\0');
    ASSIGN_OR_RETURN(out, crypto::AgeEncrypt(plain, recipients));
  } else {
    out = std::move(text);
  }
  if (a.output.empty()) {
    // The report is a file format of its own (escaped for its readers, or
    // age ciphertext): its bytes go out as they are.
    std::cout.flush();
    RawStdout()->sputn(out.data(), static_cast<std::streamsize>(out.size()));
    RawStdout()->pubsync();
  } else {
    RETURN_IF_ERROR(base::AtomicWriteFile(a.output, out, 0600));
    if (::isatty(STDERR_FILENO)) {
      std::cerr << fmt::format("wrote {} ({} entries, {} to {}{})\n", a.output,
                               report.timeline.size(), options.since, options.until,
                               recipients.empty() ? "" : ", age-encrypted");
    }
  }
  std::fill(out.begin(), out.end(), '\0');
  return absl::OkStatus();
}

}  // namespace

void DeclareExportCommand(const CommandLine& cli) {
  const GlobalOptions& g = cli.g;
  auto exp = std::make_shared<ExportArgs>();
  auto* c_export = cli.app.add_subcommand(
      "export", "a report for a therapist session (Markdown, JSON or HTML; age-encrypted)");
  c_export->add_option("--since", exp->since, "first day, YYYY-MM-DD (default: 4 weeks ago)");
  c_export->add_option("--until", exp->until, "last day, YYYY-MM-DD (default: today)");
  c_export->add_option("--last", exp->last, "a period ending today (or --until): 2w, 10d, 3m");
  c_export->add_option("--format", exp->format, "md, json or html")
      ->check(CLI::IsMember({"md", "json", "html"}))
      ->capture_default_str();
  c_export->add_option("--only", exp->only,
                       "only these kinds, comma-separated (checkin,trigger,ack,...)");
  c_export->add_option(
      "--redact", exp->redact,
      "hide: notes, letters, questions, answers, disclosures, triggers, reflections");
  c_export->add_option("-o,--output", exp->output,
                       "write to this file (mode 0600) instead of stdout");
  c_export->add_option("--age-recipient", exp->age_recipients,
                       "encrypt to this age1... key (repeatable)");
  c_export->callback(cli.Run([&g, exp] { return RunExport(g, *exp); }));
}

}  // namespace mend::client
