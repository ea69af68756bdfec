// The handler interfaces: StatementHandler (type-erased, what the registry holds)
// and TypedStatementHandler<Stmt> (what each handler file implements).
#pragma once

#include <variant>

#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/execution_result.h"
#include "sql/context/services.h"
#include "sql/parser/statements.h"

namespace kalam {

class StatementHandler {
 public:
  virtual ~StatementHandler() = default;
  // Pure decision: OK or AUTH_INSUFFICIENT_ROLE (or NOT_FOUND_* where the rule
  // needs an object that does not exist). Never changes state.
  virtual Status authorize(const ExecutionContext& ctx, const ParsedStatement& statement) const = 0;
  // REQUIRES: authorize() returned OK for the same statement. Only SqlExecutor calls this.
  virtual Result<ExecutionResult> run(ExecutionContext& ctx, const ParsedStatement& statement) = 0;
};

template <typename Stmt>
class TypedStatementHandler : public StatementHandler {
 public:
  explicit TypedStatementHandler(ExecutorServices& services) : services_(services) {}

  virtual Status check_authorization(const ExecutionContext& ctx, const Stmt& stmt) const = 0;
  virtual Result<ExecutionResult> execute(ExecutionContext& ctx, const Stmt& stmt) = 0;

  Status authorize(const ExecutionContext& ctx, const ParsedStatement& statement) const final {
    const Stmt* stmt = std::get_if<Stmt>(&statement.body);
    if (stmt == nullptr) return Status(ErrorCode::kInternalError, "statement routed to the wrong handler");
    return check_authorization(ctx, *stmt);
  }
  Result<ExecutionResult> run(ExecutionContext& ctx, const ParsedStatement& statement) final {
    const Stmt* stmt = std::get_if<Stmt>(&statement.body);
    if (stmt == nullptr) return Status(ErrorCode::kInternalError, "statement routed to the wrong handler");
    return execute(ctx, *stmt);
  }

 protected:
  ExecutorServices& services_;
};

}  // namespace kalam
