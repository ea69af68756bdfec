// SHOW TABLES [IN ns]: the tables the caller can see.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowTablesHandler final : public TypedStatementHandler<ShowTablesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowTablesStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowTablesStmt& stmt) override;
};

}  // namespace kalam
