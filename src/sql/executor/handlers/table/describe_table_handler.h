// DESCRIBE [TABLE] t [HISTORY]: columns (with the system columns) or every schema version.
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class DescribeTableHandler final : public TypedStatementHandler<DescribeTableStmt> {
 public:
  explicit DescribeTableHandler(ExecutorServices& services)
      : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const DescribeTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DescribeTableStmt& stmt) override;

 private:
  // A view: its query's columns as the caller reads them (no system columns, no indexes).
  Result<ExecutionResult> describe_view(ExecutionContext& ctx, const TableDef& view, bool history);

  QueryEngine engine_;
};

}  // namespace kalam
