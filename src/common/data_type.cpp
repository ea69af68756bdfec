// Names and aliases of the SQL data types (model.md § Data types).
#include "common/data_type.h"

#include <array>
#include <string>

#include "common/string_util.h"

namespace kalam {

std::string_view data_type_name(DataType type) {
  switch (type) {
    case DataType::kBoolean:
      return "BOOLEAN";
    case DataType::kSmallInt:
      return "SMALLINT";
    case DataType::kInt:
      return "INT";
    case DataType::kBigInt:
      return "BIGINT";
    case DataType::kFloat:
      return "FLOAT";
    case DataType::kDouble:
      return "DOUBLE";
    case DataType::kDecimal:
      return "DECIMAL";
    case DataType::kText:
      return "TEXT";
    case DataType::kBytes:
      return "BYTES";
    case DataType::kJson:
      return "JSON";
    case DataType::kTimestamp:
      return "TIMESTAMP";
    case DataType::kDate:
      return "DATE";
    case DataType::kTime:
      return "TIME";
    case DataType::kUuid:
      return "UUID";
    case DataType::kAny:
      return "ANY";
  }
  return "ANY";
}

std::optional<DataType> parse_data_type(std::string_view name) {
  struct Alias {
    std::string_view name;
    DataType type;
  };
  static constexpr std::array<Alias, 31> kAliases = {{
      {"BOOLEAN", DataType::kBoolean},    {"BOOL", DataType::kBoolean},  {"SMALLINT", DataType::kSmallInt},
      {"INT2", DataType::kSmallInt},      {"INT", DataType::kInt},       {"INTEGER", DataType::kInt},
      {"INT4", DataType::kInt},           {"BIGINT", DataType::kBigInt}, {"INT8", DataType::kBigInt},
      {"FLOAT", DataType::kFloat},        {"REAL", DataType::kFloat},    {"FLOAT4", DataType::kFloat},
      {"DOUBLE", DataType::kDouble},      {"FLOAT8", DataType::kDouble}, {"DECIMAL", DataType::kDecimal},
      {"NUMERIC", DataType::kDecimal},    {"TEXT", DataType::kText},     {"VARCHAR", DataType::kText},
      {"CHAR", DataType::kText},          {"STRING", DataType::kText},   {"BYTES", DataType::kBytes},
      {"BYTEA", DataType::kBytes},        {"BLOB", DataType::kBytes},    {"BINARY", DataType::kBytes},
      {"JSON", DataType::kJson},          {"JSONB", DataType::kJson},    {"TIMESTAMP", DataType::kTimestamp},
      {"DATETIME", DataType::kTimestamp}, {"DATE", DataType::kDate},     {"TIME", DataType::kTime},
      {"UUID", DataType::kUuid},
  }};
  std::string upper = to_upper(name);
  for (const auto& alias : kAliases) {
    if (alias.name == upper) return alias.type;
  }
  return std::nullopt;
}

}  // namespace kalam
