// SHOW USERS: user_id, role, email, created_at, last_login_at (never the hash).
#include "sql/executor/handlers/user/show_users_handler.h"

#include "auth/user_store.h"

namespace kalam {

Status ShowUsersHandler::check_authorization(const ExecutionContext&, const ShowUsersStmt&) const {
  return Status::ok();  // rows are filtered by role in execute()
}

Result<ExecutionResult> ShowUsersHandler::execute(ExecutionContext& ctx, const ShowUsersStmt&) {
  RowsResult result;
  result.schema = {{"user_id", DataType::kText, {"pk", "nn"}},
                   {"role", DataType::kText, {"nn"}},
                   {"email", DataType::kText, {}},
                   {"created_at", DataType::kTimestamp, {"nn"}},
                   {"last_login_at", DataType::kTimestamp, {}}};
  bool see_all = ctx.is_admin();
  for (const UserRecord& user : services_.users->all()) {
    if (user.is_deleted()) continue;
    if (!see_all && user.user_id != ctx.user_id) continue;
    result.rows.push_back({Value(user.user_id), Value(std::string(role_name(user.role))),
                           user.email.empty() ? Value() : Value(user.email), Value(user.created_at_us),
                           user.last_login_at_us == 0 ? Value() : Value(user.last_login_at_us)});
  }
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
