// Table access rules by table kind and SHARED access level.
#include "sql/context/table_access.h"

#include "sql/context/authorization.h"

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

Status authorize_table_action(const ExecutionContext& ctx, const TableSchema& schema, TableAction action,
                              std::string_view name) {
  if (!may_read_table(schema, ctx.role)) {
    return Status(ErrorCode::kNotFoundTable, "table '" + std::string(name) + "' does not exist")
        .with_detail("name", std::string(name));
  }
  if (action == TableAction::kRead) return Status::ok();
  if (action == TableAction::kUpdate && schema.table_type == TableType::kStream) {
    return Status(ErrorCode::kInvalidArgument, "STREAM tables are append-only: UPDATE is not allowed")
        .with_detail("argument", std::string("table"));
  }
  if (!may_write_table(schema, ctx.role)) {
    Role required = schema.options.access_level == AccessLevel::kRestricted ? Role::kDba : Role::kService;
    return insufficient_role(ctx, required, "write to " + std::string(name));
  }
  return Status::ok();
}

bool may_write_table(const TableSchema& schema, Role role) {
  if (schema.table_type != TableType::kShared) return role_at_least(role, Role::kUser);
  if (schema.options.access_level == AccessLevel::kRestricted) return role_at_least(role, Role::kDba);
  return role_at_least(role, Role::kService);
}

}  // namespace kalam
