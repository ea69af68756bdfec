// USE / USE NAMESPACE / SET NAMESPACE: the request's default namespace (any role).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class UseNamespaceHandler final : public TypedStatementHandler<UseNamespaceStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const UseNamespaceStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const UseNamespaceStmt& stmt) override;
};

}  // namespace kalam
