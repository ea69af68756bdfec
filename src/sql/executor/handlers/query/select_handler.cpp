// SELECT handler: hands the query to the QueryEngine.
#include "sql/executor/handlers/query/select_handler.h"

namespace kalam {

Status SelectHandler::check_authorization(const ExecutionContext&, const SelectStmt&) const {
  return Status::ok();  // any role; table-level rules are applied by the engine while it plans the query
}

Result<ExecutionResult> SelectHandler::execute(ExecutionContext& ctx, const SelectStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, engine_.query(ctx, stmt.sql, stmt.tokens.get()));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
