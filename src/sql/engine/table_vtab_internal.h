// Shared by the two halves of the `kalam_table` module (table_vtab.cpp: reads,
// table_writes.cpp: writes). Engine-internal.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/engine/engine_state.h"

namespace kalam {

struct TableVtab {
  sqlite3_vtab base{};
  std::string qualified_name;
};

// The schema the running statement resolved for the virtual table (nullptr when the
// statement did not name it: a quoted "ns.table" written by the client).
std::shared_ptr<const TableSchema> schema_of(const TableVtab* vtab);

// Reports `status` as the reason of an SQLite error raised by a callback.
int fail(sqlite3_vtab* vtab, Status status, int code = SQLITE_ERROR);

// STREAM tables are outside transactions: their rows are events, not state. Checked
// where a table is actually read or written, so a column or alias that merely shares
// a STREAM table's name does not count.
Status check_stream_outside_transaction(const TableSchema& schema);

// The scope of `schema` the running statement reads and writes.
ScopeRef table_ref(const StatementState& statement, std::shared_ptr<const TableSchema> schema);

// xUpdate (INSERT, UPDATE, DELETE through the virtual table).
int table_update(sqlite3_vtab* base, int argc, sqlite3_value** argv, sqlite3_int64* rowid);

}  // namespace kalam
