// The kalam_time collation and the PostgreSQL-style time functions.
#include "sql/engine/time_values.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <string>

#include "catalog/value_coercion.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Instants these functions accept and produce: within ±285,000 years of 1970, so that
// truncating to a millennium or adding an interval never leaves int64 microseconds.
constexpr int64_t kMaxInstant = 9'000'000'000'000'000'000;

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

// The calendar with signed fields (month arithmetic goes below 1 and above 12).
struct Civil {
  int64_t year;
  int64_t month;  // 1..12
  int64_t day;    // 1..31
};

Civil civil_of(int64_t days) {
  CivilDate date = civil_from_days(days);
  return Civil{date.year, date.month, date.day};
}

int64_t days_of(int64_t year, int64_t month, int64_t day) {
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

int compare_time_texts(void*, int left_size, const void* left, int right_size, const void* right) {
  std::string_view a(static_cast<const char*>(left), static_cast<size_t>(left_size));
  std::string_view b(static_cast<const char*>(right), static_cast<size_t>(right_size));
  TimeKey ka = time_key(a), kb = time_key(b);
  if (ka.kind != kb.kind) return ka.kind < kb.kind ? -1 : 1;
  if (ka.kind == TimeKey::Kind::kOther) {
    int order = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    if (order != 0) return order;
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  return ka.micros < kb.micros ? -1 : (ka.micros > kb.micros ? 1 : 0);
}

// The instant a function argument names: ISO text (a TIME is refused), or NULL.
// Sets an error and returns nullopt otherwise.
std::optional<TimeKey> argument_time(sqlite3_context* context, sqlite3_value* value, const char* function) {
  if (sqlite3_value_type(value) == SQLITE_TEXT) {
    std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                          static_cast<size_t>(sqlite3_value_bytes(value)));
    TimeKey key = time_key(text);
    if (key.kind != TimeKey::Kind::kOther && key.micros >= -kMaxInstant && key.micros <= kMaxInstant)
      return key;
  }
  std::string message = std::string(function) +
                        "() expects a timestamp, date or time as ISO-8601 text (e.g. '2025-01-31T10:00:00Z')";
  sqlite3_result_error(context, message.c_str(), -1);
  return std::nullopt;
}

void result_instant(sqlite3_context* context, int64_t micros) {
  std::string text = format_timestamp_micros(micros);
  sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// date_trunc(unit, value): PostgreSQL's units; weeks start on Monday.
void fn_date_trunc(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(context);
  }
  auto value = argument_time(context, argv[1], "date_trunc");
  if (!value) return;
  std::string unit = to_lower(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])));
  if (value->kind == TimeKey::Kind::kTimeOfDay) {
    int64_t step = unit == "hour"           ? 3600 * kMicrosPerSecond
                   : unit == "minute"       ? 60 * kMicrosPerSecond
                   : unit == "second"       ? kMicrosPerSecond
                   : unit == "milliseconds" ? 1000
                   : unit == "microseconds" ? 1
                                            : 0;
    if (step == 0)
      return sqlite3_result_error(context, ("unit '" + unit + "' not recognized for a time").c_str(), -1);
    std::string text = format_time_micros(floor_div(value->micros, step) * step);
    return sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  const int64_t micros = value->micros;
  const int64_t days = floor_div(micros, kMicrosPerDay);
  const Civil date = civil_of(days);
  auto at_day = [](int64_t day_count) { return day_count * kMicrosPerDay; };
  auto at_date = [&](int64_t year, int64_t month) { return at_day(days_of(year, month, 1)); };
  auto floor_to = [&](int64_t step) { return floor_div(micros, step) * step; };
  if (unit == "microseconds") return result_instant(context, micros);
  if (unit == "milliseconds") return result_instant(context, floor_to(1000));
  if (unit == "second") return result_instant(context, floor_to(kMicrosPerSecond));
  if (unit == "minute") return result_instant(context, floor_to(60 * kMicrosPerSecond));
  if (unit == "hour") return result_instant(context, floor_to(3600 * kMicrosPerSecond));
  if (unit == "day") return result_instant(context, at_day(days));
  if (unit == "week")
    return result_instant(context, at_day(days - ((days + 3) % 7 + 7) % 7));  // back to Monday
  if (unit == "month") return result_instant(context, at_date(date.year, date.month));
  if (unit == "quarter") return result_instant(context, at_date(date.year, (date.month - 1) / 3 * 3 + 1));
  if (unit == "year") return result_instant(context, at_date(date.year, 1));
  if (unit == "decade") return result_instant(context, at_date(floor_div(date.year, 10) * 10, 1));
  if (unit == "century") return result_instant(context, at_date(floor_div(date.year - 1, 100) * 100 + 1, 1));
  if (unit == "millennium")
    return result_instant(context, at_date(floor_div(date.year - 1, 1000) * 1000 + 1, 1));
  sqlite3_result_error(context, ("unit '" + unit + "' not recognized").c_str(), -1);
}

