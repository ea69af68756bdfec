// Role names, aliases and ordering.
#include "auth/role.h"

#include <array>
#include <utility>

#include "common/string_util.h"

namespace kalam {

std::optional<Role> parse_role(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Role>, 6> kNames = {{
      {"user", Role::kUser},
      {"service", Role::kService},
      {"dba", Role::kDba},
      {"system", Role::kSystem},
      {"admin", Role::kDba},
      {"readonly", Role::kUser},
  }};
  for (const auto& [candidate, role] : kNames) {
    if (iequals(name, candidate)) return role;
  }
  return std::nullopt;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kAnonymous:
      return "anonymous";
    case Role::kUser:
      return "user";
    case Role::kService:
      return "service";
    case Role::kDba:
      return "dba";
    case Role::kSystem:
      return "system";
  }
  return "anonymous";
}

bool role_at_least(Role actual, Role required) {
  return static_cast<uint8_t>(actual) >= static_cast<uint8_t>(required);
}

}  // namespace kalam
