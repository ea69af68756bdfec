// INSERT handler.
#include "sql/executor/handlers/dml/insert_handler.h"

namespace kalam {

Result<ExecutionResult> InsertHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(EngineOutcome outcome, engine_.execute(ctx, stmt.sql, true));
  return ExecutionResult(InsertedResult{outcome.inserted});
}

}  // namespace kalam
