#include "tests/hostile/honest_writer.h"

#include <algorithm>

#include "tests/hostile/deadline.h"
#include "tests/hostile/stage_calls.h"

namespace mend::hostile {
namespace {

constexpr Millis kAppendInterval{100};
// Each member logs in every 6 s (they alternate): well inside a per-member
// login budget, often enough to cross every phase.
constexpr Millis kLoginInterval{3000};
constexpr Millis kCallTimeout{10000};
// However the suite goes wrong, the writer stops by itself.
constexpr Millis kHardCap{30 * 60 * 1000};

bool IsLockout(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         s.error_code() == grpc::StatusCode::UNAUTHENTICATED;
}

}  // namespace

int HonestWriter::PhaseRecord::lockouts() const {
  int n = 0;
  for (auto code : {grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::UNAUTHENTICATED}) {
    if (auto it = append_failures.find(code); it != append_failures.end()) n += it->second;
    if (auto it = login_failures.find(code); it != login_failures.end()) n += it->second;
  }
  return n;
}

double HonestWriter::PhaseRecord::Percentile(double p) const {
  if (append_ms.empty()) return 0;
  std::vector<double> sorted = append_ms;
  std::sort(sorted.begin(), sorted.end());
  size_t i =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

HonestWriter::HonestWriter(testing::TestCouple* couple, mend::v1::Head head)
    : couple_(couple), head_(std::move(head)) {}

HonestWriter::~HonestWriter() { Stop(); }

void HonestWriter::Start(const std::string& phase) {
  SetPhase(phase);
  thread_ = std::thread([this] { Run(); });
}

void HonestWriter::SetPhase(const std::string& phase) {
  std::lock_guard lock(mu_);
  phase_ = phase;
  records_.push_back({});
  records_.back().phase = phase;
  login_now_ = true;
}

std::vector<HonestWriter::PhaseRecord> HonestWriter::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return records_;
}

HonestWriter::PhaseRecord& HonestWriter::Current() { return records_.back(); }

void HonestWriter::NoteLockout(const std::string& what, const grpc::Status& status) {
  if (Current().first_lockout.empty()) Current().first_lockout = what + ": " + Describe(status);
}

void HonestWriter::Run() {
  Deadline cap(kHardCap);
  auto next_login = SteadyClock::now() + kLoginInterval;
  while (!stop_ && !cap.Expired()) {
    const auto started = SteadyClock::now();
    if (started >= next_login || login_now_.exchange(false)) {
      LoginOnce();
      next_login = started + kLoginInterval;
    }
    AppendOnce();
    std::this_thread::sleep_until(started + kAppendInterval);
  }
}

void HonestWriter::AppendOnce() {
  testing::TestMember& author = (head_.seq() % 2 == 0) ? *couple_->a : *couple_->b;
  const std::string prev = head_.seq() == 0 ? couple_->genesis() : head_.hash();
  mend::v1::Entry entry = couple_->Entry(author, head_.seq() + 1, prev);
  mend::v1::Head next;
  const auto t0 = SteadyClock::now();
  grpc::Status s = AppendEntry(author, entry, &next, kCallTimeout);
  const double ms = SecondsSince(t0) * 1000.0;
  {
    std::lock_guard lock(mu_);
    if (s.ok()) {
      Current().append_ms.push_back(ms);
    } else {
      ++Current().append_failures[s.error_code()];
      if (IsLockout(s)) NoteLockout("append", s);
    }
  }
  if (s.ok()) {
    head_ = next;
    return;
  }
  // Only this writer appends to the couple, so a stale head means an append
  // whose answer was lost (a deadline) did land; the server says where.
  if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION && next.seq() > 0) {
    head_ = next;
  } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
             s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    mend::v1::Head current;
    if (GetHead(author, couple_->couple_id, &current).ok()) head_ = current;
  } else if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    hostile::LoginOnce(author, "", kCallTimeout);
  }
}

void HonestWriter::LoginOnce() {
  testing::TestMember& member = (logins_++ % 2 == 0) ? *couple_->a : *couple_->b;
  grpc::Status s = hostile::LoginOnce(member, "", kCallTimeout);
  std::lock_guard lock(mu_);
  if (s.ok()) {
    ++Current().logins_ok;
  } else {
    ++Current().login_failures[s.error_code()];
    if (IsLockout(s)) NoteLockout("login", s);
  }
}

}  // namespace mend::hostile
