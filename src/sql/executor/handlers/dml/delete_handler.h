// DELETE: runs in the SQL engine; reports the rows deleted.
#pragma once

#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

class DeleteHandler final : public DmlHandlerBase {
 public:
  using DmlHandlerBase::DmlHandlerBase;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DmlStmt& stmt) override;
};

}  // namespace kalam
