// A request parameter ($n) as received from the API, before binding to a column type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace kalam {

struct JsonText {
  std::string text;  // an array or object parameter, kept as JSON text
};

using ParamValue = std::variant<std::monostate, bool, int64_t, double, std::string, JsonText>;

// "NULL", "BOOLEAN", "BIGINT", "DOUBLE", "TEXT", "JSON" — the SQL type a JSON value maps to.
std::string_view param_type_name(const ParamValue& value);
// Size of the value in bytes for the max_parameter_size_bytes rule.
size_t param_size_bytes(const ParamValue& value);

}  // namespace kalam
