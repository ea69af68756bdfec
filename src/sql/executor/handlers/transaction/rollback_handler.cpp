// ROLLBACK: discards the transaction's writes.
#include "sql/executor/handlers/transaction/rollback_handler.h"

#include "sql/engine/engine_state.h"

namespace kalam {

Status RollbackHandler::check_authorization(const ExecutionContext&, const RawSqlStatement&) const {
  return Status::ok();
}

Result<ExecutionResult> RollbackHandler::execute(ExecutionContext& ctx, const RawSqlStatement&) {
  if (!ctx.transaction) {
    return Status(ErrorCode::kInvalidArgument, "no transaction is open")
        .with_detail("argument", std::string("transaction"));
  }
  ctx.transaction.reset();
  return ExecutionResult(SuccessResult{"Transaction rolled back", 0});
}

}  // namespace kalam
