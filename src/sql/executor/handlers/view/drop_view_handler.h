// DROP VIEW: removes a view's definition (the tables it reads are untouched).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DropViewHandler final : public TypedStatementHandler<DropViewStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DropViewStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DropViewStmt& stmt) override;
};

}  // namespace kalam
