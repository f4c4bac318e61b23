#include "tests/hostile/phase_table.h"

#include <cstdio>

namespace mend::hostile {
namespace {

std::string Arrow(double before, double after, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%7.*f ->%7.*f", precision, before, precision, after);
  return buf;
}

std::string Millis1(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ms);
  return buf;
}

int Sum(const std::map<grpc::StatusCode, int>& counts) {
  int n = 0;
  for (const auto& [code, count] : counts) n += count;
  return n;
}

}  // namespace

void PrintPhaseTable(std::ostream& out, const std::vector<PhaseRow>& rows,
                     const std::vector<HonestWriter::PhaseRecord>& honest) {
  char line[256];
  std::snprintf(line, sizeof line, "%-18s %8s %7s %17s %17s %14s %8s %8s\n", "phase", "calls",
                "secs", "RSS MiB", "threads", "honest ok/bad", "p50 ms", "p99 ms");
  out << line;
  for (const auto& row : rows) {
    const HonestWriter::PhaseRecord* h = nullptr;
    for (const auto& r : honest) {
      if (r.phase == row.name) h = &r;
    }
    std::string rss = Arrow(row.before.rss_mib(), row.after.rss_mib(), 1);
    std::string threads = Arrow(row.before.threads, row.after.threads, 0);
    std::string ok_bad = "-", p50 = "-", p99 = "-";
    if (h != nullptr) {
      ok_bad = std::to_string(h->append_ms.size()) + "/" +
               std::to_string(Sum(h->append_failures) + Sum(h->login_failures));
      p50 = Millis1(h->Percentile(0.50));
      p99 = Millis1(h->Percentile(0.99));
    }
    std::snprintf(line, sizeof line, "%-18s %8zu %7.1f %17s %17s %14s %8s %8s\n", row.name.c_str(),
                  row.calls, row.seconds, rss.c_str(), threads.c_str(), ok_bad.c_str(), p50.c_str(),
                  p99.c_str());
    out << line;
  }
}

}  // namespace mend::hostile
