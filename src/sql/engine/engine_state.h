// The SQL engine's state, in two objects with two lifetimes: EngineConnection (one per
// thread: the SQLite connection, the virtual tables declared in it, the statement cache)
// and StatementState (one per running statement: its context, the tables it resolved,
// its reads and writes, RETURNING and upsert bookkeeping). A TransactionState lives as
// long as a request's BEGIN … COMMIT. Only the engine's .cpp files include this header.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/services.h"
#include "sql/engine/dml_clauses.h"
#include "sql/engine/sqlite_value.h"
#include "table_store/table_store.h"

namespace kalam {

struct PendingAudit {
  std::string action;
  std::string target;
  uint64_t rows_affected = 0;
};

// An explicit transaction (BEGIN … COMMIT within one request): its writes (read by its
// statements, checked for conflicts and applied at COMMIT) and the audit rows to add.
struct TransactionState {
  WriteSet writes;
  std::vector<PendingAudit> audits;
};

// INSERT … ON CONFLICT … DO UPDATE: the engine runs the INSERT of each proposed row as
// a probe. A row that conflicts on the target is not written: the probe records the
// existing row's key and the proposed ("excluded") row, and the engine then updates
// the existing row.
enum class ConflictTarget : uint8_t { kAny, kPrimaryKey, kUniqueIndex };
struct UpsertProbe {
  bool active = false;
  ConflictTarget target = ConflictTarget::kAny;
  uint32_t unique_index_id = 0;  // kUniqueIndex
  std::optional<std::string> conflict_key;
  int64_t conflict_seq = 0;  // the _seq of the existing row as read
  StoredRow excluded;
};

struct DmlCounts {
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t deleted = 0;
};

// A row a DML statement wrote, for RETURNING: its values and the write that produced it
// (whose final _seq the commit assigns).
struct ReturnedRow {
  std::string key;
  StoredRow row;
  size_t write_index = 0;
};

struct StatementState {
  ExecutionContext* ctx = nullptr;
  ExecutorServices* services = nullptr;
  TableStore* store = nullptr;
  Status failure;  // explains an SQLite error raised by a callback
  std::map<std::string, std::shared_ptr<const TableSchema>> tables;  // "ns.table" → schema
  std::map<std::string, std::string> aliases;  // unqualified name used by this statement → "ns.table"
  std::set<std::string> views;                 // "ns.view" of every view the statement reads
  bool view_query = false;                     // CREATE VIEW checking its query (no temp aliases)
  TransactionState* tx = nullptr;              // the request's open transaction, if any
  WriteSet* writes = nullptr;                  // the transaction's, or the statement's own
  size_t writes_at_start = 0;                  // writes->write_count() when the statement began
  size_t returned_bytes = 0;                   // estimated heap of `returned` (RETURNING rows)
  ReadView view;                               // the statement's snapshot (taken at the first read)
  bool allow_writes = false;                   // INSERT/UPDATE/DELETE statements only

  // rowid ↔ row key, stable per statement (SQLite de-duplicates OR branches and IN
  // look-ups by rowid; UPDATE/DELETE name rows by it).
  std::vector<std::string> rowid_keys;
  std::vector<int64_t> rowid_seqs;  // the _seq the reader saw (conflict base)
  std::unordered_map<std::string, int64_t> rowid_of;

