// DROP NAMESPACE [IF EXISTS] name [CASCADE] (dba, system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropNamespaceHandler final : public TypedStatementHandler<DropNamespaceStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropNamespaceStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropNamespaceStmt& stmt) override;
};

}  // namespace kalam
