// DROP USER (dba, system): soft delete; root and oneself are protected.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropUserHandler final : public TypedStatementHandler<DropUserStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropUserStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropUserStmt& stmt) override;
};

}  // namespace kalam
