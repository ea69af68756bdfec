// SHOW STORAGES (any role; credentials are never shown).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class ShowStoragesHandler final : public TypedStatementHandler<ShowStoragesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowStoragesStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowStoragesStmt& stmt) override;
};

}  // namespace kalam
