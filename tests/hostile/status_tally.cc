#include "tests/hostile/status_tally.h"

#include <algorithm>
#include <iomanip>
#include <set>

namespace mend::hostile {

bool IsBroken(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "CODE_?";
  }
}

const char* ShortCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARG";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERM_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTH";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RES_EXHAUST";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAIL";
    default:
      return CodeName(code);
  }
}

void StatusTally::Add(const std::string& label, const grpc::Status& status, bool violation,
                      const std::string& detail) {
  std::lock_guard lock(mu_);
  ++counts_[label][status.error_code()];
  if (!violation) return;
  ++total_violations_;
  ++label_violations_[label];
  std::string key =
      label + (detail.empty() ? "" : " " + detail) + ": " + CodeName(status.error_code());
  Violation& v = violations_[key];
  if (v.count++ == 0) v.sample = status.error_message().substr(0, 120);
}

size_t StatusTally::Count(const std::string& label, grpc::StatusCode code) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(label);
  if (it == counts_.end()) return 0;
  auto c = it->second.find(code);
  return c == it->second.end() ? 0 : c->second;
}

size_t StatusTally::Total(const std::string& label) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(label);
  size_t n = 0;
  if (it != counts_.end()) {
    for (const auto& [code, count] : it->second) n += count;
  }
  return n;
}

size_t StatusTally::Total() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [label, codes] : counts_) {
    for (const auto& [code, count] : codes) n += count;
  }
  return n;
}

size_t StatusTally::violations() const {
  std::lock_guard lock(mu_);
  return total_violations_;
}

void StatusTally::Print(std::ostream& out) const {
  std::lock_guard lock(mu_);
  std::set<grpc::StatusCode> codes;
  size_t label_width = 5;
  for (const auto& [label, by_code] : counts_) {
    label_width = std::max(label_width, label.size());
    for (const auto& [code, count] : by_code) codes.insert(code);
  }
  out << "  " << std::left << std::setw(static_cast<int>(label_width)) << "call" << std::right;
  for (auto code : codes) out << std::setw(12) << ShortCodeName(code);
  out << std::setw(8) << "total" << std::setw(7) << "bad"
      << "\n";
  for (const auto& [label, by_code] : counts_) {
    size_t total = 0;
    out << "  " << std::left << std::setw(static_cast<int>(label_width)) << label << std::right;
    for (auto code : codes) {
      auto it = by_code.find(code);
      size_t n = it == by_code.end() ? 0 : it->second;
      total += n;
      if (n == 0) {
        out << std::setw(12) << ".";
      } else {
        out << std::setw(12) << n;
      }
    }
    auto bad = label_violations_.find(label);
    out << std::setw(8) << total << std::setw(7)
        << (bad == label_violations_.end() ? 0 : bad->second) << "\n";
  }
}

std::vector<std::string> StatusTally::ViolationLines(size_t max) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> lines;
  for (const auto& [key, v] : violations_) {
    if (lines.size() == max) {
      lines.push_back("... and " + std::to_string(violations_.size() - max) + " more kinds");
      break;
    }
    lines.push_back(key + " x" + std::to_string(v.count) +
                    (v.sample.empty() ? "" : " (\"" + v.sample + "\")"));
  }
  return lines;
}

}  // namespace mend::hostile
