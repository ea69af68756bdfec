// User roles and their privilege order (spec/sql.md § Users): anonymous < user < service < dba < system.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kalam {

// Declared in privilege order; role_at_least relies on it.
enum class Role : uint8_t { kAnonymous, kUser, kService, kDba, kSystem };

// Parses a role name as written in SQL (`ROLE dba`), case-insensitively. Accepts the
// aliases `admin` (→ kDba) and `readonly` (→ kUser). `anonymous` is not a grantable role
// and is rejected. Returns std::nullopt for unknown names.
std::optional<Role> parse_role(std::string_view name);

// Canonical lower-case name: "anonymous", "user", "service", "dba", "system".
std::string_view role_name(Role role);

// True when `actual` has at least the privileges of `required`.
bool role_at_least(Role actual, Role required);

}  // namespace kalam
