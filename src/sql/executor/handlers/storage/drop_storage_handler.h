// DROP STORAGE [IF EXISTS] (dba, system); 'local' and storages in use are refused.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropStorageHandler final : public TypedStatementHandler<DropStorageStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropStorageStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropStorageStmt& stmt) override;
};

}  // namespace kalam
