// Authorization helpers shared by handlers: the AUTH_INSUFFICIENT_ROLE error with
// the details api.md requires.
#pragma once

#include <string_view>

#include "auth/role.h"
#include "common/status.h"
#include "sql/context/execution_context.h"

namespace kalam {

// AUTH_INSUFFICIENT_ROLE listing every role at or above `minimum`.
Status insufficient_role(const ExecutionContext& ctx, Role minimum, std::string_view operation);

// OK when the caller's role is at least `minimum`.
Status require_role(const ExecutionContext& ctx, Role minimum, std::string_view operation);

}  // namespace kalam
