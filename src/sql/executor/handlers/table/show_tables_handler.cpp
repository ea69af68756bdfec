// SHOW TABLES: namespace_id, table_name, table_type, storage_id, schema_version,
// created_at of the tables the caller may read.
#include "sql/executor/handlers/table/show_tables_handler.h"

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "sql/context/table_access.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"

namespace kalam {

Status ShowTablesHandler::check_authorization(const ExecutionContext&, const ShowTablesStmt&) const {
  return Status::ok();  // rows are filtered by what the caller may read
}

Result<ExecutionResult> ShowTablesHandler::execute(ExecutionContext& ctx, const ShowTablesStmt& stmt) {
  auto snapshot = services_.schema_registry->snapshot();
  if (!stmt.namespace_id.empty() && snapshot->find_namespace(stmt.namespace_id) == nullptr) {
    return namespace_not_found(stmt.namespace_id);
  }
  RowsResult result;
  result.schema = {{"namespace_id", DataType::kText, {"nn"}}, {"table_name", DataType::kText, {"nn"}},
                   {"table_type", DataType::kText, {"nn"}},   {"storage_id", DataType::kText, {}},
                   {"schema_version", DataType::kInt, {}},    {"created_at", DataType::kTimestamp, {"nn"}}};
  for (const TableDef* table : snapshot->tables()) {
    if (!stmt.namespace_id.empty() && table->namespace_id != stmt.namespace_id) continue;
    if (table->is_view()) {  // listed to every caller; reading it checks each table it reads
      result.rows.push_back({Value(table->namespace_id), Value(table->table_name), Value(table->table_type),
                             Value(), Value(), Value(table->created_at_us)});
      continue;
    }
    if (!table->schema || !may_read_table(*table->schema, ctx.role)) continue;
    result.rows.push_back({Value(table->namespace_id), Value(table->table_name), Value(table->table_type),
                           Value(table->storage_id),
                           Value(static_cast<int64_t>(table->schema->schema_version())),
                           Value(table->created_at_us)});
  }
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
