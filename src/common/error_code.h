// The single enum of error codes the API can return, with its one mapping table
// to the API `code` string and HTTP status (spec/api.md § Error codes).
#pragma once

#include <cstdint>
#include <string_view>

namespace kalam {

enum class ErrorCode : uint8_t {
  kOk = 0,
  kAuthRequired,
  kInvalidCredentials,
  kTokenExpired,
  kInvalidToken,
  kAccountLocked,
  kAuthInsufficientRole,
  kEmptySql,
  kInvalidSqlSyntax,
  kParamCountMismatch,
  kParamCountExceeded,
  kParamSizeExceeded,
  kParamTypeMismatch,
  kParamsNotSupported,
  kParamsWithBatch,
  kTypeMismatch,
  kNotNullViolation,
  kInvalidArgument,
  kNotFoundNamespace,
  kNotFoundTable,
  kNotFoundStorage,
  kNotFoundUser,
  kNotFoundJob,
  kNotFoundLiveQuery,
  kNotFoundIndex,
  kNotFoundRoute,
  kMethodNotAllowed,
  kAlreadyExists,
  kPrimaryKeyViolation,
  kDependencyExists,
  kTransactionConflict,
  kTimeoutHandlerExecution,
  kCancelled,
  kPayloadTooLarge,
  kRateLimitExceeded,
  kResourceLimitExceeded,
  kNotImplemented,
  kUnsupported,
  kInternalStorageError,
  kInternalError,
  kServiceUnavailable,
  kCount  // not a code: number of entries
};

// The API `code` string, e.g. "PARAM_COUNT_MISMATCH"; "OK" for kOk.
std::string_view error_code_name(ErrorCode code);

// The HTTP status that an error with this code is returned with (200 for kOk).
int error_code_http_status(ErrorCode code);

}  // namespace kalam
