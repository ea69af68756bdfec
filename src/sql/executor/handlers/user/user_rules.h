// Rules shared by the user handlers (model.md § Roles, sql.md § Users).
#pragma once

#include <string_view>

#include "auth/user_store.h"
#include "common/status.h"
#include "sql/context/execution_context.h"

namespace kalam {

Status user_not_found(std::string_view user_id);

// A dba may manage users below system; only system manages system users.
Status check_may_manage_user(const ExecutionContext& ctx, const UserRecord& target,
                             std::string_view operation);

}  // namespace kalam
