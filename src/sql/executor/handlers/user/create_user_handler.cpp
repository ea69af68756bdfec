// CREATE USER: bcrypt-hashed password, role, optional email; audited with the
// password masked.
#include "sql/executor/handlers/user/create_user_handler.h"

#include "auth/password_hasher.h"
#include "auth/user_store.h"
#include "common/json_builder.h"
#include "config/server_config.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"

namespace kalam {

Status CreateUserHandler::check_authorization(const ExecutionContext& ctx, const CreateUserStmt& stmt) const {
  if (stmt.role == Role::kSystem) return require_role(ctx, Role::kSystem, "CREATE USER with role system");
  return require_role(ctx, Role::kDba, "CREATE USER");
}

Result<ExecutionResult> CreateUserHandler::execute(ExecutionContext& ctx, const CreateUserStmt& stmt) {
  KALAM_RETURN_IF_ERROR(validate_password_policy(stmt.password));
  if (stmt.email && stmt.email->size() > 254) {
    return Status(ErrorCode::kInvalidArgument, "EMAIL is longer than 254 characters")
        .with_detail("argument", std::string("email"));
  }
  UserStore& users = *services_.users;
  if (auto existing = users.find(stmt.user_id); stmt.if_not_exists && existing && !existing->is_deleted()) {
    // No bcrypt for a no-op (the existence check is repeated under the writer lock).
    return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' already exists", 0});
  }
  std::string hash;
  KALAM_ASSIGN_OR_RETURN(hash, hash_password(stmt.password, services_.config->auth.bcrypt_cost));
  auto lock = users.lock_writes();
  if (auto existing = users.find(stmt.user_id)) {
    std::string suffix = existing->is_deleted() ? " (dropped, pending purge)" : "";
    if (stmt.if_not_exists) {
      return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' already exists" + suffix, 0});
    }
    return Status(ErrorCode::kAlreadyExists, "user '" + stmt.user_id + "' already exists" + suffix)
        .with_detail("object_type", std::string("user"))
        .with_detail("name", stmt.user_id);
  }
  UserRecord record;
  record.user_id = stmt.user_id;
  record.password_hash = std::move(hash);
  record.role = stmt.role;
  record.email = stmt.email.value_or("");
  record.created_at_us = record.updated_at_us = ctx.timestamp_us;
  WriteBatch batch;
  log_ddl_operation(batch, ctx, services_, "CREATE_USER", "user:" + stmt.user_id,
                    JsonObjectBuilder().add("role", role_name(stmt.role)).add("password", "***").build());
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE USER"));
  KALAM_RETURN_IF_ERROR(users.commit(batch, record));
  return ExecutionResult(SuccessResult{"User '" + stmt.user_id + "' created", 1});
}

}  // namespace kalam
