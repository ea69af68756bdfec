// ALTER TABLE: every form of sql.md; each change adds a schema version, and rows
// written under earlier versions read correctly (columns are matched by id).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class AlterTableHandler final : public TypedStatementHandler<AlterTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const AlterTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const AlterTableStmt& stmt) override;
};

}  // namespace kalam
