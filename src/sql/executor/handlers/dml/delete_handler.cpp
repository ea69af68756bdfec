// DELETE handler.
#include "sql/executor/handlers/dml/delete_handler.h"

namespace kalam {

Result<ExecutionResult> DeleteHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  auto outcome = engine_.execute(ctx, stmt.sql, true, stmt.tokens.get());
  if (!outcome.is_ok()) return outcome.status();
  return dml_result(StatementKind::kDelete, std::move(outcome).value());
}

}  // namespace kalam
