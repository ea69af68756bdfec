// DROP TABLE: the definition goes at once (the name is reusable immediately) and range
// deletes of the table's rows and index entries are written in the same atomic batch;
// RocksDB reclaims the space in the background. Table ids are never reused.
#include "sql/executor/handlers/table/drop_table_handler.h"

#include "catalog/table_schema.h"
#include "jobs/cold_storage_jobs.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/context/table_access.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "table_store/table_store.h"

namespace kalam {

Status DropTableHandler::check_authorization(const ExecutionContext& ctx, const DropTableStmt& stmt) const {
  auto namespace_id = resolve_table_namespace(stmt.table, ctx);
  if (!namespace_id.is_ok()) return Status::ok();        // reported by execute
  auto catalog = services_.schema_registry->snapshot();  // keeps `table` alive
  const TableDef* table = catalog->find_table(*namespace_id, stmt.table.table_name);
  if (table == nullptr) return Status::ok();
  // IF EXISTS on a table the caller cannot even read answers like a missing table.
  if (stmt.if_exists && table->schema && !ctx.is_admin() && !may_read_table(*table->schema, ctx.role)) {
    return Status::ok();
  }
  return check_may_change_table(ctx, *table, "DROP TABLE");
}

Result<ExecutionResult> DropTableHandler::execute(ExecutionContext& ctx, const DropTableStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.table, ctx));
  CatalogChange change = services_.schema_registry->begin_change();
  const TableDef* table = change.current().find_table(namespace_id, stmt.table.table_name);
  std::string qualified = namespace_id + "." + stmt.table.table_name;
  bool hidden =
      table != nullptr && table->schema && !ctx.is_admin() && !may_read_table(*table->schema, ctx.role);
  if (table == nullptr || hidden) {
    if (stmt.if_exists) return ExecutionResult(SuccessResult{"Table '" + qualified + "' does not exist", 0});
    return table_not_found(namespace_id, stmt.table.table_name);
  }
  if (table->is_view()) return view_is_not_a_table(*table, "DROP TABLE");
  if (stmt.kind_keyword && *stmt.kind_keyword != table->table_type) {
    return Status(ErrorCode::kInvalidArgument,
                  "'" + qualified + "' is a " + table->table_type + " table, not " + *stmt.kind_keyword)
        .with_detail("argument", std::string("type"));
  }
  uint64_t table_id = table->table_id;
  TableStore::delete_table(change.batch(), table_id);
  change.remove_table(namespace_id, stmt.table.table_name);
  log_ddl_operation(change.batch(), ctx, services_, "DROP_TABLE", "table:" + qualified);
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP TABLE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  if (services_.live != nullptr) services_.live->table_dropped(table_id);  // NOT_FOUND_TABLE to subscribers
  // A commit that read the old catalog may still be writing: remove what it leaves.
  KALAM_RETURN_IF_ERROR(services_.tables->purge_table(table_id));
  // Its cold files go in the background (the name is free already).
  if (services_.cold_jobs != nullptr) {
    auto cleanup = services_.cold_jobs->request_cleanup(table_id, qualified, ctx.user_id);
    if (!cleanup.is_ok()) return std::move(cleanup).status();
  }
  return ExecutionResult(SuccessResult{"Table '" + qualified + "' dropped", 1});
}

}  // namespace kalam
