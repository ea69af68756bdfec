// Result and error envelope encoding (hand-built JSON; values escaped by json_escape).
#include "api/result_encoding.h"

#include <fmt/format.h>

#include <cmath>

#include "catalog/value_coercion.h"
#include "common/base64.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace {

void append_string(std::string& out, std::string_view text) {
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

void append_detail(std::string& out, const DetailValue& value) {
  std::visit(
      [&](const auto& detail) {
        using T = std::decay_t<decltype(detail)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          out += std::to_string(detail);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, detail);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += detail ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_string(out, detail);
        } else {
          out += '[';
          for (size_t idx = 0; idx < detail.size(); ++idx) {
            if (idx != 0) out += ',';
            append_string(out, detail[idx]);
          }
          out += ']';
        }
      },
      value);
}

constexpr int64_t kMaxSafeInteger = 9007199254740992;  // 2^53

}  // namespace

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
        append_string(out, std::to_string(*integer));
        return;
      case DataType::kTimestamp:
        append_string(out, format_timestamp_micros(*integer));
        return;
      case DataType::kDate:
        append_string(out, format_date_days(*integer));
        return;
      case DataType::kTime:
        append_string(out, format_time_micros(*integer));
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
          append_string(out, std::to_string(*integer));
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
    append_string(out, base64_encode(text));
  } else {
    append_string(out, text);
  }
}

std::string encode_error_object(const Status& status, std::optional<size_t> statement_index) {
  std::string out = "{\"code\":";
  append_string(out, error_code_name(status.code()));
  out += ",\"message\":";
  append_string(out, status.message());
  out += ",\"details\":";
  if (status.details().empty()) {
    out += "null";
  } else {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : status.details()) {
      if (!first) out += ',';
      first = false;
      append_string(out, key);
      out += ':';
      append_detail(out, value);
    }
    out += '}';
  }
  if (statement_index) out += fmt::format(",\"statement_index\":{}", *statement_index);
  out += '}';
  return out;
}

std::string encode_sql_response(const BatchOutcome& outcome, std::string_view request_id, double elapsed_ms) {
  std::string out = outcome.error ? "{\"status\":\"error\"" : "{\"status\":\"success\"";
  out += ",\"request_id\":";
  append_string(out, request_id);
  out += fmt::format(",\"elapsed_ms\":{:.3f},\"results\":[", elapsed_ms);
  for (size_t result_idx = 0; result_idx < outcome.results.size(); ++result_idx) {
    const StatementOutcome& statement = outcome.results[result_idx];
    if (result_idx != 0) out += ',';
    out += fmt::format("{{\"statement_index\":{},\"operation\":", statement.metadata.statement_index);
    append_string(out, statement_kind_operation(statement.metadata.kind));
    const RowsResult* rows = result_rows(statement.result);
    if (rows != nullptr) {
      out += ",\"schema\":[";
      for (size_t column_idx = 0; column_idx < rows->schema.size(); ++column_idx) {
        const ResultColumn& column = rows->schema[column_idx];
        if (column_idx != 0) out += ',';
        out += "{\"name\":";
        append_string(out, column.name);
        out += ",\"data_type\":";
        append_string(out, data_type_name(column.data_type));
        out += fmt::format(",\"index\":{},\"flags\":[", column_idx);
        for (size_t flag_idx = 0; flag_idx < column.flags.size(); ++flag_idx) {
          if (flag_idx != 0) out += ',';
          append_string(out, column.flags[flag_idx]);
        }
        out += "]}";
      }
      out += "],\"rows\":[";
      for (size_t row_idx = 0; row_idx < rows->rows.size(); ++row_idx) {
        const ResultRow& row = rows->rows[row_idx];
        if (row_idx != 0) out += ',';
        out += '[';
        for (size_t column_idx = 0; column_idx < row.size(); ++column_idx) {
          if (column_idx != 0) out += ',';
          DataType type =
              column_idx < rows->schema.size() ? rows->schema[column_idx].data_type : DataType::kAny;
          append_json_value(out, row[column_idx], type);
        }
        out += ']';
      }
      out += ']';
    }
    out += fmt::format(",\"row_count\":{},\"rows_affected\":{},\"message\":", row_count(statement.result),
                       rows_affected(statement.result));
    auto message = result_message(statement.result);
    if (message) {
      append_string(out, *message);
    } else {
      out += "null";
    }
    out += ",\"as_user\":";
    append_string(out, statement.metadata.as_user);
    out += '}';
  }
  out += ']';
  if (outcome.error) {
    out += ",\"error\":";
    out += encode_error_object(*outcome.error, outcome.error_statement_index);
  }
  out += '}';
  return out;
}

std::string encode_error_response(const Status& status, std::string_view request_id, double elapsed_ms) {
  std::string out = "{\"status\":\"error\",\"request_id\":";
  append_string(out, request_id);
  out += fmt::format(",\"elapsed_ms\":{:.3f},\"results\":[],\"error\":", elapsed_ms);
  out += encode_error_object(status, std::nullopt);
  out += '}';
  return out;
}

}  // namespace kalam
