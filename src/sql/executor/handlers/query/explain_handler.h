// EXPLAIN <query>: SQLite's query plan of the statement (dba, system).
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class ExplainHandler final : public TypedStatementHandler<ExplainStmt> {
 public:
  explicit ExplainHandler(ExecutorServices& services) : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const ExplainStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ExplainStmt& stmt) override;

 private:
  QueryEngine engine_;
};

}  // namespace kalam
