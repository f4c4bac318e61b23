// Every date and time function of the client, in one place: the clock, local
// dates and times for display, and calendar arithmetic on the YYYY-MM-DD days
// that people write into entries ("until", "review", a talk's week).
//
// Those days are local calendar days with no time zone; arithmetic on them is
// proleptic Gregorian on day numbers, never through a local clock, so "seven
// days later" is the same day everywhere and across a DST change.
#ifndef MEND_CLIENT_STATE_CALENDAR_H_
#define MEND_CLIENT_STATE_CALENDAR_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace mend::client {

// Milliseconds since the Unix epoch, from the system clock.
int64_t NowMs();

// `unix_ms` in the local time zone, formatted by strftime's `format`.
std::string LocalTimeString(int64_t unix_ms, const char* format);
// YYYY-MM-DD in the local time zone.
std::string LocalDate(int64_t unix_ms);
// YYYY-MM-DD HH:MM in the local time zone.
std::string LocalDateTime(int64_t unix_ms);

// True when `s` is YYYY-MM-DD naming a real day (2026-02-29 is not one).
// Every date that comes from a person or a partner is checked with this
// before any function below sees it.
bool IsCalendarDate(std::string_view s);

// The functions below REQUIRE IsCalendarDate(date).
// `date` moved by `days` (negative moves back).
std::string AddDays(std::string_view date, int days);
// Days since 1970-01-01.
int64_t DayIndex(std::string_view date);
// The Monday of the week holding `date`.
std::string WeekOf(std::string_view date);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_CALENDAR_H_
