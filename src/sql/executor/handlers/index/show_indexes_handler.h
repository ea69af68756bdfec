// SHOW INDEXES [ON [ns.]t]: the indexes of the tables the caller may read (system.indexes).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowIndexesHandler final : public TypedStatementHandler<ShowIndexesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowIndexesStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowIndexesStmt& stmt) override;
};

}  // namespace kalam
