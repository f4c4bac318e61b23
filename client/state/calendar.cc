#include "client/state/calendar.h"

#include <chrono>
#include <ctime>

#include "fmt/format.h"

namespace mend::client {
namespace {

// Howard Hinnant's days_from_civil and civil_from_days
// (http://howardhinnant.github.io/date_algorithms.html).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097LL + static_cast<int64_t>(doe) - 719468;
}

std::string CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04}-{:02}-{:02}", y + (m <= 2), m, d);
}

unsigned Digits(std::string_view s) {
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string LocalTimeString(int64_t unix_ms, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string LocalDate(int64_t unix_ms) { return LocalTimeString(unix_ms, "%Y-%m-%d"); }

std::string LocalDateTime(int64_t unix_ms) { return LocalTimeString(unix_ms, "%Y-%m-%d %H:%M"); }

bool IsCalendarDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const unsigned month = Digits(s.substr(5, 2)), day = Digits(s.substr(8, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  return AddDays(s, 0) == s;  // rejects 02-30, 04-31 and 02-29 outside leap years
}

int64_t DayIndex(std::string_view date) {
  return DaysFromCivil(static_cast<int>(Digits(date.substr(0, 4))), Digits(date.substr(5, 2)),
                       Digits(date.substr(8, 2)));
}

std::string AddDays(std::string_view date, int days) {
  return CivilFromDays(DayIndex(date) + days);
}

std::string WeekOf(std::string_view date) {
  const int64_t day = DayIndex(date);
  const int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday: Monday = 0
  return CivilFromDays(day - weekday);
}

}  // namespace mend::client
