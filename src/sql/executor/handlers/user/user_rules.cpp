// Shared user-management rules.
#include "sql/executor/handlers/user/user_rules.h"

#include "sql/context/authorization.h"

namespace kalam {

Status user_not_found(std::string_view user_id) {
  return Status(ErrorCode::kNotFoundUser, "user '" + std::string(user_id) + "' does not exist")
      .with_detail("name", std::string(user_id));
}

Status check_may_manage_user(const ExecutionContext& ctx, const UserRecord& target,
                             std::string_view operation) {
  if (target.role == Role::kSystem) return require_role(ctx, Role::kSystem, operation);
  return require_role(ctx, Role::kDba, operation);
}

}  // namespace kalam
