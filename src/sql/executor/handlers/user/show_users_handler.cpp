// SHOW USERS: user_id, role, email, created_at, last_login_at of the active users in
// system.users (every user for dba/system, one's own row otherwise; never the hash).
#include "sql/executor/handlers/user/show_users_handler.h"

#include "sql/engine/system_tables.h"

namespace kalam {

Status ShowUsersHandler::check_authorization(const ExecutionContext&, const ShowUsersStmt&) const {
  return Status::ok();  // rows are filtered by role in system.users
}

Result<ExecutionResult> ShowUsersHandler::execute(ExecutionContext& ctx, const ShowUsersStmt&) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, read_system_table("users", ctx, services_,
                                                            {"user_id", "role", "email", "created_at",
                                                             "last_login_at", "deleted_at"}));
  RowsResult active;
  active.schema.assign(rows.schema.begin(), rows.schema.end() - 1);
  for (ResultRow& row : rows.rows) {
    if (!is_null(row.back())) continue;  // dropped users are not listed
    row.pop_back();
    active.rows.push_back(std::move(row));
  }
  return ExecutionResult(std::move(active));
}

}  // namespace kalam
