// UPDATE: runs in the SQL engine; reports the rows updated.
#pragma once

#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

class UpdateHandler final : public DmlHandlerBase {
 public:
  using DmlHandlerBase::DmlHandlerBase;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DmlStmt& stmt) override;
};

}  // namespace kalam
