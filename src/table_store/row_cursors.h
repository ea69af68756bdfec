// The cursors behind TableStore::open_cursor (internal to the table store): primary-key,
// secondary-index and `_seq` ranges, each merging the write set's pending entries with a
// RocksDB iterator at the view's snapshot.
#pragma once

#include <atomic>
#include <memory>

#include "table_store/cold_segments.h"
#include "table_store/table_store.h"

namespace kalam {

// `entries_read` receives the cursor's entries_read() when it is destroyed; cold rows
// are read through `cold`.
Result<std::unique_ptr<RowCursor>> open_row_cursor(const StorageEngine& storage, const ReadView& view,
                                                   const ScopeRef& table, const ScanSpec& spec,
                                                   std::atomic<uint64_t>* entries_read,
                                                   const ColdSegments* cold);

// Decodes a stored row value: every cell, or only `columns` (sorted ids).
Status decode_stored_row(std::string_view value, const std::vector<uint32_t>* columns, StoredRow* out);

// A copy of `row` with only the cells in `columns` (nullptr = all).
void project_row(const StoredRow& row, const std::vector<uint32_t>* columns, StoredRow* out);

}  // namespace kalam