void result_number(sqlite3_context* context, int64_t whole, int64_t micros_fraction) {
  if (micros_fraction == 0) return sqlite3_result_int64(context, whole);
  sqlite3_result_double(context, static_cast<double>(whole) + static_cast<double>(micros_fraction) / 1e6);
}

// date_part(field, value): PostgreSQL's fields. Integral results are integers.
void fn_date_part(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(context);
  }
  auto value = argument_time(context, argv[1], "date_part");
  if (!value) return;
  std::string field = to_lower(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])));
  const int64_t micros = value->micros;
  const int64_t in_day = ((micros % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  const int64_t second_micros = in_day % (60 * kMicrosPerSecond);
  if (field == "hour") return sqlite3_result_int64(context, in_day / (3600 * kMicrosPerSecond));
  if (field == "minute") return sqlite3_result_int64(context, in_day / (60 * kMicrosPerSecond) % 60);
  if (field == "second")
    return result_number(context, second_micros / kMicrosPerSecond, second_micros % kMicrosPerSecond);
  if (field == "milliseconds")
    return result_number(context, second_micros / 1000, (second_micros % 1000) * 1000);
  if (field == "microseconds") return sqlite3_result_int64(context, second_micros);
  if (field == "epoch") {
    return result_number(context, floor_div(micros, kMicrosPerSecond),
                         micros - floor_div(micros, kMicrosPerSecond) * kMicrosPerSecond);
  }
  if (value->kind == TimeKey::Kind::kTimeOfDay) {
    return sqlite3_result_error(context, ("field '" + field + "' not recognized for a time").c_str(), -1);
  }
  const int64_t days = floor_div(micros, kMicrosPerDay);
  const Civil date = civil_of(days);
  const int64_t dow = ((days + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  // ISO week: the week (Monday first) holding the year's first Thursday is week 1.
  const int64_t thursday = days - (dow + 6) % 7 + 3;
  const Civil thursday_date = civil_of(thursday);
  const int64_t iso_week = (thursday - days_of(thursday_date.year, 1, 1)) / 7 + 1;
  if (field == "day") return sqlite3_result_int64(context, date.day);
  if (field == "month") return sqlite3_result_int64(context, date.month);
  if (field == "year") return sqlite3_result_int64(context, date.year);
  if (field == "quarter") return sqlite3_result_int64(context, (date.month - 1) / 3 + 1);
  if (field == "dow") return sqlite3_result_int64(context, dow);
  if (field == "isodow") return sqlite3_result_int64(context, dow == 0 ? 7 : dow);
  if (field == "doy") return sqlite3_result_int64(context, days - days_of(date.year, 1, 1) + 1);
  if (field == "week") return sqlite3_result_int64(context, iso_week);
  if (field == "isoyear") return sqlite3_result_int64(context, thursday_date.year);
  if (field == "decade") return sqlite3_result_int64(context, floor_div(date.year, 10));
  if (field == "century") {
    return sqlite3_result_int64(context,
                                date.year > 0 ? (date.year + 99) / 100 : -((99 - (date.year - 1)) / 100));
  }
  if (field == "millennium") {
    return sqlite3_result_int64(context,
                                date.year > 0 ? (date.year + 999) / 1000 : -((999 - (date.year - 1)) / 1000));
  }
  sqlite3_result_error(context, ("field '" + field + "' not recognized").c_str(), -1);
}

// An interval as PostgreSQL writes it: "<number> <unit>" pairs ('1 hour 30 minutes',
// '-2 days', '1.5 hours'). Months and years are kept apart from the rest (their length
// depends on the date they are added to).
struct Interval {
  int64_t months = 0;
  int64_t micros = 0;
};

std::optional<Interval> parse_interval(std::string_view text) {
  Interval interval;
  size_t pos = 0;
  bool any = false;
  auto skip_spaces = [&] {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  };
  for (;;) {
    skip_spaces();
    if (pos == text.size()) break;
    size_t start = pos;
    if (text[pos] == '+' || text[pos] == '-') ++pos;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.'))
      ++pos;
    std::string number(text.substr(start, pos - start));
    if (number.empty() || number == "+" || number == "-") return std::nullopt;
    char* end = nullptr;
    double amount = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(amount) || std::fabs(amount) > 1e12) {
      return std::nullopt;
    }
    skip_spaces();
    start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string unit = to_lower(text.substr(start, pos - start));
    if (unit.size() > 1 && unit.back() == 's' && unit != "ms" && unit != "us") unit.pop_back();
    int64_t scale = 0;  // µs per unit, or 0 for month-based units
    int64_t months = 0;
    if (unit == "microsecond" || unit == "us")
      scale = 1;
    else if (unit == "millisecond" || unit == "ms")
      scale = 1000;
    else if (unit == "second" || unit == "sec" || unit == "s")
      scale = kMicrosPerSecond;
    else if (unit == "minute" || unit == "min" || unit == "m")
      scale = 60 * kMicrosPerSecond;
    else if (unit == "hour" || unit == "h")
      scale = 3600 * kMicrosPerSecond;
    else if (unit == "day" || unit == "d")
      scale = kMicrosPerDay;
    else if (unit == "week" || unit == "w")
      scale = 7 * kMicrosPerDay;
    else if (unit == "month" || unit == "mon")
      months = 1;
    else if (unit == "year" || unit == "y")
      months = 12;
    else
      return std::nullopt;
    if (months != 0) {
      if (amount != std::floor(amount)) return std::nullopt;     // '1.5 months' is ambiguous
      interval.months += static_cast<int64_t>(amount) * months;  // |amount| ≤ 1e12: no overflow
    } else {
      double part = amount * static_cast<double>(scale);
      if (std::fabs(part) > static_cast<double>(kMaxInstant)) return std::nullopt;
      if (__builtin_add_overflow(interval.micros, static_cast<int64_t>(std::llround(part)),
                                 &interval.micros)) {
        return std::nullopt;
      }
    }
    any = true;
  }
  if (!any) return std::nullopt;
  return interval;
}

// date_add(value, interval) and date_sub(value, interval): months first (the day is
// clamped to the month's last), then the rest, as PostgreSQL adds intervals.
void add_interval(sqlite3_context* context, sqlite3_value** argv, int sign, const char* function) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(context);
  }
  auto value = argument_time(context, argv[0], function);
  if (!value) return;
  auto interval = parse_interval(reinterpret_cast<const char*>(sqlite3_value_text(argv[1])));
  if (!interval) {
    return sqlite3_result_error(
        context,
        (std::string(function) + "(): invalid interval (write e.g. '1 hour 30 minutes', '-2 days')").c_str(),
        -1);
  }
  // 128-bit arithmetic: the interval may carry any instant out of range.
  __int128 micros = value->micros;
  const __int128 shift = static_cast<__int128>(sign) * interval->micros;
  if (value->kind == TimeKey::Kind::kTimeOfDay) {
    if (interval->months != 0)
      return sqlite3_result_error(context, "a time cannot move by months or years", -1);
    micros = ((micros + shift) % kMicrosPerDay + kMicrosPerDay) % kMicrosPerDay;
    std::string text = format_time_micros(static_cast<int64_t>(micros));
    return sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  if (interval->months != 0) {
    const int64_t days = floor_div(value->micros, kMicrosPerDay);
    const int64_t in_day = value->micros - days * kMicrosPerDay;
    Civil date = civil_of(days);
    __int128 month_index = static_cast<__int128>(date.year) * 12 + (date.month - 1) + sign * interval->months;
    if (month_index < -300000 * 12 || month_index > 300000 * 12) {
      return sqlite3_result_error(context, "timestamp out of range", -1);
    }
    int64_t year = floor_div(static_cast<int64_t>(month_index), 12);
    int64_t month = static_cast<int64_t>(month_index) - year * 12 + 1;
    int64_t day = std::min<int64_t>(date.day, days_in_month(year, static_cast<unsigned>(month)));
    micros = static_cast<__int128>(days_of(year, month, day)) * kMicrosPerDay + in_day;
  }
  micros += shift;
  if (micros < -kMaxInstant || micros > kMaxInstant)
    return sqlite3_result_error(context, "timestamp out of range", -1);
  result_instant(context, static_cast<int64_t>(micros));
}

void fn_date_add(sqlite3_context* context, int, sqlite3_value** argv) {
  add_interval(context, argv, 1, "date_add");
}
void fn_date_sub(sqlite3_context* context, int, sqlite3_value** argv) {
  add_interval(context, argv, -1, "date_sub");
}

}  // namespace

