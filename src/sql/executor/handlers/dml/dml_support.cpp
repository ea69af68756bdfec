// DmlHandlerBase: authorization shared by the DML handlers.
#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

ExecutionResult dml_result(StatementKind kind, EngineOutcome outcome) {
  std::optional<RowsResult> returning;
  if (outcome.returning) returning = std::move(outcome.rows);
  if (kind == StatementKind::kUpdate) return UpdatedResult{outcome.updated, std::move(returning)};
  if (kind == StatementKind::kDelete) return DeletedResult{outcome.deleted, std::move(returning)};
  return InsertedResult{outcome.inserted + outcome.updated, std::move(returning), outcome.updated};
}

Status DmlHandlerBase::check_authorization(const ExecutionContext&, const DmlStmt&) const {
  return Status::ok();
}

}  // namespace kalam
