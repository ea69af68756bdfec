// Rows of every KalamDB column type, with NULLs, edge values and repetition, shared by the
// Parquet unit tests and the DuckDB check (kalam_parquet_samples).
#pragma once

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "common/value.h"
#include "parquet/parquet_schema.h"

namespace kalam::parquet::samples {

inline std::vector<ColumnSpec> every_type_columns() {
  return {
      {"id", DataType::kBigInt, 0, 0, false, 1},     {"flag", DataType::kBoolean, 0, 0, true, 2},
      {"small", DataType::kSmallInt, 0, 0, true, 3}, {"num", DataType::kInt, 0, 0, true, 4},
      {"real4", DataType::kFloat, 0, 0, true, 5},    {"real8", DataType::kDouble, 0, 0, true, 6},
      {"price", DataType::kDecimal, 9, 2, true, 7},  {"big_price", DataType::kDecimal, 18, 4, true, 8},
      {"huge", DataType::kDecimal, 38, 10, true, 9}, {"body", DataType::kText, 0, 0, true, 10},
      {"raw", DataType::kBytes, 0, 0, true, 11},     {"doc", DataType::kJson, 0, 0, true, 12},
      {"at", DataType::kTimestamp, 0, 0, true, 13},  {"day", DataType::kDate, 0, 0, true, 14},
      {"clock", DataType::kTime, 0, 0, true, 15},    {"uid", DataType::kUuid, 0, 0, true, 16},
  };
}

inline std::string sample_uuid(int64_t n) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n * 2654435761u % 0xFFFFFFFFu),
                static_cast<unsigned long long>(n));
  return text;
}

// Row n (n >= 0): the first rows hold the edge values, later rows repeat enough for
// dictionaries, and each column is NULL on its own period.
inline std::vector<Value> sample_row(int64_t n) {
  auto maybe = [&](int every, Value value) { return n % every == every - 1 ? Value() : value; };
  const std::string sign = n % 2 ? "-" : "";
  std::vector<Value> row = {
      Value(n),
      maybe(3, Value(n % 2 == 0)),
      maybe(5, Value(static_cast<int64_t>(n % 30000 - 15000))),
      maybe(7, Value(static_cast<int64_t>(n * 7919 % 2000000000 - 1000000000))),
      maybe(4, Value(static_cast<double>(n) / 3.0)),
      maybe(6, Value(n % 11 == 0 ? -0.0
                                 : std::ldexp(1.0 + static_cast<double>(n), static_cast<int>(n % 50) - 25))),
      maybe(8, Value(sign + std::to_string(n % 1000000) + "." + std::to_string(10 + n % 90))),
      maybe(9, Value(sign + std::to_string(n * 1000003 % 99999999999999) + ".5000")),
      maybe(10, Value(sign + "1234567890123456789012345678." + std::to_string(1000000000 + n))),
      maybe(2, Value("message " + std::to_string(n % 50) + " \xC3\xA9t\xC3\xA9 \xF0\x9F\x92\xAC")),
      maybe(9, Value(std::string("\x00\xFF", 2) + std::to_string(n))),
      maybe(5, Value("{\"n\":" + std::to_string(n) + ",\"s\":\"a\\\"b\"}")),
      maybe(7, Value(int64_t{1764000000000000} + n * 1000003)),
      maybe(3, Value(static_cast<int64_t>(n % 40000 - 20000))),
      maybe(4, Value(static_cast<int64_t>(n * 1000001 % 86400000000))),
      maybe(6, Value(sample_uuid(n))),
  };
  // Edge values in the first rows.
  switch (n) {
    case 0:
      row[0] = Value(std::numeric_limits<int64_t>::min());
      row[2] = Value(int64_t{-32768});
      row[3] = Value(int64_t{std::numeric_limits<int32_t>::min()});
      row[5] = Value(std::numeric_limits<double>::infinity());
      row[6] = Value("-9999999.99");
      row[7] = Value("-99999999999999.9999");
      row[8] = Value("-" + std::string(28, '9') + "." + std::string(10, '9'));
      row[9] = Value("");
      row[10] = Value("");
      row[12] = Value(int64_t{-62135596800000000});  // 0001-01-01T00:00:00Z
      row[13] = Value(int64_t{-719162});             // 0001-01-01
      row[14] = Value(int64_t{0});
      row[15] = Value("00000000-0000-0000-0000-000000000000");
      break;
    case 1:
      row[0] = Value(std::numeric_limits<int64_t>::max());
      row[2] = Value(int64_t{32767});
      row[3] = Value(int64_t{std::numeric_limits<int32_t>::max()});
      row[4] = Value(-std::numeric_limits<double>::infinity());
      row[5] = Value(std::numeric_limits<double>::denorm_min());
      row[6] = Value("9999999.99");
      row[7] = Value("0.0001");
      row[8] = Value(std::string(28, '9') + "." + std::string(10, '9'));
      row[12] = Value(int64_t{253402300799999999});  // 9999-12-31T23:59:59.999999Z
      row[13] = Value(int64_t{2932896});             // 9999-12-31
      row[14] = Value(int64_t{86399999999});
      row[15] = Value("ffffffff-ffff-ffff-ffff-ffffffffffff");
      break;
    case 2:
      row[5] = Value(std::numeric_limits<double>::max());
      row[6] = Value("0.00");
      row[9] = Value(std::string(300, 'x'));  // longer than the statistics limit
      break;
    default:
      break;
  }
  return row;
}

}  // namespace kalam::parquet::samples
