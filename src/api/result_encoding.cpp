// Result and error envelope encoding (hand-built JSON; values escaped by json_escape).
#include "api/result_encoding.h"

#include <fmt/format.h>

#include <cmath>

#include "catalog/json_value.h"
#include "catalog/value_coercion.h"
#include "common/base64.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace {

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
          append_json_string(out, detail);
        } else {
          out += '[';
          for (size_t idx = 0; idx < detail.size(); ++idx) {
            if (idx != 0) out += ',';
            append_json_string(out, detail[idx]);
          }
          out += ']';
        }
      },
      value);
}

}  // namespace

std::string encode_error_object(const Status& status, std::optional<size_t> statement_index) {
  std::string out = "{\"code\":";
  append_json_string(out, error_code_name(status.code()));
  out += ",\"message\":";
  append_json_string(out, status.message());
  out += ",\"details\":";
  if (status.details().empty()) {
    out += "null";
  } else {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : status.details()) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
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
  append_json_string(out, request_id);
  out += fmt::format(",\"elapsed_ms\":{:.3f},\"results\":[", elapsed_ms);
  for (size_t result_idx = 0; result_idx < outcome.results.size(); ++result_idx) {
    const StatementOutcome& statement = outcome.results[result_idx];
    if (result_idx != 0) out += ',';
    out += fmt::format("{{\"statement_index\":{},\"operation\":", statement.metadata.statement_index);
    append_json_string(out, statement_kind_operation(statement.metadata.kind));
    const RowsResult* rows = result_rows(statement.result);
    if (rows != nullptr) {
      out += ",\"schema\":[";
      for (size_t column_idx = 0; column_idx < rows->schema.size(); ++column_idx) {
        const ResultColumn& column = rows->schema[column_idx];
        if (column_idx != 0) out += ',';
        out += "{\"name\":";
        append_json_string(out, column.name);
        out += ",\"data_type\":";
        append_json_string(out, data_type_name(column.data_type));
        out += fmt::format(",\"index\":{},\"flags\":[", column_idx);
        for (size_t flag_idx = 0; flag_idx < column.flags.size(); ++flag_idx) {
          if (flag_idx != 0) out += ',';
          append_json_string(out, column.flags[flag_idx]);
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
      append_json_string(out, *message);
    } else {
      out += "null";
    }
    out += ",\"as_user\":";
    append_json_string(out, statement.metadata.as_user);
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
  append_json_string(out, request_id);
  out += fmt::format(",\"elapsed_ms\":{:.3f},\"results\":[],\"error\":", elapsed_ms);
  out += encode_error_object(status, std::nullopt);
  out += '}';
  return out;
}

}  // namespace kalam
