// ALTER USER: self-service password and email; role changes need dba (system to
// grant system); root cannot be demoted.
#include "sql/executor/handlers/user/alter_user_handler.h"

#include "auth/password_hasher.h"
#include "auth/user_store.h"
#include "common/json_builder.h"
#include "config/server_config.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/user/user_rules.h"

namespace kalam {

Status AlterUserHandler::check_authorization(const ExecutionContext& ctx, const AlterUserStmt& stmt) const {
  bool self = stmt.user_id == ctx.user_id;
  if (stmt.role) {
    if (*stmt.role == Role::kSystem) return require_role(ctx, Role::kSystem, "ALTER USER SET ROLE system");
    KALAM_RETURN_IF_ERROR(require_role(ctx, Role::kDba, "ALTER USER SET ROLE"));
  }
  if (self) return Status::ok();
  KALAM_RETURN_IF_ERROR(require_role(ctx, Role::kDba, "ALTER USER of another user"));
  auto target = services_.users->find(stmt.user_id);
  if (target && !target->is_deleted())
    return check_may_manage_user(ctx, *target, "ALTER USER of a system user");
  return Status::ok();  // a missing target is reported by execute()
}

Result<ExecutionResult> AlterUserHandler::execute(ExecutionContext& ctx, const AlterUserStmt& stmt) {
  std::string new_hash;
  if (stmt.password) {
    KALAM_RETURN_IF_ERROR(validate_password_policy(*stmt.password));
    KALAM_ASSIGN_OR_RETURN(new_hash, hash_password(*stmt.password, services_.config->auth.bcrypt_cost));
  }
  if (stmt.email && stmt.email->size() > 254) {
    return Status(ErrorCode::kInvalidArgument, "EMAIL is longer than 254 characters")
        .with_detail("argument", std::string("email"));
  }
  UserStore& users = *services_.users;
  auto lock = users.lock_writes();
  auto existing = users.find(stmt.user_id);
  if (!existing || existing->is_deleted()) return user_not_found(stmt.user_id);
  UserRecord record = *existing;
  if (stmt.role && *stmt.role != Role::kSystem && record.user_id == kRootUserId) {
    return Status(ErrorCode::kInvalidArgument, "the root user cannot be demoted")
        .with_detail("argument", std::string("role"));
  }
  JsonObjectBuilder details;
  if (stmt.password) {
    record.password_hash = std::move(new_hash);
    record.failed_login_attempts = 0;
    record.locked_until_us = 0;
    details.add("password", "***");
  }
  if (stmt.role && *stmt.role != record.role) {
    details.add("old_role", role_name(record.role)).add("role", role_name(*stmt.role));
    record.role = *stmt.role;
  }
  if (stmt.email && *stmt.email != record.email) {
    record.email = *stmt.email;
    details.add("email", record.email);
  }
  std::string changes = details.build();
  if (changes == "{}") return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' unchanged", 0});
  // A new password or role revokes the user's tokens and cached Basic credentials.
  if (stmt.password || record.role != existing->role) record.token_generation += 1;
  record.updated_at_us = ctx.timestamp_us;
  WriteBatch batch;
  log_ddl_operation(batch, ctx, services_, "ALTER_USER", "user:" + stmt.user_id, std::move(changes));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("ALTER USER"));
  KALAM_RETURN_IF_ERROR(users.commit(batch, record));
  if (services_.live != nullptr && record.role != existing->role) services_.live->user_changed(stmt.user_id);
  return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' altered", 1});
}

}  // namespace kalam
