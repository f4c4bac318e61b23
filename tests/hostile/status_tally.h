// Counts the statuses a phase's calls came back with, per label (an rpc, or
// an rpc and field), and the ones that broke that label's rule, each with a
// sample message. Thread-safe: completions arrive on gRPC threads.
#ifndef MEND_TESTS_HOSTILE_STATUS_TALLY_H_
#define MEND_TESTS_HOSTILE_STATUS_TALLY_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace mend::hostile {

class StatusTally {
 public:
  // Records one answer under `label`. A `violation` is also recorded under
  // `label` + " " + `detail` (for instance "len 17"), with the first message seen.
  void Add(const std::string& label, const grpc::Status& status, bool violation = false,
           const std::string& detail = "");

  size_t Count(const std::string& label, grpc::StatusCode code) const;
  size_t Total(const std::string& label) const;
  size_t Total() const;
  size_t violations() const;

  // One row per label, one column per status code seen, and the violations.
  void Print(std::ostream& out) const;
  // "Pairing.GetJoin couple_id len 17: OK x3 (sample message)", at most `max` lines.
  std::vector<std::string> ViolationLines(size_t max) const;

 private:
  struct Violation {
    size_t count = 0;
    std::string sample;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::map<grpc::StatusCode, size_t>> counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, size_t> label_violations_ ABSL_GUARDED_BY(mu_);
  // Key: label, detail and code name.
  std::map<std::string, Violation> violations_ ABSL_GUARDED_BY(mu_);
  size_t total_violations_ ABSL_GUARDED_BY(mu_) = 0;
};

// No answer (a deadline, a dropped connection) or a server that broke
// (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED): wrong for any request.
bool IsBroken(grpc::StatusCode code);

// "INVALID_ARGUMENT", "OK", ...
const char* CodeName(grpc::StatusCode code);
// A short column heading for a code ("INVALID_ARG").
const char* ShortCodeName(grpc::StatusCode code);

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_STATUS_TALLY_H_
