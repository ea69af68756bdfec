// The `kalam_table` virtual-table module, read side: USER/SHARED/STREAM tables as
// SQLite sees them, scoped to the effective user (USER/STREAM) or global (SHARED), with
// the hidden `_seq`/`_deleted` columns. Rows stream from a table-store cursor chosen by
// the plan (table_plan.h); nothing is read ahead of what SQLite pulls. Writes are in
// table_writes.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/string_util.h"
#include "sql/engine/engine_state.h"
#include "sql/engine/table_plan.h"
#include "sql/engine/table_vtab_internal.h"
#include "sql/engine/time_values.h"

namespace kalam {

void sqlite_result_value(sqlite3_context* context, const Value& value) {
  if (is_null(value)) {
    sqlite3_result_null(context);
  } else if (const auto* boolean = std::get_if<bool>(&value)) {
    sqlite3_result_int64(context, *boolean ? 1 : 0);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    sqlite3_result_int64(context, *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    // SQLite turns a NaN double into NULL; the text 'NaN' keeps it (api.md: "NaN"), is
    // equal to itself and sorts after every number, as PostgreSQL orders NaN.
    if (std::isnan(*real)) {
      sqlite3_result_text(context, "NaN", 3, SQLITE_STATIC);
    } else {
      sqlite3_result_double(context, *real);
    }
  } else {
    const auto& text = std::get<std::string>(value);
    sqlite3_result_text64(context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
}

std::shared_ptr<const TableSchema> schema_of(const TableVtab* vtab) {
  StatementState* statement = engine_connection().statement;
  if (statement == nullptr) return nullptr;
  auto it = statement->tables.find(vtab->qualified_name);
  return it == statement->tables.end() ? nullptr : it->second;
}

int fail(sqlite3_vtab* vtab, Status status, int code) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", status.message().c_str());
  if (StatementState* statement = engine_connection().statement) statement->failure = std::move(status);
  return code;
}

Status check_stream_outside_transaction(const TableSchema& schema) {
  if (schema.table_type != TableType::kStream || current_statement().tx == nullptr) return Status::ok();
  return Status(ErrorCode::kInvalidArgument,
                "STREAM table " + schema.qualified_name() + " cannot be used in a transaction")
      .with_detail("argument", std::string("table"));
}

ScopeRef table_ref(const StatementState& statement, std::shared_ptr<const TableSchema> schema) {
  const ExecutionContext& ctx = *statement.ctx;
  return ScopeRef::of(std::move(schema), ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id);
}

namespace {

using HeldRows = std::vector<std::pair<std::string, StoredRow>>;

// A scope of at most this many rows, scanned whole twice by one statement, is read into
// memory once for the rest of the statement.
constexpr size_t kCachedScanRows = kMaxCachedScopeRows;

struct TableCursor {
  sqlite3_vtab_cursor base{};
  std::shared_ptr<const TableSchema> schema;
  // Streaming reads come from `rows`; a single row, RETURNING rows or a cached scope
  // are `held` (a cached scope holds tombstones and expired rows too: `filter_held`).
  std::unique_ptr<RowCursor> rows;
  std::shared_ptr<const HeldRows> held;
  size_t position = 0;
  bool filter_held = false;
  bool include_deleted = false;
  int64_t ttl_seconds = 0;
  int64_t now_us = 0;
  bool positional_rowids = false;  // RETURNING: the rowid is the position (a key may repeat)
  std::vector<uint32_t> wanted;
  // A full scan counts its rows: the planner's estimate of the scope's size.
  std::string scope_prefix;
  bool full_scan = false;
  size_t counted = 0;

  // kScopeEquality: the positions in `held` that matched (in order); else every one.
  std::optional<std::vector<size_t>> selection;

  size_t held_size() const { return held == nullptr ? 0 : selection ? selection->size() : held->size(); }
  const std::pair<std::string, StoredRow>& held_row() const {
    return (*held)[selection ? (*selection)[position] : position];
  }
  bool eof() const { return rows ? !rows->valid() : position >= held_size(); }
  const std::string& key() const { return rows ? rows->key() : held_row().first; }
  const StoredRow& row() const { return rows ? rows->row() : held_row().second; }
  void skip_hidden() {
    while (filter_held && position < held_size()) {
      const StoredRow& row = held_row().second;
      if ((!row.deleted || include_deleted) && !stream_row_expired(ttl_seconds, row, now_us)) break;
      ++position;
    }
  }
  void hold(HeldRows held_rows) { held = std::make_shared<const HeldRows>(std::move(held_rows)); }
  void reset() {
    rows.reset();
    held.reset();
    position = 0;
    filter_held = false;
    positional_rowids = false;
    wanted.clear();
    selection.reset();
    scope_prefix.clear();
    full_scan = false;
    counted = 0;
  }
};

// Every row of the scope (tombstones and expired rows too), all cells, when there are
// at most kCachedScanRows * 4 stored; nullptr otherwise.
Result<std::shared_ptr<const HeldRows>> read_small_scope(TableStore& store, const ReadView& view,
                                                         const ScopeRef& ref) {
  ScanSpec all;
  all.include_deleted = true;
  ReadView including_expired = view;
  including_expired.now_us = 0;  // the cache filters expiry per scan
  KALAM_ASSIGN_OR_RETURN(auto cursor, store.open_cursor(including_expired, ref, all));
  auto rows = std::make_shared<HeldRows>();
  while (cursor->valid()) {
    if (rows->size() >= kCachedScanRows * 4) return std::shared_ptr<const HeldRows>();
    rows->emplace_back(cursor->key(), cursor->row());
    KALAM_RETURN_IF_ERROR(cursor->next());
  }
  return std::shared_ptr<const HeldRows>(std::move(rows));
}

int table_connect(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  if (argc < 3) return SQLITE_ERROR;
  auto vtab = std::make_unique<TableVtab>();
  // temp.<name> aliases name their "ns.table" as the module argument: kalam_table('ns.table').
  vtab->qualified_name = argv[2];
  if (argc >= 4) {
    std::string_view argument(argv[3]);
    if (argument.size() >= 2 && argument.front() == '\'' && argument.back() == '\'') {
      argument = argument.substr(1, argument.size() - 2);
    }
    vtab->qualified_name = std::string(argument);
  }
  auto schema = schema_of(vtab.get());
  if (!schema) {
    *error = sqlite3_mprintf("unknown table %s", argv[2]);
    return SQLITE_ERROR;
  }
  std::string ddl = "CREATE TABLE x(";
  for (const ColumnDef& column : schema->current().columns) {
    ddl += "\"" + column.name + "\" " + std::string(data_type_name(column.type));
    if (is_time_type(column.type)) ddl += std::string(" COLLATE ") + kTimeCollation;
    ddl += ", ";
  }
  ddl += "\"_seq\" BIGINT HIDDEN, \"_deleted\" BOOLEAN HIDDEN)";
  int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  *out = &vtab.release()->base;
  return SQLITE_OK;
}

int table_disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<TableVtab*>(vtab);
  return SQLITE_OK;
}

int table_best_index(sqlite3_vtab* base, sqlite3_index_info* info) {
  auto schema = schema_of(reinterpret_cast<TableVtab*>(base));
  if (!schema) return SQLITE_ERROR;
  // Planning never reads the table: it uses the size this thread last saw (1000 before that).
  EngineConnection& connection = engine_connection();
  StatementState& statement = current_statement();
  ScopeRef ref = table_ref(statement, schema);
  auto estimate = connection.row_estimates.find(ref.scope_prefix);
  double rows = estimate == connection.row_estimates.end() ? 1000.0 : static_cast<double>(estimate->second);
  return plan_table_scan(*schema, rows, info);
}

int table_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new TableCursor())->base;
  return SQLITE_OK;
}

int table_close(sqlite3_vtab_cursor* cursor) {
  delete reinterpret_cast<TableCursor*>(cursor);
  return SQLITE_OK;
}

// The column ids a read statement uses (SQLite's colUsed; bit 63 stands for every
// column from the 64th on); empty when every column is used.
std::vector<uint32_t> used_columns(const TableSchema& schema, uint64_t col_used) {
  std::vector<uint32_t> ids;
  const auto& columns = schema.current().columns;
  for (size_t col = 0; col < columns.size(); ++col) {
    if ((col_used & (uint64_t{1} << std::min<size_t>(col, 63))) != 0) ids.push_back(columns[col].column_id);
  }
  std::sort(ids.begin(), ids.end());
  if (ids.size() == columns.size()) ids.clear();
  return ids;
}

const ColumnDef& seq_column_def() {
  static const ColumnDef def = [] {
    ColumnDef column;
    column.name = "_seq";
    column.type = DataType::kBigInt;
    return column;
  }();
  return def;
}

// A streamed whole-scope scan reached its end: its row count is the planner's estimate
// of the scope's size and decides whether a second scan is served from memory.
void scan_finished(StatementState& statement, const TableCursor& cursor) {
  size_t rows = std::max<size_t>(1, cursor.counted);
  EngineConnection& connection = engine_connection();
  if (connection.row_estimates.size() >= 100000) connection.row_estimates.clear();  // estimates only
  connection.row_estimates[cursor.scope_prefix] = rows;
  auto scans = statement.scope_scans.find(cursor.scope_prefix);
  if (scans != statement.scope_scans.end()) scans->second.last_count = cursor.counted;
}

int table_filter(sqlite3_vtab_cursor* base, int, const char* idx_str, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  cursor->reset();
  StatementState* statement_ptr = engine_connection().statement;
  if (statement_ptr == nullptr) return SQLITE_MISUSE;
  StatementState& statement = *statement_ptr;
  cursor->schema = schema_of(reinterpret_cast<TableVtab*>(base->pVtab));
  if (!cursor->schema) {  // a declared table this statement did not name (a quoted "ns.table")
    const std::string& name = reinterpret_cast<TableVtab*>(base->pVtab)->qualified_name;
    return fail(
        base->pVtab,
        Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name));
  }
  const TableSchema& schema = *cursor->schema;
  if (Status stream = check_stream_outside_transaction(schema); !stream.is_ok()) {
    return fail(base->pVtab, std::move(stream));
  }
  TablePlan plan = decode_table_plan(idx_str).value_or(TablePlan{});
  ScopeRef ref = table_ref(statement, cursor->schema);
  // The cells to decode: the columns the statement uses (every column for DML, whose
  // UPDATE passes whole rows back).
  if (!statement.allow_writes) cursor->wanted = used_columns(schema, plan.col_used);
  const std::vector<uint32_t>* wanted = cursor->wanted.empty() ? nullptr : &cursor->wanted;
  TableStore& store = *statement.store;

