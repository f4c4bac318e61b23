// The append committer's group commit: several appends in one batch, each
// checked against the head its batch-mates made, none answered before the
// batch is durable.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <mutex>
#include <vector>

#include "crypto/chain_verifier.h"
#include "crypto/entry_codec.h"
#include "server/server_state.h"
#include "tests/server/test_server.h"

namespace mend::testing {
namespace {

struct Answers {
  std::vector<std::promise<server::AppendResult>> slots{4};
  server::AppendDone For(size_t i) {
    return [this, i](server::AppendResult r) { slots[i].set_value(std::move(r)); };
  }
};

TEST(GroupCommit, AppendsSharingABatchChainOnEachOtherAndWaitForTheWrite) {
  TestServer srv;
  TestCouple c(srv.address());
  ASSERT_TRUE(c.Pair());
  server::ServerState* state = srv.get()->state();
  const std::string& author = c.a->identity.sign_pk();

  mend::v1::Entry first = c.Entry(*c.a, 1, c.genesis());
  std::string first_hash = crypto::EntryHash(first.header(), first.ciphertext());
  mend::v1::Entry second = c.Entry(*c.a, 2, first_hash);
  std::string second_hash = crypto::EntryHash(second.header(), second.ciphertext());
  mend::v1::Entry rival =
      c.Entry(*c.a, 2, first_hash, 0, 20);  // also seq 2: one of the two must lose
  mend::v1::Entry third = c.Entry(*c.a, 3, second_hash);

  Answers answers;
  std::vector<std::future<server::AppendResult>> results;
  for (auto& p : answers.slots) results.push_back(p.get_future());
  {
    // Holding the couple's lock stalls the committer: whatever batches it
    // forms, nothing can be written, so nothing may be answered.
    std::lock_guard hold(state->locks.For(c.couple_id));
    state->log.AppendAsync(author, first, answers.For(0));
    state->log.AppendAsync(author, second, answers.For(1));
    state->log.AppendAsync(author, rival, answers.For(2));
    state->log.AppendAsync(author, third, answers.For(3));
    for (auto& r : results) {
      EXPECT_EQ(r.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
          << "an append was answered before it could have been written";
    }
  }
  auto r0 = results[0].get(), r1 = results[1].get(), r2 = results[2].get(), r3 = results[3].get();
  ASSERT_TRUE(r0.head.ok()) << r0.head.status();
  ASSERT_TRUE(r1.head.ok()) << r1.head.status();
  ASSERT_TRUE(r3.head.ok()) << r3.head.status();
  EXPECT_EQ(r3.head->seq(), 3u);
  EXPECT_EQ(r1.head->hash(), second_hash);
  ASSERT_FALSE(r2.head.ok());
  EXPECT_EQ(r2.head.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(r2.stale_head.has_value());
  EXPECT_EQ(r2.stale_head->seq(), 2u);
  EXPECT_EQ(r2.stale_head->hash(), second_hash);

  // What the partner fetches is exactly the three winners, in order, and verifies.
  auto stored = c.b->Fetch(c.couple_id, 0);
  ASSERT_EQ(stored.size(), 3u);
  crypto::KeyRing keys;
  keys[0] = c.key.Clone();
  crypto::ChainContext ctx{
      c.couple_id, {c.a->identity.sign_pk(), c.b->identity.sign_pk()}, &keys, {0, c.genesis()}};
  EXPECT_FALSE(crypto::VerifyChain(ctx, stored).failure.has_value());
  EXPECT_EQ(stored[1].SerializeAsString(), second.SerializeAsString());
}

TEST(GroupCommit, ABadEntryInABatchDoesNotSinkTheOthers) {
  TestServer srv;
  TestCouple one(srv.address()), two(srv.address());
  ASSERT_TRUE(one.Pair());
  ASSERT_TRUE(two.Pair());
  server::ServerState* state = srv.get()->state();
  Answers answers;
  std::vector<std::future<server::AppendResult>> results;
  for (auto& p : answers.slots) results.push_back(p.get_future());
  {
    // Locks are striped: two couples may share one mutex, which must then be
    // taken once (the test once deadlocked on itself when they did). Taken in
    // address order, as the committer takes them (TSan saw the other order
    // as a possible deadlock).
    std::mutex* first = &state->locks.For(one.couple_id);
    std::mutex* second = &state->locks.For(two.couple_id);
    if (std::less<std::mutex*>()(second, first)) std::swap(first, second);
    std::unique_lock hold_first(*first);
    std::unique_lock<std::mutex> hold_second;
    if (second != first) hold_second = std::unique_lock(*second);
    state->log.AppendAsync(one.a->identity.sign_pk(), one.Entry(*one.a, 1, one.genesis()),
                           answers.For(0));
    // Wrong position for couple two, and an unknown epoch for couple two.
    state->log.AppendAsync(two.a->identity.sign_pk(), two.Entry(*two.a, 5, two.genesis()),
                           answers.For(1));
    state->log.AppendAsync(two.a->identity.sign_pk(), two.Entry(*two.a, 1, two.genesis(), 7),
                           answers.For(2));
    state->log.AppendAsync(two.a->identity.sign_pk(), two.Entry(*two.a, 1, two.genesis()),
                           answers.For(3));
  }
  auto r0 = results[0].get(), r1 = results[1].get(), r2 = results[2].get(), r3 = results[3].get();
  EXPECT_TRUE(r0.head.ok()) << r0.head.status();
  EXPECT_EQ(r1.head.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(r1.stale_head.has_value());
  EXPECT_EQ(r2.head.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(r2.stale_head.has_value());
  EXPECT_TRUE(r3.head.ok()) << r3.head.status();
  EXPECT_EQ(one.b->Fetch(one.couple_id, 0).size(), 1u);
  EXPECT_EQ(two.a->Fetch(two.couple_id, 0).size(), 1u);
}

}  // namespace
}  // namespace mend::testing
