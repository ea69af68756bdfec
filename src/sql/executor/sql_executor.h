// SqlExecutor: splits a request into statements, parses and validates them all,
// then authorizes and executes each through its registered handler, in order,
// stopping at the first failure.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "sql/context/execution_context.h"
#include "sql/context/execution_metadata.h"
#include "sql/context/execution_result.h"
#include "sql/executor/handler_registry.h"
#include "sql/parser/parameter_binding.h"

namespace kalam {

inline constexpr size_t kNoStatementIndex = static_cast<size_t>(-1);

struct ExecutorLimits {
  ParameterLimits params;
  int64_t handler_timeout_seconds = 30;
  size_t max_statements_per_request = 1000;
  int64_t slow_query_ms = 1000;
};

struct StatementOutcome {
  ExecutionResult result;
  ExecutionMetadata metadata;
};

struct BatchOutcome {
  std::vector<StatementOutcome> results;  // statements that completed
  std::optional<Status> error;            // the failure that stopped the batch
  std::optional<size_t> error_statement_index;
};

// (kind, elapsed_ms, success) after each executed statement; used for metrics.
using StatementObserver = std::function<void(StatementKind, double, bool)>;

class SqlExecutor {
 public:
  SqlExecutor(ExecutorServices& services, HandlerRegistry& registry, ExecutorLimits limits);

  // Thread-safe: each call uses only its own context.
  BatchOutcome execute_batch(ExecutionContext& ctx, std::string_view sql);

  // Split + parse + parameter validation of a whole request (nothing executes). On an
  // error that belongs to one statement, *failed_index is set to its index; request-level
  // errors (EMPTY_SQL, too many statements, parameter count/size, params with a batch)
  // leave it unchanged.
  Result<std::vector<ParsedStatement>> prepare(std::string_view sql, const std::vector<ParamValue>& params,
                                               size_t* failed_index) const;

  // Authorizes (auditing a denial) and executes one prepared statement.
  Result<ExecutionResult> execute_statement(ExecutionContext& ctx, const ParsedStatement& statement);

  void set_statement_observer(StatementObserver observer) { observer_ = std::move(observer); }

  // How many statements this thread took from its parse cache (a SELECT, INSERT, UPDATE
  // or DELETE text seen before at the same position is not tokenized and parsed again).
  static uint64_t parse_cache_hits();
  const ExecutorLimits& limits() const { return limits_; }

 private:
  ExecutorServices& services_;
  HandlerRegistry& registry_;
  ExecutorLimits limits_;
  StatementObserver observer_;
};

}  // namespace kalam
