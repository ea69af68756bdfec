// DROP INDEX: the definition and a range delete of the entries go in one atomic change;
// entries a commit still in flight writes afterwards are purged once it has finished.
// The implicit index of a UNIQUE column cannot be dropped on its own.
#include "sql/executor/handlers/index/drop_index_handler.h"

#include <algorithm>

#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/table_access.h"
#include "sql/executor/handlers/index/index_rules.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "sql/executor/helpers/index_builds.h"
#include "table_store/table_store.h"

namespace kalam {

Status DropIndexHandler::check_authorization(const ExecutionContext& ctx, const DropIndexStmt& stmt) const {
  auto namespace_id = resolve_index_namespace(stmt.namespace_id, stmt.index_name, ctx);
  if (!namespace_id.is_ok()) return Status::ok();
  auto catalog = services_.schema_registry->snapshot();  // keeps `table` alive
  const TableDef* table = catalog->find_table_of_index(*namespace_id, stmt.index_name);
  if (table == nullptr) return Status::ok();
  if (table->schema && !ctx.is_admin() && !may_read_table(*table->schema, ctx.role)) {
    return Status::ok();  // answers like a missing index (execute), never naming the table
  }
  return check_may_change_table(ctx, *table, "DROP INDEX");
}

Result<ExecutionResult> DropIndexHandler::execute(ExecutionContext& ctx, const DropIndexStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id,
                         resolve_index_namespace(stmt.namespace_id, stmt.index_name, ctx));
  std::string qualified = namespace_id + "." + stmt.index_name;
  CatalogChange change = services_.schema_registry->begin_change();
  const TableDef* table = change.current().find_table_of_index(namespace_id, stmt.index_name);
  bool hidden =
      table != nullptr && table->schema && !ctx.is_admin() && !may_read_table(*table->schema, ctx.role);
  if (table == nullptr || !table->schema || hidden) {
    if (stmt.if_exists) return ExecutionResult(SuccessResult{"Index '" + qualified + "' does not exist", 0});
    return index_not_found(namespace_id, stmt.index_name);
  }
  TableSchema schema = *table->schema;
  const IndexDef* index = schema.find_index(stmt.index_name);
  if (index->implicit) {
    const ColumnDef* column = schema.find_column_by_id(index->column_ids.front());
    return invalid_table_argument("index '" + qualified + "' enforces UNIQUE column '" +
                                      (column == nullptr ? std::string("?") : column->name) +
                                      "'; it goes when the column is dropped",
                                  "index");
  }
  uint32_t index_id = index->index_id;
  // A REINDEX copy being built goes with it.
  std::vector<uint32_t> removed;
  std::erase_if(schema.indexes, [&](const IndexDef& candidate) {
    bool gone = candidate.index_id == index_id || candidate.replaces_index_id == index_id;
    if (gone) removed.push_back(candidate.index_id);
    return gone;
  });
  schema.index_epoch++;
  uint64_t table_id = schema.table_id;
  for (uint32_t id : removed) TableStore::delete_index(change.batch(), table_id, id);
  std::string table_name = schema.qualified_name();
  put_table_schema(change, *table, std::move(schema), ctx.timestamp_us);
  log_ddl_operation(change.batch(), ctx, services_, "DROP_INDEX", "index:" + qualified,
                    JsonObjectBuilder().add("table", table_name).build());
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP INDEX"));
  KALAM_RETURN_IF_ERROR(change.commit());
  for (uint32_t id : removed) KALAM_RETURN_IF_ERROR(services_.tables->purge_index(table_id, id));
  return ExecutionResult(SuccessResult{"Index '" + qualified + "' dropped", 1});
}

}  // namespace kalam
