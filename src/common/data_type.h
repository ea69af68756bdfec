// SQL data types of model.md and the JSON encoding rules tied to them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kalam {

enum class DataType : uint8_t {
  kBoolean,
  kSmallInt,
  kInt,
  kBigInt,
  kFloat,
  kDouble,
  kDecimal,
  kText,
  kBytes,
  kJson,
  kTimestamp,
  kDate,
  kTime,
  kUuid,
  kAny,  // computed columns whose type is not known statically
};

// Canonical SQL name, e.g. "BIGINT".
std::string_view data_type_name(DataType type);

// Parses a type name or alias of model.md (case-insensitive, without length/precision).
std::optional<DataType> parse_data_type(std::string_view name);

}  // namespace kalam
