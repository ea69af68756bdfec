// Role checks with the documented error details.
#include "sql/context/authorization.h"

#include <string>
#include <vector>

namespace kalam {

Status insufficient_role(const ExecutionContext& ctx, Role minimum, std::string_view operation) {
  std::vector<std::string> required;
  for (Role role : {Role::kUser, Role::kService, Role::kDba, Role::kSystem}) {
    if (role_at_least(role, minimum)) required.emplace_back(role_name(role));
  }
  return Status(ErrorCode::kAuthInsufficientRole,
                "role '" + std::string(role_name(ctx.role)) + "' may not perform " + std::string(operation))
      .with_detail("required_roles", std::move(required))
      .with_detail("actual_role", std::string(role_name(ctx.role)))
      .with_detail("operation", std::string(operation));
}

Status require_role(const ExecutionContext& ctx, Role minimum, std::string_view operation) {
  if (role_at_least(ctx.role, minimum)) return Status::ok();
  return insufficient_role(ctx, minimum, operation);
}

}  // namespace kalam
