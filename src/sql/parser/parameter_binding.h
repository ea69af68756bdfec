// Parameter validation of api.md (count, size, mismatch, statements that take no
// parameters, parameters with batches), done before anything executes.
#pragma once

#include <cstddef>
#include <vector>

#include "common/status.h"
#include "sql/parser/param_value.h"
#include "sql/parser/statements.h"

namespace kalam {

struct ParameterLimits {
  size_t max_parameters = 50;
  size_t max_parameter_size_bytes = 524288;
};

// Checks that can run before the SQL is parsed: PARAM_COUNT_EXCEEDED, PARAM_SIZE_EXCEEDED.
Status validate_parameter_values(const std::vector<ParamValue>& params, const ParameterLimits& limits);

// Checks against the parsed statements: PARAMS_WITH_BATCH, PARAMS_NOT_SUPPORTED,
// PARAM_COUNT_MISMATCH (also when a statement uses $n but no values were sent).
// On error, *failed_index is the statement the error belongs to (if any).
Status validate_statement_parameters(const std::vector<ParsedStatement>& statements,
                                     const std::vector<ParamValue>& params, size_t* failed_index);

}  // namespace kalam
