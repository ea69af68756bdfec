// CREATE VIEW: stores a named query in the catalog after preparing it as its creator.
#pragma once

#include "sql/engine/query_engine.h"
#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateViewHandler final : public TypedStatementHandler<CreateViewStmt> {
 public:
  explicit CreateViewHandler(ExecutorServices& services) : TypedStatementHandler(services), engine_(services) {}
  Status check_authorization(const ExecutionContext& ctx, const CreateViewStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateViewStmt& stmt) override;

 private:
  QueryEngine engine_;
};

}  // namespace kalam
