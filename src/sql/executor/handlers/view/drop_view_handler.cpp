// DROP VIEW: dba and system drop any view, others the views they created.
#include "sql/executor/handlers/view/drop_view_handler.h"

#include "sql/context/audit.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {

namespace {

Status view_not_found(const std::string& qualified) {
  return Status(ErrorCode::kNotFoundTable, "view '" + qualified + "' does not exist")
      .with_detail("name", qualified);
}

}  // namespace

Status DropViewHandler::check_authorization(const ExecutionContext& ctx, const DropViewStmt& stmt) const {
  auto namespace_id = resolve_table_namespace(stmt.view, ctx);
  if (!namespace_id.is_ok()) return Status::ok();        // reported by execute
  auto catalog = services_.schema_registry->snapshot();  // keeps `view` alive
  const TableDef* view = catalog->find_table(*namespace_id, stmt.view.table_name);
  if (view == nullptr || !view->is_view()) return Status::ok();
  return check_may_change_table(ctx, *view, "DROP VIEW");
}

Result<ExecutionResult> DropViewHandler::execute(ExecutionContext& ctx, const DropViewStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.view, ctx));
  std::string qualified = namespace_id + "." + stmt.view.table_name;
  CatalogChange change = services_.schema_registry->begin_change();
  const TableDef* view = change.current().find_table(namespace_id, stmt.view.table_name);
  if (view == nullptr) {
    if (stmt.if_exists) return ExecutionResult(SuccessResult{"View '" + qualified + "' does not exist", 0});
    return view_not_found(qualified);
  }
  if (!view->is_view()) {
    return Status(ErrorCode::kInvalidArgument, "'" + qualified + "' is a table, not a view: use DROP TABLE")
        .with_detail("argument", std::string("type"));
  }
  change.remove_table(namespace_id, stmt.view.table_name);
  log_ddl_operation(change.batch(), ctx, services_, "DROP_VIEW", "view:" + qualified);
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP VIEW"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"View '" + qualified + "' dropped", 1});
}

}  // namespace kalam
