// CREATE [UNIQUE] INDEX: publishes the index as building, fills it from the table's rows in batches, then marks it ready.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateIndexHandler final : public TypedStatementHandler<CreateIndexStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CreateIndexStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateIndexStmt& stmt) override;
};

}  // namespace kalam
