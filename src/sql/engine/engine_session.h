// The per-thread state of the SQL engine: the SQLite connection, the virtual tables
// declared in it, and the running statement's context and pending writes. Only the
// engine's .cpp files include this header.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "live/live_query_manager.h"
#include "sql/engine/dml_clauses.h"
#include "sql/executor/models/execution_context.h"
#include "sql/executor/services.h"
#include "storage/row_codec.h"

namespace kalam {

// Writes of the running statement to the `rows` family, applied atomically at its end.
struct PendingWrites {
  std::map<std::string, std::optional<std::string>> rows;  // key → value (nullopt = delete)

  // nullopt: not written by this statement; else the value (or a delete).
  const std::optional<std::string>* find(const std::string& key) const {
    auto it = rows.find(key);
    return it == rows.end() ? nullptr : &it->second;
  }
};

// A UNIQUE value a statement wrote: re-checked against committed rows at commit, under
// the commit lock, so concurrent writers cannot both take it.
struct UniqueClaim {
  std::shared_ptr<const TableSchema> schema;
  std::string prefix;  // the scope
  std::string key;     // the row that holds the value
  uint32_t column_id = 0;
  std::string value_key;  // equality key of the value (see stored_key in table_vtab.cpp)
  std::string value_text;
};

struct PendingAudit {
  std::string action;
  std::string target;
  uint64_t rows_affected = 0;
};

// An explicit transaction (BEGIN … COMMIT within one request): the writes of its
// completed statements, the stored _seq each written key had when the transaction
// first wrote it (0 = absent) for write-write conflict detection, and the audit rows
// and change events to emit at COMMIT.
struct TransactionState {
  PendingWrites writes;
  std::map<std::string, int64_t> base_seq;
  std::vector<PendingAudit> audits;
  std::vector<RowChange> changes;
  std::vector<UniqueClaim> unique_claims;
};

// One table scope's rows as read once per statement: every row that has not
// expired (tombstones included), in key order, with per-column equality indexes
// built on demand. Any write to the scope drops it.
// A scan decodes only the cells its statement uses (`colUsed`): `decoded` lists them.
struct ScanRow {
  std::string key;
  StoredRow row;  // the header, and the cells of ScanSnapshot::decoded (all when all_decoded)
};
struct ScanSnapshot {
  std::vector<ScanRow> rows;
  size_t live_rows = 0;
  bool all_decoded = true;
  std::vector<uint32_t> decoded;  // sorted column ids decoded when !all_decoded
  bool descending = false;        // rows are in descending key order (a reverse range read)
  bool has(uint32_t column_id) const {
    return all_decoded || std::binary_search(decoded.begin(), decoded.end(), column_id);
  }
  std::unordered_map<int, std::unordered_multimap<std::string, size_t>> indexes;  // column → value key → row
};

// INSERT … ON CONFLICT … DO UPDATE: the engine runs the INSERT of each proposed row as
// a probe. A row that conflicts on the target is not written: the probe records the
// existing row's key and the proposed ("excluded") row, and the engine then updates
// the existing row.
enum class ConflictTarget : uint8_t { kAny, kPrimaryKey, kUniqueColumn };
struct UpsertProbe {
  bool active = false;
  ConflictTarget target = ConflictTarget::kAny;
  uint32_t unique_column_id = 0;  // kUniqueColumn
  std::optional<std::string> conflict_key;
  int64_t conflict_seq = 0;  // the _seq of the existing row as read
  StoredRow excluded;
};

struct DmlCounts {
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t deleted = 0;
};

struct EngineSession {
  sqlite3* db = nullptr;
  const void* catalog_owner = nullptr;  // services the declared tables belong to
  // "ns.table" → (table id, schema version) of the declared virtual table.
  std::map<std::string, std::pair<uint64_t, int32_t>> declared;
  // Unqualified names: temp.<name> virtual tables bound to a "ns.table" of the
  // statement's default namespace: name → (qualified name, table id, schema version).
  std::map<std::string, std::tuple<std::string, uint64_t, int32_t>> temp_declared;

  // Prepared statements keyed by their resolved SQL text (SQLite re-prepares them by
  // itself when a virtual table they use is re-declared after DDL). Bounded.
  std::map<std::string, sqlite3_stmt*> statement_cache;

