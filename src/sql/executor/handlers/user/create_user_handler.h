// CREATE USER (dba, system; only system creates system users).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateUserHandler final : public TypedStatementHandler<CreateUserStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CreateUserStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateUserStmt& stmt) override;
};

}  // namespace kalam
