// CREATE STORAGE (dba, system): filesystem and s3 definitions, credentials sealed at rest.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class CreateStorageHandler final : public TypedStatementHandler<CreateStorageStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const CreateStorageStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const CreateStorageStmt& stmt) override;
};

}  // namespace kalam
