// QueryEngine: runs a query in SQLite's engine over KalamDB's tables. Each thread
// has its own SQLite connection (`:memory:` main database) with the `kalam_system`
// virtual-table module (system tables in an attached `system` schema), the
// KalamDB functions, an authorizer and a deadline progress handler.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sql/executor/models/execution_context.h"
#include "sql/executor/models/execution_result.h"
#include "sql/executor/services.h"

namespace kalam {

class QueryEngine {
 public:
  explicit QueryEngine(ExecutorServices& services) : services_(services) {}

  // Runs one read-only statement with ctx.params bound to $1…$N. Errors:
  // INVALID_SQL_SYNTAX (SQLite could not prepare it), NOT_FOUND_TABLE,
  // AUTH_INSUFFICIENT_ROLE (a table the caller's role may not read),
  // INVALID_ARGUMENT (a refused operation or a runtime error),
  // TIMEOUT_HANDLER_EXECUTION (deadline reached). Thread-safe.
  Result<RowsResult> query(ExecutionContext& ctx, std::string_view sql);

 private:
  ExecutorServices& services_;
};

}  // namespace kalam
