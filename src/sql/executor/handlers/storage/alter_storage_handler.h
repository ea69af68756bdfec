// ALTER STORAGE … SET … (dba, system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class AlterStorageHandler final : public TypedStatementHandler<AlterStorageStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const AlterStorageStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const AlterStorageStmt& stmt) override;
};

}  // namespace kalam
