// Rules shared by the namespace handlers: reserved names and messages.
#pragma once

#include <string_view>

#include "common/status.h"

namespace kalam {

// INVALID_ARGUMENT for the reserved names of sql.md § Namespaces (case-insensitive).
Status check_namespace_not_reserved(std::string_view name);

// INVALID_ARGUMENT for a namespace, table or index name starting with "sqlite_" (any
// case): the SQL engine reserves them. `argument` names the kind of object.
Status check_not_sqlite_name(std::string_view name, std::string_view argument);

// The NOT_FOUND_NAMESPACE error.
Status namespace_not_found(std::string_view name);

}  // namespace kalam
