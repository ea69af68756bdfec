// SHOW USERS: every active user for dba/system, one's own row otherwise.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowUsersHandler final : public TypedStatementHandler<ShowUsersStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowUsersStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowUsersStmt& stmt) override;
};

}  // namespace kalam
