// DELETE handler.
#include "sql/executor/handlers/dml/delete_handler.h"

namespace kalam {

Result<ExecutionResult> DeleteHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(EngineOutcome outcome, engine_.execute(ctx, stmt.sql, true));
  return ExecutionResult(DeletedResult{outcome.deleted});
}

}  // namespace kalam
