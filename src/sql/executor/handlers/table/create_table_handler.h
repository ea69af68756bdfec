// CREATE [USER|SHARED|STREAM] TABLE: columns, types, defaults, keys and options (sql.md § Tables).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateTableHandler final : public TypedStatementHandler<CreateTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CreateTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateTableStmt& stmt) override;
};

}  // namespace kalam
