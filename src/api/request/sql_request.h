// The request bodies of the HTTP API, decoded from JSON with every limit and type rule of
// api.md: `POST /v1/api/sql` ({"sql", "params", "namespace_id"}) and the object bodies of
// the auth endpoints. Pure functions of their input (fuzzed: fuzz/sql_request_fuzz.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/parser/param_value.h"

namespace kalam {

struct RequestLimits {
  int64_t max_sql_bytes = 1048576;
  int64_t max_json_depth = 64;
};

// INVALID_ARGUMENT with details.argument.
Status invalid_request(std::string message, std::string argument);

// A JSON object body (depth-limited). `content_type`: the header, if any; only
// application/json (with parameters) is accepted.
Result<boost::json::object> parse_json_object_body(std::string_view body, const std::string* content_type,
                                                   const RequestLimits& limits);

struct SqlRequest {
  std::string sql;
  std::vector<ParamValue> params;
  std::optional<std::string> namespace_id;  // validated identifier
};

// The body of POST /v1/api/sql: INVALID_ARGUMENT for a missing or mistyped field,
// PAYLOAD_TOO_LARGE for SQL over max_sql_bytes, PARAM_TYPE_MISMATCH for a parameter of
// no supported type.
Result<SqlRequest> decode_sql_request(std::string_view body, const std::string* content_type,
                                      const RequestLimits& limits);

}  // namespace kalam
