// Parameter validation rules.
#include "sql/parser/parameter_binding.h"

#include <string>

namespace kalam {

Status validate_parameter_values(const std::vector<ParamValue>& params, const ParameterLimits& limits) {
  if (params.size() > limits.max_parameters) {
    return Status(ErrorCode::kParamCountExceeded, "too many parameters: " + std::to_string(params.size()) +
                                                      " given, at most " +
                                                      std::to_string(limits.max_parameters) + " allowed")
        .with_detail("max", static_cast<int64_t>(limits.max_parameters))
        .with_detail("actual", static_cast<int64_t>(params.size()));
  }
  for (size_t index = 0; index < params.size(); ++index) {
    size_t size = param_size_bytes(params[index]);
    if (size > limits.max_parameter_size_bytes) {
      return Status(ErrorCode::kParamSizeExceeded,
                    "parameter $" + std::to_string(index + 1) + " is " + std::to_string(size) +
                        " bytes, at most " + std::to_string(limits.max_parameter_size_bytes) + " allowed")
          .with_detail("index", static_cast<int64_t>(index + 1))
          .with_detail("size_bytes", static_cast<int64_t>(size))
          .with_detail("max_bytes", static_cast<int64_t>(limits.max_parameter_size_bytes));
    }
  }
  return Status::ok();
}

Status validate_statement_parameters(const std::vector<ParsedStatement>& statements,
                                     const std::vector<ParamValue>& params, size_t* failed_index) {
  if (!params.empty() && statements.size() > 1) {  // request-level: *failed_index stays unset
    return Status(ErrorCode::kParamsWithBatch, "parameters cannot be used with a multi-statement batch");
  }
  for (size_t index = 0; index < statements.size(); ++index) {
    const ParsedStatement& statement = statements[index];
    *failed_index = index;
    if (!params.empty() && !statement_kind_accepts_params(statement.kind)) {
      return Status(ErrorCode::kParamsNotSupported,
                    std::string(statement_kind_name(statement.kind)) + " does not accept parameters")
          .with_detail("statement_type", std::string(statement_kind_name(statement.kind)));
    }
    size_t expected = statement.max_param_index;
    if (expected == 0 && params.empty()) continue;
    if (expected != params.size() || statement.distinct_params != expected) {
      std::string message;
      if (statement.distinct_params != expected) {
        message = "statement uses $" + std::to_string(expected) + " but not every parameter $1 … $" +
                  std::to_string(expected) + " appears";
      } else {
        message = "statement uses " + std::to_string(expected) + " parameter(s) but " +
                  std::to_string(params.size()) + " " + (params.size() == 1 ? "was" : "were") + " given";
      }
      return Status(ErrorCode::kParamCountMismatch, std::move(message))
          .with_detail("expected", static_cast<int64_t>(expected))
          .with_detail("actual", static_cast<int64_t>(params.size()));
    }
  }
  return Status::ok();
}

}  // namespace kalam
