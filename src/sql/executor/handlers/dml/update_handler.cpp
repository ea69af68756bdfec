// UPDATE handler.
#include "sql/executor/handlers/dml/update_handler.h"

namespace kalam {

Result<ExecutionResult> UpdateHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(EngineOutcome outcome, engine_.execute(ctx, stmt.sql, true));
  return ExecutionResult(UpdatedResult{outcome.updated});
}

}  // namespace kalam
