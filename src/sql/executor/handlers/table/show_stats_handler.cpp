// SHOW STATS FOR TABLE: table_name, namespace_id, table_type, schema_version,
// hot_rows (live rows in RocksDB over every scope), cold_rows, cold_segments,
// cold_bytes, live_queries, last_flush_at.
#include "sql/executor/handlers/table/show_stats_handler.h"

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "table_store/table_store.h"

namespace kalam {

Status ShowStatsHandler::check_authorization(const ExecutionContext&, const ShowStatsStmt&) const {
  return Status::ok();  // a table the caller may not read is reported as not found
}

Result<ExecutionResult> ShowStatsHandler::execute(ExecutionContext& ctx, const ShowStatsStmt& stmt) {
  auto snapshot = services_.schema_registry->snapshot();
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*snapshot, stmt.table, ctx));
  KALAM_ASSIGN_OR_RETURN(uint64_t live_rows,
                         services_.tables->count_live_rows(*table->schema, ctx.timestamp_us));
  int64_t hot_rows = static_cast<int64_t>(live_rows);
  RowsResult result;
  result.schema = {{"table_name", DataType::kText, {"nn"}},   {"namespace_id", DataType::kText, {"nn"}},
                   {"table_type", DataType::kText, {"nn"}},   {"schema_version", DataType::kInt, {"nn"}},
                   {"hot_rows", DataType::kBigInt, {"nn"}},   {"cold_rows", DataType::kBigInt, {"nn"}},
                   {"cold_segments", DataType::kInt, {"nn"}}, {"cold_bytes", DataType::kBigInt, {"nn"}},
                   {"live_queries", DataType::kInt, {"nn"}},  {"last_flush_at", DataType::kTimestamp, {}}};
  result.rows.push_back({Value(table->table_name), Value(table->namespace_id), Value(table->table_type),
                         Value(static_cast<int64_t>(table->schema->schema_version())), Value(hot_rows),
                         Value(int64_t{0}), Value(int64_t{0}), Value(int64_t{0}), Value(int64_t{0}),
                         Value()});
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
