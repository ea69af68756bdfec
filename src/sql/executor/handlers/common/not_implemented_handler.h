// Handler for statement kinds whose feature has not been built yet: it answers
// NOT_IMPLEMENTED (501) naming the feature, so every kind has exactly one handler.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class NotImplementedHandler final : public TypedStatementHandler<RawSqlStatement> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const RawSqlStatement& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const RawSqlStatement& stmt) override;
};

}  // namespace kalam
