// BEGIN / START TRANSACTION: opens the request's transaction.
#include "sql/executor/handlers/transaction/begin_handler.h"

#include "sql/engine/engine_state.h"

namespace kalam {

Status BeginHandler::check_authorization(const ExecutionContext&, const RawSqlStatement&) const {
  return Status::ok();  // any role: what the transaction touches is authorized statement by statement
}

Result<ExecutionResult> BeginHandler::execute(ExecutionContext& ctx, const RawSqlStatement&) {
  if (ctx.transaction) {
    return Status(ErrorCode::kInvalidArgument, "a transaction is already open")
        .with_detail("argument", std::string("transaction"));
  }
  ctx.transaction = std::make_shared<TransactionState>();
  return ExecutionResult(SuccessResult{"Transaction started", 0});
}

}  // namespace kalam
