// ALTER NAMESPACE name SET OPTIONS (…) (dba, system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class AlterNamespaceHandler final : public TypedStatementHandler<AlterNamespaceStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const AlterNamespaceStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const AlterNamespaceStmt& stmt) override;
};

}  // namespace kalam
