// SHOW STATS FOR TABLE: table_name, namespace_id, table_type, schema_version,
// hot_rows (live rows held in RocksDB over every scope), cold_rows (live rows whose
// cells are in cold segments), cold_segments and cold_bytes (the table's Parquet files),
// live_queries, last_flush_at (the latest flush of any scope; NULL when never flushed).
#include "sql/executor/handlers/table/show_stats_handler.h"

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "live/live_query_manager.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "table_store/cold_segments.h"
#include "table_store/table_store.h"

namespace kalam {

Status ShowStatsHandler::check_authorization(const ExecutionContext&, const ShowStatsStmt&) const {
  return Status::ok();  // a table the caller may not read is reported as not found
}

Result<ExecutionResult> ShowStatsHandler::execute(ExecutionContext& ctx, const ShowStatsStmt& stmt) {
  auto snapshot = services_.schema_registry->snapshot();
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*snapshot, stmt.table, ctx));
  KALAM_ASSIGN_OR_RETURN(TableStore::RowCounts rows,
                         services_.tables->count_live_rows_by_tier(*table->schema, ctx.timestamp_us));
  KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> segments,
                         services_.tables->cold().segments_of_table(table->schema->table_id));
  KALAM_ASSIGN_OR_RETURN(int64_t last_flush_at,
                         services_.tables->cold().last_flush_at(table->schema->table_id));
  int64_t cold_bytes = 0;
  for (const SegmentInfo& segment : segments) cold_bytes += static_cast<int64_t>(segment.size_bytes);
  RowsResult result;
  result.schema = {{"table_name", DataType::kText, {"nn"}},   {"namespace_id", DataType::kText, {"nn"}},
                   {"table_type", DataType::kText, {"nn"}},   {"schema_version", DataType::kInt, {"nn"}},
                   {"hot_rows", DataType::kBigInt, {"nn"}},   {"cold_rows", DataType::kBigInt, {"nn"}},
                   {"cold_segments", DataType::kInt, {"nn"}}, {"cold_bytes", DataType::kBigInt, {"nn"}},
                   {"live_queries", DataType::kInt, {"nn"}},  {"last_flush_at", DataType::kTimestamp, {}}};
  result.rows.push_back(
      {Value(table->table_name), Value(table->namespace_id), Value(table->table_type),
       Value(static_cast<int64_t>(table->schema->schema_version())), Value(static_cast<int64_t>(rows.hot)),
       Value(static_cast<int64_t>(rows.cold)), Value(static_cast<int64_t>(segments.size())),
       Value(cold_bytes),
       Value(static_cast<int64_t>(services_.live ? services_.live->count_for_table(table->table_id) : 0)),
       last_flush_at == 0 ? Value() : Value(last_flush_at)});
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
