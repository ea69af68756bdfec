// INSERT handler.
#include "sql/executor/handlers/dml/insert_handler.h"

namespace kalam {

Result<ExecutionResult> InsertHandler::execute(ExecutionContext& ctx, const DmlStmt& stmt) {
  auto outcome = engine_.execute(ctx, stmt.sql, true, stmt.tokens.get());
  if (!outcome.is_ok()) return outcome.status();
  return dml_result(StatementKind::kInsert, std::move(outcome).value());
}

}  // namespace kalam
