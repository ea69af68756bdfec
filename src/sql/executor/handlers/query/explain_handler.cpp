// EXPLAIN: runs EXPLAIN QUERY PLAN in the engine (the plan names KalamDB tables as
// their virtual tables and shows which constraints were pushed down).
#include "sql/executor/handlers/query/explain_handler.h"

#include "sql/context/authorization.h"

namespace kalam {

Status ExplainHandler::check_authorization(const ExecutionContext& ctx, const ExplainStmt&) const {
  return require_role(ctx, Role::kDba, "EXPLAIN");
}

Result<ExecutionResult> ExplainHandler::execute(ExecutionContext& ctx, const ExplainStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, engine_.query(ctx, "EXPLAIN QUERY PLAN " + stmt.query_sql));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
