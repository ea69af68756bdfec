// COMMIT: writes the transaction atomically (TRANSACTION_CONFLICT when a row it
// wrote was changed concurrently; then nothing is written).
#include "sql/executor/handlers/transaction/commit_handler.h"

#include "sql/engine/engine_state.h"

namespace kalam {

Status CommitHandler::check_authorization(const ExecutionContext&, const RawSqlStatement&) const {
  return Status::ok();
}

Result<ExecutionResult> CommitHandler::execute(ExecutionContext& ctx, const RawSqlStatement&) {
  if (!ctx.transaction) {
    return Status(ErrorCode::kInvalidArgument, "no transaction is open")
        .with_detail("argument", std::string("transaction"));
  }
  KALAM_RETURN_IF_ERROR(engine_.commit_transaction(ctx));
  return ExecutionResult(SuccessResult{"Transaction committed", 0});
}

}  // namespace kalam
