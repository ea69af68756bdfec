// The one table mapping ErrorCode to its API string and HTTP status.
#include "common/error_code.h"

#include <array>

namespace kalam {
namespace {

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;
  int http_status;
};

constexpr std::array<ErrorCodeInfo, static_cast<size_t>(ErrorCode::kCount)> kErrorCodeTable = {{
    {ErrorCode::kOk, "OK", 200},
    {ErrorCode::kAuthRequired, "AUTH_REQUIRED", 401},
    {ErrorCode::kInvalidCredentials, "INVALID_CREDENTIALS", 401},
    {ErrorCode::kTokenExpired, "TOKEN_EXPIRED", 401},
    {ErrorCode::kInvalidToken, "INVALID_TOKEN", 401},
    {ErrorCode::kAccountLocked, "ACCOUNT_LOCKED", 403},
    {ErrorCode::kAuthInsufficientRole, "AUTH_INSUFFICIENT_ROLE", 403},
    {ErrorCode::kEmptySql, "EMPTY_SQL", 400},
    {ErrorCode::kInvalidSqlSyntax, "INVALID_SQL_SYNTAX", 400},
    {ErrorCode::kParamCountMismatch, "PARAM_COUNT_MISMATCH", 400},
    {ErrorCode::kParamCountExceeded, "PARAM_COUNT_EXCEEDED", 400},
    {ErrorCode::kParamSizeExceeded, "PARAM_SIZE_EXCEEDED", 400},
    {ErrorCode::kParamTypeMismatch, "PARAM_TYPE_MISMATCH", 400},
    {ErrorCode::kParamsNotSupported, "PARAMS_NOT_SUPPORTED", 400},
    {ErrorCode::kParamsWithBatch, "PARAMS_WITH_BATCH", 400},
    {ErrorCode::kTypeMismatch, "TYPE_MISMATCH", 400},
    {ErrorCode::kNotNullViolation, "NOT_NULL_VIOLATION", 400},
    {ErrorCode::kInvalidArgument, "INVALID_ARGUMENT", 400},
    {ErrorCode::kNotFoundNamespace, "NOT_FOUND_NAMESPACE", 404},
    {ErrorCode::kNotFoundTable, "NOT_FOUND_TABLE", 404},
    {ErrorCode::kNotFoundStorage, "NOT_FOUND_STORAGE", 404},
    {ErrorCode::kNotFoundUser, "NOT_FOUND_USER", 404},
    {ErrorCode::kNotFoundJob, "NOT_FOUND_JOB", 404},
    {ErrorCode::kNotFoundLiveQuery, "NOT_FOUND_LIVE_QUERY", 404},
    {ErrorCode::kNotFoundIndex, "NOT_FOUND_INDEX", 404},
    {ErrorCode::kNotFoundRoute, "NOT_FOUND", 404},
    {ErrorCode::kMethodNotAllowed, "METHOD_NOT_ALLOWED", 405},
    {ErrorCode::kAlreadyExists, "ALREADY_EXISTS", 409},
    {ErrorCode::kPrimaryKeyViolation, "PRIMARY_KEY_VIOLATION", 409},
    {ErrorCode::kDependencyExists, "DEPENDENCY_EXISTS", 409},
    {ErrorCode::kTransactionConflict, "TRANSACTION_CONFLICT", 409},
    {ErrorCode::kTimeoutHandlerExecution, "TIMEOUT_HANDLER_EXECUTION", 408},
    {ErrorCode::kCancelled, "CANCELLED", 499},
    {ErrorCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE", 413},
    {ErrorCode::kRateLimitExceeded, "RATE_LIMIT_EXCEEDED", 429},
    {ErrorCode::kResourceLimitExceeded, "RESOURCE_LIMIT_EXCEEDED", 400},
    {ErrorCode::kNotImplemented, "NOT_IMPLEMENTED", 501},
    {ErrorCode::kUnsupported, "UNSUPPORTED", 400},
    {ErrorCode::kInternalStorageError, "INTERNAL_STORAGE_ERROR", 500},
    {ErrorCode::kInternalError, "INTERNAL_ERROR", 500},
    {ErrorCode::kServiceUnavailable, "SERVICE_UNAVAILABLE", 503},
}};

constexpr bool table_is_dense() {
  for (size_t idx = 0; idx < kErrorCodeTable.size(); ++idx) {
    if (static_cast<size_t>(kErrorCodeTable[idx].code) != idx) return false;
  }
  return true;
}
static_assert(table_is_dense(), "kErrorCodeTable must list every ErrorCode in enum order");

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  auto idx = static_cast<size_t>(code);
  return idx < kErrorCodeTable.size() ? kErrorCodeTable[idx].name : "INTERNAL_ERROR";
}

int error_code_http_status(ErrorCode code) {
  auto idx = static_cast<size_t>(code);
  return idx < kErrorCodeTable.size() ? kErrorCodeTable[idx].http_status : 500;
}

}  // namespace kalam