bool is_time_type(DataType type) {
  return type == DataType::kTimestamp || type == DataType::kDate || type == DataType::kTime;
}

TimeKey time_key(std::string_view text) {
  TimeKey key;
  // 'HH:MM…' is a time of day; anything else that parses is an instant.
  if (text.size() >= 5 && text[2] == ':') {
    auto micros = parse_time_micros(text);
    if (micros.is_ok()) {
      key.kind = TimeKey::Kind::kTimeOfDay;
      key.micros = *micros;
    }
    return key;
  }
  if (text.size() < 10) return key;
  auto micros = parse_timestamp_micros(text);
  if (micros.is_ok()) {
    key.kind = TimeKey::Kind::kInstant;
    key.micros = *micros;
  }
  return key;
}

std::optional<int64_t> stored_time_of(std::string_view text, DataType type) {
  TimeKey key = time_key(text);
  switch (type) {
    case DataType::kTimestamp:
      if (key.kind == TimeKey::Kind::kInstant) return key.micros;
      return std::nullopt;
    case DataType::kDate:
      if (key.kind == TimeKey::Kind::kInstant && key.micros % kMicrosPerDay == 0)
        return key.micros / kMicrosPerDay;
      return std::nullopt;
    case DataType::kTime:
      if (key.kind == TimeKey::Kind::kTimeOfDay) return key.micros;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

int register_time_values(sqlite3* db) {
  int rc = sqlite3_create_collation_v2(db, kTimeCollation, SQLITE_UTF8, nullptr, compare_time_texts, nullptr);
  struct Function {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (const Function& function : {Function{"date_trunc", fn_date_trunc}, Function{"date_part", fn_date_part},
                                   Function{"date_add", fn_date_add}, Function{"date_sub", fn_date_sub}}) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2(db, function.name, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                      function.fn, nullptr, nullptr, nullptr);
    }
  }
  return rc;
}

}  // namespace kalam
