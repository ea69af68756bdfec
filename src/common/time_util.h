// Wall-clock helpers: current Unix time in micro/milliseconds and the one
// timestamp text format KalamDB prints ("2026-11-24T10:15:30.123456Z").
#pragma once

#include <cstdint>
#include <string>

namespace kalam {

// Microseconds since 1970-01-01T00:00:00Z from the system (wall) clock.
// The wall clock may jump backwards; callers that need monotonic ids use SnowflakeGenerator.
// Thread-safe.
int64_t now_unix_micros();

// Milliseconds since 1970-01-01T00:00:00Z from the system (wall) clock. Thread-safe.
int64_t now_unix_millis();

// Formats microseconds since the Unix epoch as RFC 3339 UTC with exactly six fractional
// digits, e.g. 1795515330123456 -> "2026-11-24T10:15:30.123456Z". Negative values
// (before 1970) are formatted correctly ("1969-12-31T23:59:59.999999Z" for -1).
// Years outside 0000..9999 get more digits or a leading '-'. Never fails.
std::string format_timestamp_micros(int64_t unix_micros);

}  // namespace kalam
