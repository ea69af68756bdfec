// SHOW STATS FOR TABLE: hot-tier figures of a table (cold-tier figures are 0 until
// flush lands).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowStatsHandler final : public TypedStatementHandler<ShowStatsStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowStatsStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowStatsStmt& stmt) override;
};

}  // namespace kalam