  DmlCounts counts;
  std::string written_table;     // "ns.table" of the statement's writes (for the audit row)
  std::string statement_action;  // "INSERT", "UPDATE" or "DELETE" (the audit row's action)
  ParamPlacements param_placements;
  UpsertProbe upsert;
  // While an upsert's UPDATE runs: the one row key it may change (whatever its text says).
  std::optional<std::string> upsert_update_key;
  // RETURNING: the rows the statement wrote (new values; the old ones for DELETE),
  // collected while `collect_returned`; served as the only rows of table
  // `returning_table_id` while `serve_returned`.
  bool collect_returned = false;
  bool serve_returned = false;
  uint64_t returning_table_id = 0;
  std::vector<ReturnedRow> returned;
  // Whole-scope scans of this statement, per scope prefix. A small scope scanned a
  // second time (a correlated subquery runs one scan per outer row) is read into memory
  // once and served from there until the statement writes to the table.
  struct ScopeScans {
    size_t scans = 0;
    size_t last_count = SIZE_MAX;  // rows the last streamed scan returned
    std::shared_ptr<const std::vector<std::pair<std::string, StoredRow>>> rows;  // every row, tombstones too
    // Hash look-ups over `rows` by column position: equality key → row positions.
    std::unordered_map<int, std::unordered_multimap<std::string, size_t>> equality_indexes;
  };
  std::unordered_map<std::string, ScopeScans> scope_scans;

  // INSERT with a column list: the columns given (others receive their DEFAULT).
  // nullopt: every column is given (INSERT … VALUES without a list).
  std::optional<std::vector<std::string>> insert_columns;

  // The statement-stable rowid of `key` (registered with the _seq the reader saw).
  int64_t rowid_for(const std::string& key, int64_t seq) {
    auto [it, inserted] = rowid_of.try_emplace(key, static_cast<int64_t>(rowid_keys.size()));
    if (inserted) {
      rowid_keys.push_back(key);
      rowid_seqs.push_back(seq);
    }
    return it->second;
  }

  // The statement's read view (its snapshot is taken now if it has none yet).
  const ReadView& read_view() {
    if (!view.snapshot) store->pin(view);
    return view;
  }
};

struct EngineConnection {
  EngineConnection() = default;
  EngineConnection(const EngineConnection&) = delete;
  EngineConnection& operator=(const EngineConnection&) = delete;
  ~EngineConnection();  // finalizes the cached statements and closes the connection

  sqlite3* db = nullptr;
  const void* catalog_owner = nullptr;  // services the declared tables belong to
  // "ns.table" → (table id, schema version, index epoch) of the declared virtual table.
  std::map<std::string, std::tuple<uint64_t, int32_t, uint64_t>> declared;
  // Unqualified names: temp.<name> virtual tables bound to a "ns.table" of the
  // statement's default namespace: name → (qualified name, table id, schema version,
  // index epoch).
  std::map<std::string, std::tuple<std::string, uint64_t, int32_t, uint64_t>> temp_declared;
  // Views: temp."ns.view" SQLite views (view id, the CREATE TEMP VIEW text that declared
  // it, with the names of its query resolved), and the catalog version they were
  // last checked against (a view dropped since must not shadow a new table).
  struct DeclaredView {
    uint64_t view_id = 0;
    std::string create_sql;
  };
  std::map<std::string, DeclaredView> temp_views;
  uint64_t views_catalog_version = 0;
  // Prepared statements keyed by their text and the decisions of the authorizer (SQLite
  // re-prepares them by itself when a virtual table they use is re-declared). Bounded.
  std::map<std::string, sqlite3_stmt*> statement_cache;
  // Live-row counts of scopes seen by this thread's earlier full scans: planning
  // estimates that do not read the table.
  std::unordered_map<std::string, size_t> row_estimates;
  bool internal_ddl = false;            // declaring/dropping virtual tables: the authorizer allows it
  StatementState* statement = nullptr;  // the running statement, if any
};

// This thread's connection state (its SQLite connection is opened lazily).
EngineConnection& engine_connection();

// RESOURCE_LIMIT_EXCEEDED for the `[execution]` limit `key` (e.g. "max_value_bytes").
Status resource_limit_error(std::string message, std::string_view key, int64_t max);

// The statement's writes against `[execution] max_rows_per_statement` and
// `max_statement_memory_bytes` (checked before each row it writes).
Status check_write_limits(const StatementState& statement);

// The running statement of this thread. REQUIRES: a statement is running (callbacks of
// SQLite only run inside one).
inline StatementState& current_statement() { return *engine_connection().statement; }

// Registers the `kalam_table` module on `db`.
int register_table_module(sqlite3* db);

}  // namespace kalam
