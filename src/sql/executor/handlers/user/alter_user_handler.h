// ALTER USER: own password/email for anyone; roles and other users for dba/system.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class AlterUserHandler final : public TypedStatementHandler<AlterUserStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const AlterUserStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const AlterUserStmt& stmt) override;
};

}  // namespace kalam
