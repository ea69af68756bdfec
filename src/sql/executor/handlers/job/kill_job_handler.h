// KILL JOB 'id' (dba and system any job; others only the jobs they created) and SHOW JOBS.
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class KillJobHandler final : public TypedStatementHandler<KillJobStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const KillJobStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const KillJobStmt& stmt) override;
};

class ShowJobsHandler final : public TypedStatementHandler<ShowJobsStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowJobsStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowJobsStmt& stmt) override;
};

}  // namespace kalam
