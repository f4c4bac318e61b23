// The honest couple that keeps working while the floods run: one append at a
// time, each chained on the head the previous one returned, the two members
// taking turns, about ten a second (half the per-member append rate, so that
// its own pace never trips a limit), and a fresh login (Challenge + Login
// from 127.0.0.1 without x-forwarded-for, exactly like the attackers' direct
// calls) at the start of each phase and every few seconds. It measures
// whether the floods lock a real couple out, and how much they slow it.
#ifndef MEND_TESTS_HOSTILE_HONEST_WRITER_H_
#define MEND_TESTS_HOSTILE_HONEST_WRITER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "mend/v1/service.pb.h"
#include "tests/server/test_server.h"

namespace mend::hostile {

class HonestWriter {
 public:
  // What the couple saw during one phase.
  struct PhaseRecord {
    std::string phase;
    std::vector<double> append_ms;  // latencies of the appends that succeeded
    std::map<grpc::StatusCode, int> append_failures;
    int logins_ok = 0;
    std::map<grpc::StatusCode, int> login_failures;
    std::string first_lockout;  // the first RESOURCE_EXHAUSTED / UNAUTHENTICATED, described

    int lockouts() const;
    double Percentile(double p) const;  // of append_ms; 0 when empty
  };

  // `couple` is paired and logged in; its log ends at `head`. The couple is
  // borrowed and must outlive this object; nothing else may use its members'
  // tokens until Stop() has returned.
  HonestWriter(testing::TestCouple* couple, mend::v1::Head head);
  ~HonestWriter();  // Stop()

  // Starts the writer thread in phase `phase`.
  void Start(const std::string& phase);
  // Later samples belong to `phase`; the writer logs in again at once, so
  // that even a short phase sees a login.
  void SetPhase(const std::string& phase);
  // Stops the thread (within about one call timeout) and returns the records.
  std::vector<PhaseRecord> Stop();
  // The head after the last successful append. REQUIRES: Stop() returned.
  const mend::v1::Head& head() const { return head_; }

 private:
  void Run();
  void AppendOnce();
  void LoginOnce();
  PhaseRecord& Current() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NoteLockout(const std::string& what, const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  testing::TestCouple* const couple_;
  mend::v1::Head head_;  // owned by the writer thread while it runs
  int logins_ = 0;       // writer thread only
  std::atomic<bool> stop_{false};
  std::atomic<bool> login_now_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string phase_ ABSL_GUARDED_BY(mu_);
  std::vector<PhaseRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_HONEST_WRITER_H_
