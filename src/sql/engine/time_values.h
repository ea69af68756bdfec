// TIMESTAMP, DATE and TIME inside SQL (docs/decisions.md § Time values). SQLite has no
// time type, so these columns reach SQL as ISO-8601 text in one canonical form and are
// declared with the `kalam_time` collation, which compares two texts by the instant
// they name: a column compares correctly with now(), CURRENT_TIMESTAMP, ISO literals
// ('2025-01-01', '2025-01-01T10:00:00+02:00', '2025-01-01 10:00:00') and parameters.
// The functions date_trunc, date_part, date_add and date_sub follow PostgreSQL's.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/data_type.h"

namespace kalam {

inline constexpr const char* kTimeCollation = "kalam_time";

// True for TIMESTAMP, DATE and TIME.
bool is_time_type(DataType type);

// What a text names, as the collation sees it.
struct TimeKey {
  enum class Kind : uint8_t { kInstant, kTimeOfDay, kOther };
  Kind kind = Kind::kOther;
  int64_t micros = 0;  // instant: µs since the epoch, UTC; time of day: µs since midnight
};
TimeKey time_key(std::string_view text);

// The stored form (TIMESTAMP µs, DATE days, TIME µs) of a text that compares equal, under
// the collation, to exactly that stored value; nullopt when no stored value of the
// column's type is equal to it (a DATE column and '2025-01-01T10:00Z'), or the text is not
// a time.
std::optional<int64_t> stored_time_of(std::string_view text, DataType type);

// Registers the collation and the functions on a connection.
int register_time_values(sqlite3* db);

}  // namespace kalam
