// RecentMembers: the append handler's memory of who is a member of which
// couple, advisory and short-lived (the committer's check decides).
#include "server/recent_members.h"

#include <gtest/gtest.h>

#include "tests/server/test_server.h"

namespace mend::server {
namespace {

TEST(RecentMembers, RemembersAMemberOfOneCoupleForTheTtlOnly) {
  testing::TestClock clock;
  RecentMembers recent(clock.AsClock());
  EXPECT_FALSE(recent.Contains("alex", "couple-1"));
  recent.Add("alex", "couple-1");
  EXPECT_TRUE(recent.Contains("alex", "couple-1"));
  EXPECT_FALSE(recent.Contains("alex", "couple-2"));  // membership of one couple, not of any
  EXPECT_FALSE(recent.Contains("sam", "couple-1"));
  recent.Add("alex", "couple-1");
  clock.Advance(RecentMembers::kTtlMs - 1);
  EXPECT_TRUE(recent.Contains("alex", "couple-1"));
  clock.Advance(1);
  EXPECT_FALSE(recent.Contains("alex", "couple-1"));  // the store is asked again
}

TEST(RecentMembers, AClockThatGoesBackForgets) {
  testing::TestClock clock;
  RecentMembers recent(clock.AsClock());
  recent.Add("alex", "couple-1");
  clock.Advance(-60'000);
  EXPECT_FALSE(recent.Contains("alex", "couple-1"));
}

TEST(RecentMembers, AFloodOfIdentitiesCostsAtMostTheBound) {
  testing::TestClock clock;
  RecentMembers recent(clock.AsClock());
  for (size_t i = 0; i < RecentMembers::kMaxEntries; ++i) recent.Add(std::to_string(i), "c");
  EXPECT_TRUE(recent.Contains("0", "c"));
  recent.Add("one more", "c");  // over the bound: starts over
  EXPECT_FALSE(recent.Contains("0", "c"));
  EXPECT_TRUE(recent.Contains("one more", "c"));
}

}  // namespace
}  // namespace mend::server
