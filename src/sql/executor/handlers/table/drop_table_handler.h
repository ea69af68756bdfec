// DROP TABLE: removes the definition at once and the table's rows in the same atomic batch.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropTableHandler final : public TypedStatementHandler<DropTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropTableStmt& stmt) override;
};

}  // namespace kalam
