// Table access rules by table kind and SHARED access level.
#include "sql/context/table_access.h"

namespace kalam {

bool may_read_table(const TableSchema& schema, Role role) {
  if (schema.table_type != TableType::kShared) return role_at_least(role, Role::kUser);
  switch (schema.options.access_level) {
    case AccessLevel::kPublic:
      return role_at_least(role, Role::kUser);
    case AccessLevel::kPrivate:
      return role_at_least(role, Role::kService);
    case AccessLevel::kRestricted:
      return role_at_least(role, Role::kDba);
  }
  return false;
}

bool may_write_table(const TableSchema& schema, Role role) {
  if (schema.table_type != TableType::kShared) return role_at_least(role, Role::kUser);
  if (schema.options.access_level == AccessLevel::kRestricted) return role_at_least(role, Role::kDba);
  return role_at_least(role, Role::kService);
}

}  // namespace kalam
