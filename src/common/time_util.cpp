// Wall-clock helpers and the canonical timestamp text format.
#include "common/time_util.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

namespace kalam {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Days since 1970-01-01 -> proleptic Gregorian date (H. Hinnant's civil_from_days),
// valid for the whole int64 microsecond range.
CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t month_index = (5 * day_of_year + 2) / 153;                     // [0, 11], March-based
  const unsigned day = static_cast<unsigned>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const unsigned month = static_cast<unsigned>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

}  // namespace

int64_t now_unix_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t now_unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_timestamp_micros(int64_t unix_micros) {
  // Floor division so that instants before 1970 land on the previous day.
  int64_t days = unix_micros / kMicrosPerDay;
  int64_t micros_of_day = unix_micros % kMicrosPerDay;
  if (micros_of_day < 0) {
    micros_of_day += kMicrosPerDay;
    days -= 1;
  }
  const CivilDate date = civil_from_days(days);
  const int64_t seconds_of_day = micros_of_day / kMicrosPerSecond;
  const int64_t fraction = micros_of_day % kMicrosPerSecond;

  char buffer[64];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "%s%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%06" PRId64 "Z",
                    date.year < 0 ? "-" : "", date.year < 0 ? -date.year : date.year, date.month, date.day,
                    static_cast<int>(seconds_of_day / 3600), static_cast<int>(seconds_of_day / 60 % 60),
                    static_cast<int>(seconds_of_day % 60), fraction);
  return std::string(buffer, length > 0 ? static_cast<size_t>(length) : 0);
}

}  // namespace kalam
