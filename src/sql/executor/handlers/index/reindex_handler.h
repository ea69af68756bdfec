// REINDEX [[ns.]table_or_index]: rebuilds indexes next to the old ones, which keep serving until each new copy takes over.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ReindexHandler final : public TypedStatementHandler<ReindexStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ReindexStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ReindexStmt& stmt) override;
};

}  // namespace kalam
