// CREATE VIEW: who may create a SHARED table in the namespace may create a view in it.
// The query is resolved in the view's namespace and prepared as the creator (every
// table it names must exist and be readable by the creator); the view is stored with
// its text and evaluated with each reader's rights whenever it is used.
#include "sql/executor/handlers/view/create_view_handler.h"

#include <set>

#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {

Status CreateViewHandler::check_authorization(const ExecutionContext& ctx, const CreateViewStmt&) const {
  return require_role(ctx, Role::kService, "CREATE VIEW");
}

Result<ExecutionResult> CreateViewHandler::execute(ExecutionContext& ctx, const CreateViewStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.view, ctx));
  if (namespace_id == "system") {
    return invalid_table_argument("views cannot be created in the system namespace", "namespace");
  }
  KALAM_RETURN_IF_ERROR(check_not_sqlite_name(stmt.view.table_name, "view"));
  std::set<std::string> columns;
  for (const std::string& column : stmt.columns) {
    if (!columns.insert(column).second) {
      return invalid_table_argument("the view's column list names '" + column + "' twice", "columns");
    }
  }
  std::string qualified = namespace_id + "." + stmt.view.table_name;
  auto exists = [&](const CatalogSnapshot& catalog) -> Result<bool> {
    if (catalog.find_namespace(namespace_id) == nullptr) return namespace_not_found(namespace_id);
    const TableDef* existing = catalog.find_table(namespace_id, stmt.view.table_name);
    if (existing != nullptr || catalog.find_table_of_index(namespace_id, stmt.view.table_name) != nullptr) {
      if (stmt.if_not_exists && existing != nullptr && existing->is_view()) return true;
      std::string kind = existing == nullptr ? "an index" : existing->is_view() ? "a view" : "a table";
      return Status(ErrorCode::kAlreadyExists, kind + " named '" + qualified + "' already exists")
          .with_detail("object_type", std::string(existing == nullptr ? "index" : existing->is_view() ? "view" : "table"))
          .with_detail("name", qualified);
    }
    return false;
  };
  KALAM_ASSIGN_OR_RETURN(bool already, exists(*services_.schema_registry->snapshot()));
  if (already) return ExecutionResult(SuccessResult{"View '" + qualified + "' already exists", 0});

  TableDef def;
  def.namespace_id = namespace_id;
  def.table_name = stmt.view.table_name;
  def.table_type = std::string(kViewTableType);
  def.storage_id.clear();
  def.view_sql = stmt.query_sql;
  def.view_columns = stmt.columns;
  def.created_by = ctx.user_id;
  def.created_at_us = def.updated_at_us = ctx.timestamp_us;
  KALAM_RETURN_IF_ERROR(engine_.check_view(ctx, def));

  CatalogChange change = services_.schema_registry->begin_change();
  KALAM_ASSIGN_OR_RETURN(already, exists(change.current()));
  if (already) return ExecutionResult(SuccessResult{"View '" + qualified + "' already exists", 0});
  def.table_id = change.allocate_table_id();
  std::string details = JsonObjectBuilder().add("view_id", static_cast<int64_t>(def.table_id)).build();
  change.put_table(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "CREATE_VIEW", "view:" + qualified, std::move(details));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE VIEW"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"View '" + qualified + "' created", 1});
}

}  // namespace kalam
