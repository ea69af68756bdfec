// EXECUTE AS USER 'bob' (…): runs one SELECT/INSERT/UPDATE/DELETE with bob as the
// effective user of USER/STREAM tables; every attempt is audited.
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class ExecuteAsHandler final : public TypedStatementHandler<ExecuteAsStmt> {
 public:
  explicit ExecuteAsHandler(ExecutorServices& services)
      : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const ExecuteAsStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ExecuteAsStmt& stmt) override;

 private:
  QueryEngine engine_;
};

}  // namespace kalam
