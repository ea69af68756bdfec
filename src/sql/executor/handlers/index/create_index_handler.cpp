// CREATE [UNIQUE] INDEX: the index is published as `building` with its audit row (every
// commit from then on maintains it), filled from the rows already stored in bounded
// batches (writers wait for one batch at most), then marked ready for queries. A
// UNIQUE index over duplicate values fails and is dropped again.
#include "sql/executor/handlers/index/create_index_handler.h"

#include <algorithm>

#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/executor/handlers/index/index_rules.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "sql/executor/helpers/index_builds.h"

namespace kalam {

Status CreateIndexHandler::check_authorization(const ExecutionContext& ctx,
                                               const CreateIndexStmt& stmt) const {
  return check_may_change_table(ctx, *services_.schema_registry, stmt.table, "CREATE INDEX");
}

Result<ExecutionResult> CreateIndexHandler::execute(ExecutionContext& ctx, const CreateIndexStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.table, ctx));
  if (!stmt.index_namespace.empty() && stmt.index_namespace != namespace_id) {
    return invalid_table_argument("an index lives in its table's namespace ('" + namespace_id +
                                      "'), not in '" + stmt.index_namespace + "'",
                                  "index");
  }
  KALAM_RETURN_IF_ERROR(check_not_sqlite_name(stmt.index_name, "index"));
  std::string qualified = namespace_id + "." + stmt.index_name;
  CatalogChange change = services_.schema_registry->begin_change();
  const TableDef* table = change.current().find_table(namespace_id, stmt.table.table_name);
  if (table != nullptr && table->is_view()) return view_is_not_a_table(*table, "CREATE INDEX");
  if (table == nullptr || !table->schema) return table_not_found(namespace_id, stmt.table.table_name);
  if (relation_name_taken(change.current(), namespace_id, stmt.index_name)) {
    if (stmt.if_not_exists &&
        change.current().find_table_of_index(namespace_id, stmt.index_name) != nullptr) {
      return ExecutionResult(SuccessResult{"Index '" + qualified + "' already exists", 0});
    }
    return Status(ErrorCode::kAlreadyExists, "a table or index named '" + qualified + "' already exists")
        .with_detail("object_type", std::string("index"))
        .with_detail("name", qualified);
  }
  TableSchema schema = *table->schema;
  IndexDef index;
  for (const std::string& name : stmt.columns) {
    const ColumnDef* column = schema.find_column(name);
    if (column == nullptr) {
      return invalid_table_argument("table " + schema.qualified_name() + " has no column '" + name + "'",
                                    "column");
    }
    if (std::find(index.column_ids.begin(), index.column_ids.end(), column->column_id) !=
        index.column_ids.end()) {
      return invalid_table_argument("column '" + name + "' is listed twice", "column");
    }
    index.column_ids.push_back(column->column_id);
  }
  index.descending = stmt.descending;
  index.index_id = schema.next_index_id++;
  index.name = stmt.index_name;
  index.unique = stmt.unique;
  index.state = IndexState::kBuilding;
  index.created_by = ctx.user_id;
  index.created_at_us = ctx.timestamp_us;
  uint32_t index_id = index.index_id;
  std::string columns_sql = index_columns_sql(schema, index);
  schema.indexes.push_back(std::move(index));
  schema.index_epoch++;
  uint64_t table_id = schema.table_id;
  put_table_schema(change, *table, std::move(schema), ctx.timestamp_us);
  log_ddl_operation(change.batch(), ctx, services_, "CREATE_INDEX", "index:" + qualified,
                    JsonObjectBuilder()
                        .add("table", namespace_id + "." + stmt.table.table_name)
                        .add("columns", columns_sql)
                        .add("unique", stmt.unique)
                        .build());
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE INDEX"));
  KALAM_RETURN_IF_ERROR(change.commit());
  KALAM_RETURN_IF_ERROR(complete_index_builds(services_, ctx, table_id, {index_id}, "CREATE INDEX"));
  return ExecutionResult(SuccessResult{"Index '" + qualified + "' created", 1});
}

}  // namespace kalam
