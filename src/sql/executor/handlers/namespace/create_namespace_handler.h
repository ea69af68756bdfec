// CREATE NAMESPACE [IF NOT EXISTS] name (dba, system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateNamespaceHandler final : public TypedStatementHandler<CreateNamespaceStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CreateNamespaceStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateNamespaceStmt& stmt) override;
};

}  // namespace kalam