  if (statement.serve_returned && schema.table_id == statement.returning_table_id) {
    // RETURNING: exactly the rows the statement wrote.
    HeldRows returned;
    for (const ReturnedRow& row : statement.returned) returned.emplace_back(row.key, row.row);
    cursor->hold(std::move(returned));
    cursor->positional_rowids = true;
    return SQLITE_OK;
  }

  // Serves the row under `key` when it is live (or a tombstone the query asks for).
  auto serve_key = [&](const std::string& key) -> int {
    Result<std::optional<StoredRow>> row = std::optional<StoredRow>();
    if (statement.upsert_update_key && key == *statement.upsert_update_key) {
      // ON CONFLICT … DO UPDATE: the probe found this row in the latest committed state,
      // which may be newer than the statement's snapshot (or hold a row the snapshot does
      // not). The UPDATE computes its values from that version; the write checks it is
      // still the one the probe saw, and the commit that nothing changed it since.
      row = store.load_for_write(*statement.writes, ref, key);
    } else if (statement.allow_writes || statement.tx != nullptr) {
      // Inside a writing statement or a transaction, a row read by key is checked again at commit.
      row = store.read_for_transaction(*statement.writes, statement.read_view(), ref, key);
    } else {
      row = store.get(statement.read_view(), ref, key, wanted);
    }
    if (!row.is_ok()) return fail(base->pVtab, row.status());
    if (*row && (!(*row)->deleted || plan.include_deleted) &&
        !(ref.is_stream() &&
          stream_row_expired(schema.options.ttl_seconds, **row, statement.ctx->timestamp_us))) {
      cursor->hold(HeldRows{{key, std::move(**row)}});
    }
    return SQLITE_OK;
  };

