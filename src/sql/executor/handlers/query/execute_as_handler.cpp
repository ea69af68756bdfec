// EXECUTE AS USER: target rules of model.md (user: itself; service: user and service
// targets; dba: anything but system; system: any).
#include "sql/executor/handlers/query/execute_as_handler.h"

#include "auth/user_store.h"
#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

Status ExecuteAsHandler::check_authorization(const ExecutionContext& ctx, const ExecuteAsStmt& stmt) const {
  if (stmt.target_user == ctx.user_id) return Status::ok();
  if (ctx.role == Role::kSystem) return Status::ok();
  auto target = services_.users->find(stmt.target_user);
  Role target_role = target && !target->is_deleted() ? target->role : Role::kUser;
  std::string operation = "EXECUTE AS USER '" + stmt.target_user + "'";
  switch (ctx.role) {
    case Role::kService:
      if (target_role == Role::kUser || target_role == Role::kService) return Status::ok();
      return insufficient_role(ctx, target_role == Role::kDba ? Role::kDba : Role::kSystem, operation);
    case Role::kDba:
      if (target_role != Role::kSystem) return Status::ok();
      return insufficient_role(ctx, Role::kSystem, operation);
    default:
      return insufficient_role(ctx, Role::kService, operation);
  }
}

Result<ExecutionResult> ExecuteAsHandler::execute(ExecutionContext& ctx, const ExecuteAsStmt& stmt) {
  auto target = services_.users->find(stmt.target_user);
  std::string details = JsonObjectBuilder()
                            .add("target_user", stmt.target_user)
                            .add("statement", statement_kind_name(stmt.inner_kind))
                            .build();
  if (!target || target->is_deleted()) {
    log_auth_event(ctx, services_, "EXECUTE_AS_USER", "user:" + stmt.target_user, details, false)
        .permit_unchecked();  // every attempt is audited; the error is returned either way
    return Status(ErrorCode::kNotFoundUser, "user '" + stmt.target_user + "' does not exist")
        .with_detail("name", stmt.target_user);
  }
  ExecutionContext as_target = ctx;
  as_target.effective_user_id = stmt.target_user;
  Result<ExecutionResult> result = Status(ErrorCode::kInternalError, "not run");
  if (stmt.inner_kind == StatementKind::kSelect) {
    auto rows = engine_.query(as_target, stmt.inner_sql);
    result = rows.is_ok() ? Result<ExecutionResult>(ExecutionResult(std::move(rows).value()))
                          : Result<ExecutionResult>(rows.status());
  } else {
    auto outcome = engine_.execute(as_target, stmt.inner_sql, true);
    if (!outcome.is_ok()) {
      result = outcome.status();
    } else {
      result = dml_result(stmt.inner_kind, std::move(outcome).value());
    }
  }
  log_auth_event(ctx, services_, "EXECUTE_AS_USER", "user:" + stmt.target_user, std::move(details),
                 result.is_ok())
      .permit_unchecked();  // the statement's own outcome is what the caller needs
  return result;
}

}  // namespace kalam
