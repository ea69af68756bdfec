// JSON encoding of SQL values per type (api.md § Value encoding), shared by the HTTP
// result envelope and live-query messages.
#include "catalog/json_value.h"

#include <fmt/format.h>

#include <cmath>

#include "catalog/value_coercion.h"
#include "common/base64.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace {

constexpr int64_t kMaxSafeInteger = 9007199254740992;  // 2^53

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text);
  out += '"';
}

void append_double(std::string& out, double number) {
  if (std::isnan(number)) {
    out += "\"NaN\"";
  } else if (std::isinf(number)) {
    out += number > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    std::string text = fmt::format("{}", number);
    // Keep a REAL recognizable as one: 1.0 stays "1.0", not the integer 1.
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    out += text;
  }
}

void append_json_value(std::string& out, const Value& value, DataType type) {
  if (is_null(value)) {
    out += "null";
    return;
  }
  if (const auto* boolean = std::get_if<bool>(&value)) {
    out += *boolean ? "true" : "false";
    return;
  }
  if (const auto* integer = std::get_if<int64_t>(&value)) {
    switch (type) {
      case DataType::kBoolean:
        out += *integer != 0 ? "true" : "false";
        return;
      case DataType::kBigInt:
        append_json_string(out, std::to_string(*integer));
        return;
      case DataType::kTimestamp:
        append_json_string(out, format_timestamp_micros(*integer));
        return;
      case DataType::kDate:
        append_json_string(out, format_date_days(*integer));
        return;
      case DataType::kTime:
        append_json_string(out, format_time_micros(*integer));
        return;
      case DataType::kSmallInt:
      case DataType::kInt:
      case DataType::kFloat:
      case DataType::kDouble:
        out += std::to_string(*integer);
        return;
      default:
        if (*integer > -kMaxSafeInteger && *integer < kMaxSafeInteger) {
          out += std::to_string(*integer);
        } else {
          append_json_string(out, std::to_string(*integer));
        }
        return;
    }
  }
  if (const auto* real = std::get_if<double>(&value)) {
    append_double(out, *real);
    return;
  }
  const auto& text = std::get<std::string>(value);
  if (type == DataType::kBytes) {
    append_json_string(out, base64_encode(text));
  } else {
    append_json_string(out, text);
  }
}

}  // namespace kalam
