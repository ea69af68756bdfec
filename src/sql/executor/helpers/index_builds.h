// Completing index builds: the DDL that creates an index on a table that may hold rows
// (CREATE INDEX, ALTER TABLE … ADD COLUMN … UNIQUE, REINDEX) publishes it as `building`
// (every commit from then on maintains it), then fills it here and marks it ready.
#pragma once

#include <cstdint>
#include <vector>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/services.h"

namespace kalam {

// Rows per atomic batch of an index build: writers of those rows wait for one batch.
inline constexpr size_t kIndexBuildBatchRows = 1000;

// Waits for the commits that began before the indexes were published, fills each index
// from the table's rows, then marks it ready (one catalog change). When a build fails
// (a UNIQUE index over duplicate values, the deadline, a storage error), the failed
// index and those built before it are dropped again and the error returned (a timeout
// names `statement`). An index dropped while it was built (or its table or column)
// has its entries purged again and answers NOT_FOUND_INDEX.
Status complete_index_builds(ExecutorServices& services, const ExecutionContext& ctx, uint64_t table_id,
                             const std::vector<uint32_t>& index_ids, std::string_view statement);

// Puts `schema` as the new definition of `table` into `change`.
void put_table_schema(CatalogChange& change, const TableDef& table, TableSchema schema, int64_t now_us);

}  // namespace kalam
