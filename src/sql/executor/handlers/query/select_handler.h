// SELECT: queries run in the SQL engine. Per-table rules (system-table roles, and
// later USER/SHARED scopes) are enforced by the engine's authorizer and scans.
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class SelectHandler final : public TypedStatementHandler<SelectStmt> {
 public:
  explicit SelectHandler(ExecutorServices& services) : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const SelectStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const SelectStmt& stmt) override;

 private:
  QueryEngine engine_;
};

}  // namespace kalam
