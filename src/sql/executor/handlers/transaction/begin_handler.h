// BEGIN: explicit transactions within one request (sql.md § Transactions).
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class BeginHandler final : public TypedStatementHandler<RawSqlStatement> {
 public:
  explicit BeginHandler(ExecutorServices& services) : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const RawSqlStatement& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const RawSqlStatement& stmt) override;

 private:
  QueryEngine engine_;
};

}  // namespace kalam
