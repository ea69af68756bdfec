// JSON encoding of API responses: the SQL result/error envelopes of api.md and the
// value encoding per SQL type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog/json_value.h"
#include "common/status.h"
#include "sql/executor/sql_executor.h"

namespace kalam {

// The `error` object: {"code","message","details"[, "statement_index"]}.
std::string encode_error_object(const Status& status, std::optional<size_t> statement_index);

// The whole /v1/api/sql response body for a batch outcome.
std::string encode_sql_response(const BatchOutcome& outcome, std::string_view request_id, double elapsed_ms);

// An error envelope with no results (auth failures, malformed requests …).
std::string encode_error_response(const Status& status, std::string_view request_id, double elapsed_ms);

}  // namespace kalam
