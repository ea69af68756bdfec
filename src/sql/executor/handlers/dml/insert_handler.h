// INSERT: runs in the SQL engine; reports the rows inserted.
#pragma once

#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

class InsertHandler final : public DmlHandlerBase {
 public:
  using DmlHandlerBase::DmlHandlerBase;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const DmlStmt& stmt) override;
};

}  // namespace kalam
