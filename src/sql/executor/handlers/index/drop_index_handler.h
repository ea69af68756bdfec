// DROP INDEX: removes the index definition and its entries.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropIndexHandler final : public TypedStatementHandler<DropIndexStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropIndexStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropIndexStmt& stmt) override;
};

}  // namespace kalam
