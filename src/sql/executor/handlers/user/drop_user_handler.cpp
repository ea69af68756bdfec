// DROP USER: soft delete (deleted_at); logins fail at once. Root and the caller
// itself cannot be dropped.
#include "sql/executor/handlers/user/drop_user_handler.h"

#include "auth/user_store.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/user/user_rules.h"

namespace kalam {

Status DropUserHandler::check_authorization(const ExecutionContext& ctx, const DropUserStmt& stmt) const {
  KALAM_RETURN_IF_ERROR(require_role(ctx, Role::kDba, "DROP USER"));
  auto target = services_.users->find(stmt.user_id);
  if (target && !target->is_deleted())
    return check_may_manage_user(ctx, *target, "DROP USER of a system user");
  return Status::ok();
}

Result<ExecutionResult> DropUserHandler::execute(ExecutionContext& ctx, const DropUserStmt& stmt) {
  if (stmt.user_id == kRootUserId) {
    return Status(ErrorCode::kInvalidArgument, "the root user cannot be dropped")
        .with_detail("argument", std::string("user"));
  }
  if (stmt.user_id == ctx.user_id) {
    return Status(ErrorCode::kInvalidArgument, "you cannot drop the user you are logged in as")
        .with_detail("argument", std::string("user"));
  }
  UserStore& users = *services_.users;
  auto lock = users.lock_writes();
  auto existing = users.find(stmt.user_id);
  if (!existing || existing->is_deleted()) {
    if (stmt.if_exists)
      return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' does not exist", 0});
    return user_not_found(stmt.user_id);
  }
  UserRecord record = *existing;
  record.deleted_at_us = ctx.timestamp_us;
  record.updated_at_us = ctx.timestamp_us;
  WriteBatch batch;
  log_ddl_operation(batch, ctx, services_, "DROP_USER", "user:" + stmt.user_id);
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP USER"));
  KALAM_RETURN_IF_ERROR(users.commit(batch, record));
  if (services_.live != nullptr) services_.live->user_changed(stmt.user_id);  // their live queries end
  return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' dropped", 1});
}

}  // namespace kalam
