// STORAGE CHECK name (dba, system): write/read/list/delete probes with latency.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CheckStorageHandler final : public TypedStatementHandler<CheckStorageStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CheckStorageStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CheckStorageStmt& stmt) override;
};

}  // namespace kalam
