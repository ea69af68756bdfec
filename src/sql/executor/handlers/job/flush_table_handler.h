// STORAGE FLUSH TABLE [ns.]t and STORAGE FLUSH ALL [IN ns] (also FLUSH TABLE / FLUSH ALL
// TABLES): create flush jobs and return at once (service, dba, system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class FlushTableHandler final : public TypedStatementHandler<FlushTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const FlushTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const FlushTableStmt& stmt) override;
};

class FlushAllHandler final : public TypedStatementHandler<FlushAllStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const FlushAllStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const FlushAllStmt& stmt) override;
};

}  // namespace kalam