  // Set for the duration of one statement:
  ExecutionContext* ctx = nullptr;
  ExecutorServices* services = nullptr;
  Status failure;  // explains an SQLite error raised by a callback
  std::map<std::string, std::shared_ptr<const TableSchema>> tables;  // "ns.table" → schema
  std::map<std::string, std::string> aliases;  // unqualified name used by this statement → "ns.table"
  PendingWrites pending;                       // this statement's writes
  TransactionState* tx = nullptr;              // the request's open transaction, if any
  std::vector<RowChange> changes;              // this statement's change events
  std::vector<UniqueClaim> unique_claims;      // UNIQUE values this statement wrote
  std::map<std::string, std::shared_ptr<ScanSnapshot>> scan_cache;  // scope prefix → rows
  // The stored _seq (0 = absent) of each key this statement writes, read when it was
  // first written: the commit fails if another commit changed the key meanwhile.
  std::map<std::string, int64_t> base_seq;
  // Live-row counts of scopes seen by this thread's earlier statements: planning
  // estimates that do not read the table (kept across statements).
  std::unordered_map<std::string, size_t> row_estimates;
  std::vector<std::string> rowid_keys;                // rowid → row key, for UPDATE/DELETE
  std::vector<int64_t> rowid_seqs;                    // rowid → the _seq the scan saw (conflict base)
  std::unordered_map<std::string, int64_t> rowid_of;  // row key → its rowid (stable per statement)
  DmlCounts counts;
  std::string written_table;         // "ns.table" of the statement's writes (for the audit row)
  std::string statement_action;      // "INSERT", "UPDATE" or "DELETE" (the audit row's action)
  ParamPlacements param_placements;  // which $n the statement stores directly in which column
  UpsertProbe upsert;
  // While an upsert's UPDATE runs: the one row key it may change (whatever its text says).
  std::optional<std::string> upsert_update_key;
  // RETURNING: the rows the statement wrote (new values; the old ones for DELETE),
  // collected while `collect_returned`; served as the only rows of table
  // `returning_table_id` while `serve_returned`.
  bool collect_returned = false;
  bool serve_returned = false;
  uint64_t returning_table_id = 0;
  std::vector<ScanRow> returned;
  bool internal_ddl = false;  // declaring/dropping virtual tables: the authorizer allows it
  bool allow_writes = false;  // INSERT/UPDATE/DELETE statements only
  // INSERT with a column list: the columns given (others receive their DEFAULT).
  // nullopt: every column is given (INSERT … VALUES without a list).
  std::optional<std::vector<std::string>> insert_columns;

  void begin_statement(ExecutionContext& context, ExecutorServices& services_in) {
    clear_statement_state();
    ctx = &context;
    services = &services_in;
    tx = context.transaction.get();
  }
  void end_statement() { clear_statement_state(); }

  // The statement-stable rowid of `key` (registered with the _seq the reader saw).
  int64_t rowid_for(const std::string& key, int64_t seq) {
    auto [it, inserted] = rowid_of.try_emplace(key, static_cast<int64_t>(rowid_keys.size()));
    if (inserted) {
      rowid_keys.push_back(key);
      rowid_seqs.push_back(seq);
    }
    return it->second;
  }

 private:
  // Everything that lives for one statement only.
  void clear_statement_state() {
    ctx = nullptr;
    services = nullptr;
    tx = nullptr;
    changes.clear();
    unique_claims.clear();
    failure = Status::ok();
    tables.clear();
    aliases.clear();
    pending.rows.clear();
    scan_cache.clear();
    base_seq.clear();
    rowid_keys.clear();
    rowid_seqs.clear();
    rowid_of.clear();
    counts = DmlCounts{};
    written_table.clear();
    statement_action.clear();
    param_placements = ParamPlacements{};
    upsert = UpsertProbe{};
    upsert_update_key.reset();
    collect_returned = false;
    serve_returned = false;
    returning_table_id = 0;
    returned.clear();
    insert_columns.reset();
  }
};

// This thread's session (its connection is opened lazily by the query engine).
EngineSession& engine_session();

// Sets an SQLite function or column result from a Value (bool → 0/1).
void sqlite_result_value(sqlite3_context* context, const Value& value);

// REQUIRES: the row commit lock. PRIMARY_KEY_VIOLATION when a committed live row other
// than the claimant holds a claimed UNIQUE value (a concurrent writer got there first).
// Rows the committing statement/transaction itself writes (`written`) are skipped.
Status verify_unique_claims(ExecutorServices& services, const std::vector<UniqueClaim>& claims,
                            const PendingWrites& written, int64_t now_us);

// The value of `column` in a row written under any schema version of `schema`.
Value row_column_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column);

// Registers the `kalam_table` module on `db`.
int register_table_module(sqlite3* db);

// The row-key prefix of one table scope: [table_id][scope] (scope = user id for
// USER/STREAM tables, empty for SHARED tables).
std::string row_scope_prefix(uint64_t table_id, std::string_view scope);

}  // namespace kalam
