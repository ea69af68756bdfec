// SUBSCRIBE TO over HTTP (validates and says where to subscribe), KILL LIVE QUERY and
// SHOW LIVE QUERIES (sql.md § Live queries).
#pragma once

#include "sql/executor/typed_handler.h"

namespace kalam {

class SubscribeHandler final : public TypedStatementHandler<SubscribeStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const SubscribeStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const SubscribeStmt& stmt) override;
};

class KillLiveQueryHandler final : public TypedStatementHandler<KillLiveQueryStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const KillLiveQueryStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const KillLiveQueryStmt& stmt) override;
};

class ShowLiveQueriesHandler final : public TypedStatementHandler<ShowLiveQueriesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext& ctx, const ShowLiveQueriesStmt& stmt) const override;
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowLiveQueriesStmt& stmt) override;
};

}  // namespace kalam
