// Request body decoding.
#include "api/request/sql_request.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/string_util.h"
#include "sql/parser/sql_parser.h"

namespace kalam {
namespace json = boost::json;
namespace {

Result<ParamValue> convert_param(const json::value& value, size_t index) {
  switch (value.kind()) {
    case json::kind::null:
      return ParamValue(std::monostate{});
    case json::kind::bool_:
      return ParamValue(value.get_bool());
    case json::kind::int64:
      return ParamValue(value.get_int64());
    case json::kind::uint64:
      if (value.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        return ParamValue(static_cast<int64_t>(value.get_uint64()));
      }
      return ParamValue(static_cast<double>(value.get_uint64()));
    case json::kind::double_:
      return ParamValue(value.get_double());
    case json::kind::string:
      return ParamValue(std::string(value.get_string()));
    case json::kind::array:
    case json::kind::object:
      return ParamValue(JsonText{json::serialize(value)});
  }
  return Status(ErrorCode::kParamTypeMismatch, "unsupported parameter type")
      .with_detail("index", static_cast<int64_t>(index + 1));
}

}  // namespace

Status invalid_request(std::string message, std::string argument) {
  return Status(ErrorCode::kInvalidArgument, std::move(message)).with_detail("argument", std::move(argument));
}

Result<json::object> parse_json_object_body(std::string_view body, const std::string* content_type,
                                            const RequestLimits& limits) {
  if (content_type != nullptr) {
    std::string type = to_lower(content_type->substr(0, content_type->find(';')));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    if (type != "application/json") {
      return invalid_request("unsupported content type '" + type.substr(0, 100) + "': use application/json",
                             "content-type");
    }
  }
  json::parse_options options;
  options.max_depth = static_cast<std::size_t>(limits.max_json_depth);
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, json::storage_ptr(), options);
  if (ec) return invalid_request("malformed JSON body: " + ec.message(), "body");
  if (!value.is_object()) return invalid_request("the JSON body must be an object", "body");
  return std::move(value.as_object());
}

Result<SqlRequest> decode_sql_request(std::string_view body, const std::string* content_type,
                                      const RequestLimits& limits) {
  KALAM_ASSIGN_OR_RETURN(json::object object, parse_json_object_body(body, content_type, limits));
  SqlRequest request;
  const json::value* sql = object.if_contains("sql");
  if (sql == nullptr || sql->is_null()) return invalid_request("the field 'sql' is required", "sql");
  if (!sql->is_string()) return invalid_request("the field 'sql' must be a string", "sql");
  const json::string& sql_text = sql->get_string();
  if (static_cast<int64_t>(sql_text.size()) > limits.max_sql_bytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  "the SQL text exceeds " + std::to_string(limits.max_sql_bytes) + " bytes")
        .with_detail("max_bytes", limits.max_sql_bytes);
  }
  request.sql.assign(sql_text.data(), sql_text.size());
  if (const json::value* params = object.if_contains("params"); params != nullptr && !params->is_null()) {
    if (!params->is_array()) return invalid_request("the field 'params' must be an array", "params");
    const json::array& values = params->get_array();
    request.params.reserve(values.size());
    for (size_t index = 0; index < values.size(); ++index) {
      KALAM_ASSIGN_OR_RETURN(ParamValue param, convert_param(values[index], index));
      request.params.push_back(std::move(param));
    }
  }
  if (const json::value* ns = object.if_contains("namespace_id"); ns != nullptr && !ns->is_null()) {
    if (!ns->is_string()) return invalid_request("the field 'namespace_id' must be a string", "namespace_id");
    KALAM_RETURN_IF_ERROR(validate_identifier(ns->get_string(), "namespace"));
    request.namespace_id = std::string(ns->get_string());  // case: see SqlExecutor::execute_batch
  }
  return request;
}

}  // namespace kalam