  ScanSpec spec;
  spec.columns = wanted;
  spec.include_deleted = plan.include_deleted;
  spec.reverse = plan.descending;
  // Serves the scope's rows read into memory by this statement (all of them, or those in
  // `selection`), skipping what a cursor would skip.
  auto serve_cached_scope = [&](const StatementState::ScopeScans& scans,
                                std::optional<std::vector<size_t>> selection) {
    cursor->held = scans.rows;
    cursor->selection = std::move(selection);
    cursor->filter_held = true;
    cursor->include_deleted = plan.include_deleted;
    cursor->ttl_seconds = ref.is_stream() ? schema.options.ttl_seconds : 0;
    cursor->now_us = statement.ctx->timestamp_us;
    cursor->skip_hidden();
    return SQLITE_OK;
  };
  switch (plan.access) {
    case TablePlan::Access::kRowid: {
      int64_t rowid =
          argc > 0 && sqlite3_value_type(argv[0]) == SQLITE_INTEGER ? sqlite3_value_int64(argv[0]) : -1;
      if (rowid < 0 || static_cast<size_t>(rowid) >= statement.rowid_keys.size()) return SQLITE_OK;
      std::string key = statement.rowid_keys[static_cast<size_t>(rowid)];
      if (!store.owns_key(ref, key)) return SQLITE_OK;  // another table's (or scope's) row
      return serve_key(key);
    }
    case TablePlan::Access::kPkPoint: {
      std::vector<const ColumnDef*> pk = schema.primary_key();
      std::vector<Value> values;
      bool exact = argc >= static_cast<int>(pk.size());
      for (size_t arg = 0; arg < pk.size() && exact; ++arg) {
        KeyProbe probe = key_probe(argv[arg], *pk[arg]);
        if (probe.never) return SQLITE_OK;  // cannot equal any stored key
        exact = probe.value.has_value();
        if (exact) values.push_back(std::move(*probe.value));
      }
      if (exact) return serve_key(store.row_key(ref, values));
      break;  // only SQLite can compare this value with the key: scan, and let it decide
    }
    case TablePlan::Access::kPkRange:
    case TablePlan::Access::kIndexRange: {
      // argv: eq_count equalities, the bounds, then a LIMIT. Only values whose comparison
      // with the key is exact narrow the read (key_probe); NULL matches nothing; anything
      // else is left to SQLite, which checks every constraint anyway. The LIMIT applies
      // only when every value was exact.
      std::vector<const ColumnDef*> key_columns;
      if (plan.access == TablePlan::Access::kPkRange) {
        key_columns = schema.primary_key();
      } else {
        const IndexDef* index = schema.find_index(plan.index_id);
        if (index == nullptr) {
          return fail(base->pVtab, Status(ErrorCode::kInternalError, "the plan names an unknown index"));
        }
        spec.access = ScanSpec::Access::kIndex;
        spec.index_id = plan.index_id;
        for (uint32_t column_id : index->column_ids)
          key_columns.push_back(schema.find_column_by_id(column_id));
      }
      size_t bounds = (plan.lower != 0 ? 1 : 0) + (plan.upper != 0 ? 1 : 0);
      if (static_cast<size_t>(plan.eq_count) + (bounds > 0 ? 1 : 0) > key_columns.size() ||
          static_cast<int>(plan.eq_count + bounds + (plan.has_limit ? 1 : 0)) > argc ||
          std::find(key_columns.begin(), key_columns.end(), nullptr) != key_columns.end()) {
        return fail(base->pVtab, Status(ErrorCode::kInternalError, "bad key-range plan"));
      }
      bool all_exact = true;
      for (size_t arg = 0; arg < plan.eq_count && all_exact; ++arg) {
        KeyProbe probe = key_probe(argv[arg], *key_columns[arg]);
        if (probe.never) return SQLITE_OK;
        if (!probe.value) {
          all_exact = false;
          break;
        }
        spec.equal.push_back(std::move(*probe.value));
      }
      size_t next_arg = plan.eq_count;
      for (char op : {plan.lower, plan.upper}) {
        if (op == 0) continue;
        sqlite3_value* value = argv[next_arg++];
        if (!all_exact) continue;
        KeyProbe probe = key_probe(value, *key_columns[plan.eq_count]);
        if (probe.never) return SQLITE_OK;  // `key < NULL` is never true
        if (!probe.value) {
          all_exact = false;  // SQLite applies this bound itself
          continue;
        }
        ScanBound bound{std::move(*probe.value), op == 'L' || op == 'U'};
        if (op == 'G' || op == 'L') {
          spec.lower = std::move(bound);
        } else {
          spec.upper = std::move(bound);
        }
      }
      if (plan.has_limit && all_exact) {
        int64_t limit = sqlite3_value_int64(argv[next_arg]);
        if (limit >= 0) spec.limit = static_cast<uint64_t>(limit);
      }
      break;
    }
    case TablePlan::Access::kSeqRange: {
      spec.access = ScanSpec::Access::kSeq;
      bool all_exact = true;
      size_t next_arg = 0;
      for (char op : {plan.lower, plan.upper}) {
        if (op == 0) continue;
        if (static_cast<int>(next_arg) >= argc) {
          return fail(base->pVtab, Status(ErrorCode::kInternalError, "bad _seq plan"));
        }
        KeyProbe probe = key_probe(argv[next_arg++], seq_column_def());
        if (probe.never) return SQLITE_OK;
        if (!probe.value) {
          all_exact = false;
          continue;
        }
        if (op == 'E') {
          spec.lower = ScanBound{*probe.value, true};
          spec.upper = ScanBound{*probe.value, true};
        } else if (op == 'G' || op == 'L') {
          spec.lower = ScanBound{*probe.value, op == 'L'};
        } else {
          spec.upper = ScanBound{*probe.value, op == 'U'};
        }
      }
      if (plan.has_limit && all_exact && static_cast<int>(next_arg) < argc) {
        int64_t limit = sqlite3_value_int64(argv[next_arg]);
        if (limit >= 0) spec.limit = static_cast<uint64_t>(limit);
      }
      break;
    }
    case TablePlan::Access::kScopeEquality: {
      StatementState::ScopeScans& scans = statement.scope_scans[ref.scope_prefix];
      if (!scans.rows) {
        auto cached = read_small_scope(store, statement.read_view(), ref);
        if (!cached.is_ok()) return fail(base->pVtab, cached.status());
        scans.rows = std::move(cached).value();
      }
      if (!scans.rows) break;  // larger than planned: stream it, SQLite filters
      ++scans.scans;
      const auto& columns = schema.current().columns;
      std::optional<std::vector<size_t>> candidates;
      int arg = 0;
      for (int column = 0; column < std::min<int>(static_cast<int>(columns.size()), 64); ++column) {
        if ((plan.eq_columns & (uint64_t{1} << column)) == 0) continue;
        if (arg >= argc) break;
        const ColumnDef& def = columns[static_cast<size_t>(column)];
        auto probe = probe_equality_key(argv[arg++], def.type);
        if (!probe) return SQLITE_OK;  // col = NULL is never true
        if (probe->empty()) continue;  // affinity rules apply: SQLite checks this constraint itself
        auto& index = scans.equality_indexes[column];
        if (index.empty()) {
          for (size_t row_idx = 0; row_idx < scans.rows->size(); ++row_idx) {
            auto key =
                stored_equality_key(TableStore::column_value(schema, (*scans.rows)[row_idx].second, def));
            if (key) index.emplace(std::move(*key), row_idx);
          }
        }
        auto [first, last] = index.equal_range(*probe);
        std::vector<size_t> hits;
        for (auto it = first; it != last; ++it) hits.push_back(it->second);
        std::sort(hits.begin(), hits.end());
        if (candidates) {
          std::vector<size_t> both;
          std::set_intersection(candidates->begin(), candidates->end(), hits.begin(), hits.end(),
                                std::back_inserter(both));
          candidates = std::move(both);
        } else {
          candidates = std::move(hits);
        }
      }
      return serve_cached_scope(scans, std::move(candidates));
    }
    case TablePlan::Access::kFullScan: {
      cursor->full_scan = true;  // a whole scope: remember its size
      cursor->scope_prefix = ref.scope_prefix;
      StatementState::ScopeScans& scans = statement.scope_scans[ref.scope_prefix];
      if (!scans.rows && scans.scans >= 1 && scans.last_count <= kCachedScanRows) {
        auto cached = read_small_scope(store, statement.read_view(), ref);
        if (!cached.is_ok()) return fail(base->pVtab, cached.status());
        scans.rows = std::move(cached).value();
      }
      ++scans.scans;
      if (scans.rows) return serve_cached_scope(scans, std::nullopt);
      break;
    }
  }
  ReadView view = statement.read_view();
  view.writes = statement.writes;
  view.now_us = statement.ctx->timestamp_us;
  auto rows = store.open_cursor(view, ref, spec);
  if (!rows.is_ok()) return fail(base->pVtab, rows.status());
  cursor->rows = std::move(rows).value();
  if (cursor->full_scan && !cursor->rows->valid()) scan_finished(statement, *cursor);
  return SQLITE_OK;
}

