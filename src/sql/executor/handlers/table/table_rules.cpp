// Shared table-handler rules.
#include "sql/executor/handlers/table/table_rules.h"

#include "sql/executor/helpers/authorization.h"

namespace kalam {

Result<std::string> resolve_table_namespace(const TableRef& ref, const ExecutionContext& ctx) {
  if (!ref.namespace_id.empty()) return ref.namespace_id;
  if (!ctx.default_namespace.empty()) return ctx.default_namespace;
  return Status(ErrorCode::kNotFoundTable,
                "table '" + ref.table_name + "' is not qualified and the request has no namespace_id or USE")
      .with_detail("name", ref.table_name);
}

Status table_not_found(std::string_view namespace_id, std::string_view table_name) {
  std::string name = std::string(namespace_id) + "." + std::string(table_name);
  return Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name);
}

Status check_may_change_table(const ExecutionContext& ctx, const TableDef& table,
                              std::string_view operation) {
  if (ctx.is_admin()) return Status::ok();
  bool own = table.created_by == ctx.user_id && table.table_type != "SHARED";
  if (own) return Status::ok();
  return insufficient_role(ctx, Role::kDba, operation);
}

}  // namespace kalam
