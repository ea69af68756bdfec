// CHECK TABLE [ns.]t: the consistency check of a table's rows, index entries and _seq
// entries (dba and system).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CheckTableHandler final : public TypedStatementHandler<CheckTableStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CheckTableStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CheckTableStmt& stmt) override;
};

}  // namespace kalam
