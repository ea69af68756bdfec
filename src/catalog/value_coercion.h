// Strict typing of written values (spec/model.md § Data types): the conversion of an
// incoming Value into the canonical stored form of a column, and the temporal text forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "common/value.h"

namespace kalam {

// Stored form per column type (what coerce_value returns and row_codec persists):
//   BOOLEAN            bool
//   SMALLINT/INT/BIGINT int64_t (range-checked: 16/32/64 bit)
//   FLOAT/DOUBLE       double (both 64-bit, like SQLite's REAL)
//   DECIMAL(p,s)       std::string, canonical: optional '-', integer digits without leading
//                      zeros (at least "0"), then '.' and exactly s digits when s > 0
//   TEXT (VARCHAR/CHAR) std::string, valid UTF-8, at most max_length code points
//   BYTES              std::string of raw bytes
//   JSON               std::string, valid JSON text as given
//   TIMESTAMP          int64_t µs since 1970-01-01T00:00:00Z
//   DATE               int64_t days since 1970-01-01
//   TIME               int64_t µs since midnight, [0, 86'400'000'000)
//   UUID               std::string, lower-case canonical 8-4-4-4-12
//   NULL               std::monostate, for every type (NOT NULL is checked elsewhere)
//
// Conversions accepted:
//   BOOLEAN: bool; integer 0/1; text 'true'/'false'/'t'/'f'/'1'/'0' (case-insensitive).
//   integers: integer in range; double with no fractional part in range; text that is
//     exactly [+-]digits (no spaces, no exponent, no fraction).
//   FLOAT/DOUBLE: integer, double, text that is exactly a number
//     ([+-](digits[.digits]|.digits)[e[+-]digits]) or NaN/Infinity/-Infinity
//     (case-insensitive).
//   DECIMAL(p,s): integer, finite double (its shortest round-trip text), numeric text as
//     above; rounded half away from zero to s digits; more than p digits → mismatch.
//   TEXT: text (valid UTF-8); bool/integer/double → their text ("true", "42", "1.5",
//     "NaN"); VARCHAR(n)/CHAR(n) check the length in code points.
//   BYTES: text only, taken byte for byte.
//   JSON: text that Boost.JSON parses as one JSON document (depth ≤ 1000); bool, integer,
//     finite double → their JSON text.
//   TIMESTAMP: integer µs; text accepted by parse_timestamp_micros.
//   DATE: integer days (within TIMESTAMP's range); text accepted by parse_date_days.
//   TIME: integer µs in [0, 86'400'000'000); text accepted by parse_time_micros.
//   UUID: text in 8-4-4-4-12 hex form, any letter case.
// Anything else → kTypeMismatch with details column_name, expected_type
// (column_type_sql), value (the input as text, at most 100 characters, invalid UTF-8
// replaced by U+FFFD) and reason. Never asserts, whatever the input.
Result<Value> coerce_value(const Value& input, const ColumnDef& column);

// Stored form → the SQL value handed to the engine and to JSON encoding: TIMESTAMP
// (int64 µs) → ISO-8601 text "2026-11-24T10:15:30.123456Z", DATE (int64 days) →
// "2026-11-24", TIME (int64 µs) → "10:15:30.123456" (compared under the engine's
// kalam_time collation); every other stored form is its SQL form (BOOLEAN bool,
// integers int64, FLOAT/DOUBLE double, DECIMAL canonical text, TEXT/JSON/BYTES text, UUID
// canonical text).
Value to_sql_value(const Value& stored, DataType type);
Value to_sql_value(const Value& stored, const ColumnDef& column);

// The proleptic Gregorian calendar (H. Hinnant's algorithms), for every int64 day count.
struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
// (year, month, day) → days since 1970-01-01.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
// Days since 1970-01-01 → (year, month, day).
CivilDate civil_from_days(int64_t day_count);
bool is_leap_year(int64_t year);
unsigned days_in_month(int64_t year, unsigned month);

// "2026-11-24" for days since the epoch (years outside 0000..9999 get more digits or a
// leading '-', like format_timestamp_micros). Never fails.
std::string format_date_days(int64_t days);
// "10:15:30.123456": always six fractional digits. Values outside one day are reduced
// modulo a day first. Never fails.
std::string format_time_micros(int64_t micros);

// ISO-8601 / RFC 3339 text → µs since the epoch, UTC. Accepted:
//   YYYY-MM-DD                                 (midnight UTC)
//   YYYY-MM-DD(T|t| )HH:MM[:SS[.f…]][zone]     zone: Z, z, ±HH, ±HHMM, ±HH:MM, optionally
//                                              preceded by one space; none = UTC
// Years have 4 to 6 digits with an optional sign; up to 9 fractional digits, rounded half
// up to µs. Fields are range-checked (no Feb 30, no hour 24, no leap second).
// Errors: kInvalidArgument (argument = "timestamp").
Result<int64_t> parse_timestamp_micros(std::string_view text);
// 'YYYY-MM-DD' → days since the epoch. Errors: kInvalidArgument (argument = "date").
Result<int64_t> parse_date_days(std::string_view text);
// 'HH:MM[:SS[.f…]]' → µs since midnight (up to 9 fractional digits, rounded; a result
// of 24:00:00 or more is rejected). Errors: kInvalidArgument (argument = "time").
Result<int64_t> parse_time_micros(std::string_view text);

// Shortest text that parses back to the same double ("1.5", "1e+20", "-0"); "NaN",
// "Infinity", "-Infinity" for non-finite values. The TEXT form of a double.
std::string format_double(double value);

// A value as it reads in an error message: NULL, true/false, the number, or the text.
std::string value_text(const Value& value);

// Whether `text` is a number as written in SQL and JSON text:
// [+-](digits[.digits]|.digits)[(e|E)[+-]digits].
bool is_number_text(std::string_view text);

}  // namespace kalam
