// UPDATE handler.
#include "sql/executor/handlers/dml/update_handler.h"

namespace kalam {

Result<ExecutionResult> UpdateHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  auto outcome = engine_.execute(ctx, stmt.sql, true, stmt.tokens.get());
  if (!outcome.is_ok()) return outcome.status();
  return dml_result(StatementKind::kUpdate, std::move(outcome).value());
}

}  // namespace kalam
