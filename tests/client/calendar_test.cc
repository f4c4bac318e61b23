#include "client/state/calendar.h"

#include <gtest/gtest.h>

namespace mend::client {
namespace {

TEST(Calendar, OnlyRealDaysAreDates) {
  for (const char* day : {"2026-12-02", "2028-02-29", "2000-02-29", "1970-01-01", "2026-12-31"}) {
    EXPECT_TRUE(IsCalendarDate(day)) << day;
  }
  for (const char* not_day : {"", "2026-2-02", "2026-02-30", "2026-04-31", "2026-02-29",
                              "1900-02-29", "2026-13-01", "2026-00-10", "2026-01-00", "abcdefghij",
                              "2026/01/01", "2026-01-01 ", "+026-01-01", "2026-01-0x"}) {
    EXPECT_FALSE(IsCalendarDate(not_day)) << not_day;
  }
}

TEST(Calendar, ArithmeticIsOnDaysNotClocks) {
  EXPECT_EQ(AddDays("2026-12-31", 1), "2027-01-01");
  EXPECT_EQ(AddDays("2028-03-01", -1), "2028-02-29");
  EXPECT_EQ(AddDays("2026-03-28", 7), "2026-04-04");  // across a DST change in many zones
  EXPECT_EQ(DayIndex("1970-01-01"), 0);
  EXPECT_EQ(DayIndex("1970-01-08"), 7);
  EXPECT_EQ(WeekOf("2026-12-02"), "2026-11-30");  // a Wednesday; its Monday
  EXPECT_EQ(WeekOf("2026-11-30"), "2026-11-30");
  EXPECT_EQ(WeekOf("2027-01-03"), "2026-12-28");  // a Sunday belongs to the week before
}

TEST(Calendar, LocalDateFollowsTheClock) {
  const int64_t now = NowMs();
  EXPECT_TRUE(IsCalendarDate(LocalDate(now)));
  EXPECT_EQ(LocalDateTime(now).substr(0, 10), LocalDate(now));
}

}  // namespace
}  // namespace mend::client
