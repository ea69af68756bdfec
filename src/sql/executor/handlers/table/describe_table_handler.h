// DESCRIBE [TABLE] t [HISTORY]: columns (with the system columns) or every schema version.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class DescribeTableHandler final : public TypedStatementHandler<DescribeTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const DescribeTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DescribeTableStmt& stmt) override;
};

}  // namespace kalam
