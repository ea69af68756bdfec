// Rules shared by the namespace handlers: reserved names and messages.
#pragma once

#include <string_view>

#include "common/status.h"

namespace kalam {

// INVALID_ARGUMENT for the reserved names of sql.md § Namespaces (case-insensitive).
Status check_namespace_not_reserved(std::string_view name);

// The NOT_FOUND_NAMESPACE error.
Status namespace_not_found(std::string_view name);

}  // namespace kalam
