// Partners appending without pause while the tests kill what serves them.
// Each writer keeps the (seq, hash) of every append mendd acknowledged and
// goes on through whatever fails: a refusal names the head to build on, any
// other error is retried. After the storm, every acknowledged entry must be
// in the log at its seq with its hash, and every chain must verify.
#ifndef MEND_TESTS_RELIABILITY_ACKNOWLEDGED_WRITERS_H_
#define MEND_TESTS_RELIABILITY_ACKNOWLEDGED_WRITERS_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/chain_verifier.h"
#include "crypto/entry_codec.h"
#include "tests/server/test_server.h"

namespace mend::testing {

class AcknowledgedWriters {
 public:
  // Pairs `couples` couples through `channel` (which may name several nodes).
  AcknowledgedWriters(const std::shared_ptr<grpc::Channel>& channel, int couples) {
    for (int i = 0; i < couples; ++i) {
      couples_.push_back(std::make_unique<TestCouple>(channel));
      acked_.emplace_back();
    }
  }
  ~AcknowledgedWriters() { Stop(); }

  bool Pair() {
    for (auto& c : couples_) {
      if (!c->Pair()) return false;
    }
    return true;
  }

  // One thread a couple, its first partner appending from the couple's
  // current head until Stop().
  void Start() {
    stop_ = false;
    for (size_t i = 0; i < couples_.size(); ++i) {
      threads_.emplace_back([this, i] { Write(i); });
    }
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  // Appends acknowledged so far, per couple.
  std::vector<size_t> AcknowledgedCounts() {
    std::lock_guard lock(mu_);
    std::vector<size_t> counts;
    for (const auto& a : acked_) counts.push_back(a.size());
    return counts;
  }
  size_t TotalAcknowledged() {
    size_t total = 0;
    for (size_t n : AcknowledgedCounts()) total += n;
    return total;
  }
  uint64_t errors() const { return errors_; }

  // Waits (up to `limit`) until every couple has an acknowledged append
  // beyond `counts`: the writers got through whatever was killed.
  bool EveryCoupleGetsPast(const std::vector<size_t>& counts, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto now = AcknowledgedCounts();
      bool all = true;
      for (size_t i = 0; i < now.size(); ++i) all = all && now[i] > counts[i];
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Fetches each couple's whole log through its second partner: every
  // acknowledged entry is there, and the chain verifies end to end.
  void ExpectNothingAcknowledgedLost(const std::string& when) {
    std::lock_guard lock(mu_);
    EXPECT_EQ(reacknowledged_, 0u) << when << ": seqs acknowledged twice (the first entry lost)";
    for (size_t i = 0; i < couples_.size(); ++i) {
      TestCouple& c = *couples_[i];
      grpc::Status fs;
      std::vector<mend::v1::Entry> entries;
      for (int attempt = 0; attempt < 100; ++attempt) {
        entries = c.b->Fetch(c.couple_id, 0, &fs);
        if (fs.ok()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_TRUE(fs.ok()) << when << ": " << fs.error_message();
      size_t lost = 0;
      for (const auto& [seq, hash] : acked_[i]) {
        if (seq > entries.size() ||
            crypto::EntryHash(entries[seq - 1].header(), entries[seq - 1].ciphertext()) != hash) {
          ++lost;
        }
      }
      EXPECT_EQ(lost, 0u) << when << ", couple " << i << ": acknowledged entries lost or replaced";
      crypto::KeyRing keys;
      keys[0] = c.key.Clone();
      crypto::ChainContext ctx{
          c.couple_id, {c.a->identity.sign_pk(), c.b->identity.sign_pk()}, &keys, {0, c.genesis()}};
      auto verified = crypto::VerifyChain(ctx, entries);
      EXPECT_EQ(verified.failure, std::nullopt)
          << when << ", couple " << i << ": " << verified.failure->Message();
    }
  }

 private:
  void Write(size_t i) {
    TestCouple& c = *couples_[i];
    mend::v1::Head head;
    head.set_hash(c.genesis());
    {
      std::lock_guard lock(mu_);
      if (!acked_[i].empty()) {
        head.set_seq(acked_[i].rbegin()->first);
        head.set_hash(acked_[i].rbegin()->second);
      }
    }
    while (!stop_) {
      mend::v1::Head made, current;
      grpc::Status s = c.a->Append(c.Entry(*c.a, head.seq() + 1, head.hash()), &made, &current,
                                   nullptr, std::chrono::seconds(10));
      if (s.ok()) {
        std::lock_guard lock(mu_);
        // A seq acknowledged twice means the first entry at it was lost and
        // the log rebuilt past it: keep the first, which the check will miss.
        auto [at, fresh] = acked_[i].emplace(made.seq(), made.hash());
        if (!fresh) ++reacknowledged_;
        head = made;
      } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION && current.seq() > 0) {
        // Someone's entry is the head; after a lost answer it may be our own.
        head = current;
      } else {
        ++errors_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  std::vector<std::unique_ptr<TestCouple>> couples_;
  std::mutex mu_;
  std::vector<std::map<uint64_t, std::string>> acked_;  // per couple: seq -> hash
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> errors_{0};
  uint64_t reacknowledged_ = 0;  // guarded by mu_
};

}  // namespace mend::testing

#endif  // MEND_TESTS_RELIABILITY_ACKNOWLEDGED_WRITERS_H_
