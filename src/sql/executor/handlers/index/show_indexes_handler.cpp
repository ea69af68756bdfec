// SHOW INDEXES [ON [ns.]t]: rows of system.indexes, for one table or every table the
// caller may read.
#include "sql/executor/handlers/index/show_indexes_handler.h"

#include "sql/engine/system_tables.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {

Status ShowIndexesHandler::check_authorization(const ExecutionContext&, const ShowIndexesStmt&) const {
  return Status::ok();  // every role; tables the caller may not read are left out (or not found)
}

Result<ExecutionResult> ShowIndexesHandler::execute(ExecutionContext& ctx, const ShowIndexesStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, read_system_table("indexes", ctx, services_));
  if (!stmt.table) return ExecutionResult(std::move(rows));
  auto catalog = services_.schema_registry->snapshot();  // keeps `table` alive
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*catalog, *stmt.table, ctx));
  RowsResult filtered;
  filtered.schema = rows.schema;
  for (ResultRow& row : rows.rows) {
    if (std::get<std::string>(row[0]) == table->namespace_id &&
        std::get<std::string>(row[1]) == table->table_name) {
      filtered.rows.push_back(std::move(row));
    }
  }
  return ExecutionResult(std::move(filtered));
}

}  // namespace kalam
