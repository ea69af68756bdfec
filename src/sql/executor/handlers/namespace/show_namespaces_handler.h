// SHOW NAMESPACES (any role).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowNamespacesHandler final : public TypedStatementHandler<ShowNamespacesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowNamespacesStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowNamespacesStmt& stmt) override;
};

}  // namespace kalam