int table_next(sqlite3_vtab_cursor* base) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  if (!cursor->rows) {
    cursor->position++;
    cursor->skip_hidden();
    return SQLITE_OK;
  }
  Status status = cursor->rows->next();
  if (!status.is_ok()) return fail(base->pVtab, std::move(status));
  ++cursor->counted;
  if (cursor->full_scan && !cursor->rows->valid()) scan_finished(current_statement(), *cursor);
  return SQLITE_OK;
}

int table_eof(sqlite3_vtab_cursor* base) { return reinterpret_cast<TableCursor*>(base)->eof() ? 1 : 0; }

int table_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  const StoredRow& row = cursor->row();
  const auto& columns = cursor->schema->current().columns;
  int column_count = static_cast<int>(columns.size());
  if (column < column_count) {
    const ColumnDef& def = columns[static_cast<size_t>(column)];
    const Value* cell = row.cell(def.column_id);
    if (cell != nullptr && !is_time_type(def.type)) {
      sqlite_result_value(context, *cell);  // the stored form is the SQL form (to_sql_value)
    } else {
      sqlite_result_value(context, TableStore::column_value(*cursor->schema, row, def));
    }
  } else if (column == column_count) {
    sqlite3_result_int64(context, row.seq);
  } else {
    sqlite3_result_int64(context, row.deleted ? 1 : 0);
  }
  return SQLITE_OK;
}

int table_rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  if (cursor->positional_rowids) {
    *rowid = static_cast<sqlite3_int64>(cursor->position);
    return SQLITE_OK;
  }
  *rowid = static_cast<sqlite3_int64>(current_statement().rowid_for(cursor->key(), cursor->row().seq));
  return SQLITE_OK;
}

sqlite3_module make_table_module() {
  sqlite3_module module{};
  module.iVersion = 1;
  module.xCreate = table_connect;
  module.xConnect = table_connect;
  module.xBestIndex = table_best_index;
  module.xDisconnect = table_disconnect;
  module.xDestroy = table_disconnect;  // dropping the declaration never touches data
  module.xOpen = table_open;
  module.xClose = table_close;
  module.xFilter = table_filter;
  module.xNext = table_next;
  module.xEof = table_eof;
  module.xColumn = table_column;
  module.xRowid = table_rowid;
  module.xUpdate = table_update;
  return module;
}

const sqlite3_module kTableModule = make_table_module();

}  // namespace

int register_table_module(sqlite3* db) {
  return sqlite3_create_module_v2(db, "kalam_table", &kTableModule, nullptr, nullptr);
}

}  // namespace kalam
