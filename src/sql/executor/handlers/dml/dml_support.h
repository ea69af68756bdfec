// Shared by the INSERT, UPDATE and DELETE handlers: running the statement in the
// SQL engine and the authorization rule (table-level checks happen in the engine).
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

// The result of a DML statement of `kind` run by the engine: rows affected (an upsert
// counts rows inserted plus rows changed) and the RETURNING rows, if any.
ExecutionResult dml_result(StatementKind kind, EngineOutcome outcome);

class DmlHandlerBase : public TypedStatementHandler<DmlStmt> {
 public:
  explicit DmlHandlerBase(ExecutorServices& services) : TypedStatementHandler(services), engine_(services) {}
  // Any authenticated role: per-table rules (scope, access level) are enforced by the engine.
  Status check_authorization(const ExecutionContext& ctx, const DmlStmt& stmt) const override;

 protected:
  QueryEngine engine_;
};

}  // namespace kalam
