// The `kalam_table` virtual-table module: USER/SHARED/STREAM table rows in the
// `rows` column family, scoped to the effective user (USER/STREAM) or global
// (SHARED), with hidden `_seq`/`_deleted` columns, primary-key point lookups,
// tombstone deletes and strictly typed writes collected in the statement's
// PendingWrites (committed atomically by the query engine).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/string_util.h"
#include "sql/engine/engine_session.h"
#include "storage/key_encoding.h"
#include "storage/row_codec.h"
#include "storage/storage_engine.h"

namespace kalam {

void sqlite_result_value(sqlite3_context* context, const Value& value) {
  if (is_null(value)) {
    sqlite3_result_null(context);
  } else if (const auto* boolean = std::get_if<bool>(&value)) {
    sqlite3_result_int64(context, *boolean ? 1 : 0);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    sqlite3_result_int64(context, *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    sqlite3_result_double(context, *real);
  } else {
    const auto& text = std::get<std::string>(value);
    sqlite3_result_text64(context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
}

std::string row_scope_prefix(uint64_t table_id, std::string_view scope) {
  KeyEncoder encoder;
  encoder.append_u64(table_id);
  encoder.append_string(scope);
  return encoder.release();
}

namespace {

constexpr int kIdxPrimaryKey = 1;
constexpr int kIdxIncludeDeleted = 2;
constexpr int kIdxColumnEquality = 4;
constexpr int kIdxKeyRange = 8;  // idxStr: "L", "U" or "LU" (which bounds are in argv)
constexpr int kIdxRowid = 16;    // rowid = ? (a row this statement already met)

struct TableVtab {
  sqlite3_vtab base{};
  std::string qualified_name;
};

struct TableCursor {
  sqlite3_vtab_cursor base{};
  std::shared_ptr<const TableSchema> schema;
  std::shared_ptr<ScanSnapshot> snapshot;  // the rows the cursor walks (shared, read-only)
  std::vector<size_t> selected;            // indexes into snapshot->rows
  size_t position = 0;
  bool positional_rowids = false;  // RETURNING: the rowid is the position (a key may repeat)

  const ScanRow& current() const { return snapshot->rows[selected[position]]; }

  // Selects the snapshot's rows (only `candidates`, when given) the scan returns:
  // tombstones only when the query asks for them.
  void select(bool include_deleted, const std::vector<size_t>* candidates = nullptr) {
    size_t count = candidates != nullptr ? candidates->size() : snapshot->rows.size();
    for (size_t idx = 0; idx < count; ++idx) {
      size_t row_idx = candidates != nullptr ? (*candidates)[idx] : idx;
      if (include_deleted || !snapshot->rows[row_idx].row.deleted) selected.push_back(row_idx);
    }
  }
};

std::shared_ptr<const TableSchema> schema_of(const TableVtab* vtab) {
  EngineSession& session = engine_session();
  auto it = session.tables.find(vtab->qualified_name);
  return it == session.tables.end() ? nullptr : it->second;
}

int fail(sqlite3_vtab* vtab, Status status, int code = SQLITE_ERROR) {
  EngineSession& session = engine_session();
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", status.message().c_str());
  session.failure = std::move(status);
  return code;
}

// STREAM tables are outside transactions: their rows are events, not state. Checked
// where a table is actually read or written, so a column or alias that merely shares
// a STREAM table's name does not count.
Status check_stream_outside_transaction(const TableSchema& schema) {
  if (schema.table_type != TableType::kStream || engine_session().tx == nullptr) return Status::ok();
  return Status(ErrorCode::kInvalidArgument,
                "STREAM table " + schema.qualified_name() + " cannot be used in a transaction")
      .with_detail("argument", std::string("table"));
}

std::string scope_of(const TableSchema& schema, const ExecutionContext& ctx) {
  if (schema.table_type == TableType::kShared) return std::string();
  return ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
}

void append_key_value(KeyEncoder& encoder, const Value& value) {
  if (is_null(value)) {
    encoder.append_null();
  } else if (const auto* boolean = std::get_if<bool>(&value)) {
    encoder.append_bool(*boolean);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    encoder.append_int64(*integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    encoder.append_double(*real);
  } else {
    encoder.append_string(std::get<std::string>(value));
  }
}

std::string value_text(const Value& value) {
  if (is_null(value)) return "NULL";
  if (const auto* boolean = std::get_if<bool>(&value)) return *boolean ? "true" : "false";
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) return format_double(*real);
  return std::get<std::string>(value);
}

Value from_sqlite(sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER:
      return Value(static_cast<int64_t>(sqlite3_value_int64(value)));
    case SQLITE_FLOAT:
      return Value(sqlite3_value_double(value));
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_value_blob(value));
      int size = sqlite3_value_bytes(value);
      return Value(std::string(data == nullptr ? "" : data, static_cast<size_t>(size)));
    }
    default:
      return Value();
  }
}

// SQLite passes NULL for columns an INSERT omits; the engine records the INSERT's
// column list so that those columns receive their DEFAULT instead.
bool omitted_by_insert(const ColumnDef& column) {
  const auto& given = engine_session().insert_columns;
  return given && std::find(given->begin(), given->end(), column.name) == given->end();
}

// The current stored row under `key`: the statement's own write if any, else RocksDB.
Result<std::optional<std::string>> load_row(const std::string& key) {
  EngineSession& session = engine_session();
  if (const auto* pending = session.pending.find(key)) return *pending;
  if (session.tx != nullptr) {
    if (const auto* written = session.tx->writes.find(key)) return *written;
  }
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         session.services->storage->get(ColumnFamily::kRows, key));
  // The version this statement decided on is the one it read: remember it for the
  // commit-time conflict check (a later read would hide a concurrent commit).
  bool known =
      session.base_seq.count(key) != 0 || (session.tx != nullptr && session.tx->base_seq.count(key) != 0);
  if (!known) {
    int64_t seq = 0;
    if (stored) {
      auto header = decode_row_header(*stored);
      if (header.is_ok()) seq = header->seq;
    }
    session.base_seq[key] = seq;
  }
  return stored;
}

bool expired(const TableSchema& schema, const StoredRow& row, int64_t now_us) {
  if (schema.table_type != TableType::kStream || schema.options.ttl_seconds <= 0) return false;
  int64_t written_ms = snowflake_unix_ms(row.seq);
  return written_ms * 1000 + schema.options.ttl_seconds * 1000000 <= now_us;
}

const Value* find_cell(const StoredRow& row, uint32_t column_id) {
  for (const auto& [id, value] : row.cells) {
    if (id == column_id) return &value;
  }
  return nullptr;
}

// ---- module callbacks -------------------------------------------------------

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

// The value of `column` in a row written under any schema version: dropped columns
// are gone (ids differ), added columns read as their default literal or NULL.
Value column_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column) {
  if (const Value* cell = find_cell(row, column.column_id)) return to_sql_value(*cell, column);
  const SchemaVersion* written = schema.version(row.schema_version);
  bool existed = false;
  if (written != nullptr) {
    for (const ColumnDef& old : written->columns) existed = existed || old.column_id == column.column_id;
  }
  if (existed) return Value();
  // A row older than the column reads the literal default the column was added with
  // (later SET/DROP DEFAULT do not rewrite history; function defaults read as NULL).
  for (const SchemaVersion& version : schema.versions) {
    for (const ColumnDef& added : version.columns) {
      if (added.column_id != column.column_id) continue;
      if (!added.default_expr) return Value();
      auto spec = parse_default(*added.default_expr, added);
      if (spec.is_ok() && spec->function == DefaultFunction::kNone)
        return to_sql_value(spec->literal, column);
      return Value();
    }
  }
  return Value();
}

// Column ids a scan must decode; nullptr = every column.
using WantedColumns = const std::vector<uint32_t>*;

// Decodes a stored value: every cell, or only the wanted ones.
Status decode_scan_row(std::string_view raw, WantedColumns wanted, StoredRow& out) {
  if (wanted == nullptr) {
    KALAM_ASSIGN_OR_RETURN(out, decode_row(raw));
    return Status::ok();
  }
  return decode_row_columns(raw, *wanted, &out);
}

// Rows of one scope with keys in [begin, end) (end empty = to the end of the scope),
// read from RocksDB and overlaid with the transaction's and the statement's writes.
// `reverse` reads in descending key order and `max_rows` stops after that many rows a
// scan returns (tombstones count only with `include_deleted`), when no pending write of
// the statement or transaction falls in the range; otherwise every row is read, in
// ascending order (ScanSnapshot::descending tells which).
Result<std::shared_ptr<ScanSnapshot>> read_scope_rows(const TableSchema& schema, const std::string& prefix,
                                                      const std::string& begin, const std::string& end,
                                                      WantedColumns wanted, bool reverse = false,
                                                      size_t max_rows = SIZE_MAX,
                                                      bool include_deleted = false) {
  EngineSession& session = engine_session();
  std::string stop = end.empty() ? prefix_successor(prefix) : end;
  auto snapshot = std::make_shared<ScanSnapshot>();
  snapshot->all_decoded = wanted == nullptr;
  if (wanted != nullptr) snapshot->decoded = *wanted;
  int64_t now_us = session.ctx->timestamp_us;
  auto add = [&](std::string key, std::string_view value) -> Status {
    ScanRow scan_row;
    KALAM_RETURN_IF_ERROR(decode_scan_row(value, wanted, scan_row.row));
    if (expired(schema, scan_row.row, now_us)) return Status::ok();
    snapshot->live_rows += scan_row.row.deleted ? 0 : 1;
    scan_row.key = std::move(key);
    snapshot->rows.push_back(std::move(scan_row));
    return Status::ok();
  };
  auto writes_in_range = [&](const PendingWrites& writes) {
    auto it = writes.rows.lower_bound(begin);
    return it != writes.rows.end() && it->first < stop;
  };
  bool overlaid =
      (session.tx != nullptr && writes_in_range(session.tx->writes)) || writes_in_range(session.pending);
  if (!overlaid) {  // the common case: decode straight from the iterator
    Status status;
    size_t returned = 0;
    snapshot->descending = reverse;
    KALAM_RETURN_IF_ERROR(session.services->storage->scan_range(
        ColumnFamily::kRows, begin, stop,
        [&](std::string_view key, std::string_view value) {
          size_t before = snapshot->rows.size();
          status = add(std::string(key), value);
          if (!status.is_ok()) return false;
          if (snapshot->rows.size() > before && (include_deleted || !snapshot->rows.back().row.deleted))
            ++returned;
          return returned < max_rows;
        },
        reverse));
    KALAM_RETURN_IF_ERROR(status);
    return snapshot;
  }
  std::map<std::string, std::string> merged;
  KALAM_RETURN_IF_ERROR(session.services->storage->scan_range(
      ColumnFamily::kRows, begin, stop, [&](std::string_view key, std::string_view value) {
        merged.emplace(std::string(key), std::string(value));
        return true;
      }));
  auto overlay = [&](const PendingWrites& writes) {
    for (auto it = writes.rows.lower_bound(begin); it != writes.rows.end() && it->first < stop; ++it) {
      if (it->second) {
        merged[it->first] = *it->second;
      } else {
        merged.erase(it->first);
      }
    }
  };
  if (session.tx != nullptr) overlay(session.tx->writes);  // the transaction reads its own writes
  overlay(session.pending);
  snapshot->rows.reserve(merged.size());
  for (auto& [key, value] : merged) KALAM_RETURN_IF_ERROR(add(key, value));
  return snapshot;
}

// The scope's rows for this statement (cached until the scope is written), with at
// least the wanted cells decoded.
Result<std::shared_ptr<ScanSnapshot>> scope_snapshot(const TableSchema& schema, WantedColumns wanted) {
  EngineSession& session = engine_session();
  std::string prefix = row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx));
  auto cached = session.scan_cache.find(prefix);
  std::vector<uint32_t> needed;  // a cached snapshot lacks cells: read again with the union
  if (cached != session.scan_cache.end()) {
    const ScanSnapshot& have = *cached->second;
    bool covered = have.all_decoded || wanted != nullptr;
    if (covered && !have.all_decoded) {
      for (uint32_t id : *wanted) covered = covered && have.has(id);
    }
    if (covered) return cached->second;
    if (wanted != nullptr) {
      std::set_union(have.decoded.begin(), have.decoded.end(), wanted->begin(), wanted->end(),
                     std::back_inserter(needed));
      wanted = &needed;
    }
  }
  KALAM_ASSIGN_OR_RETURN(std::shared_ptr<ScanSnapshot> snapshot,
                         read_scope_rows(schema, prefix, prefix, "", wanted));
  session.scan_cache[prefix] = snapshot;
  if (session.row_estimates.size() >= 100000) session.row_estimates.clear();  // bounded: estimates only
  session.row_estimates[prefix] = snapshot->live_rows;
  return snapshot;
}

bool numeric_type(DataType type) {
  switch (type) {
    case DataType::kBoolean:
    case DataType::kSmallInt:
    case DataType::kInt:
    case DataType::kBigInt:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kTimestamp:
    case DataType::kDate:
    case DataType::kTime:
      return true;
    default:
      return false;
  }
}

std::string number_key(double number) {
  if (number >= -9.2e18 && number <= 9.2e18 && number == static_cast<double>(static_cast<int64_t>(number))) {
    return "n" + std::to_string(static_cast<int64_t>(number));
  }
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "n%.17g", number);
  return buffer;
}

// Equality key of a stored value as SQL sees it; nullopt for NULL (never equal).
std::optional<std::string> stored_key(const Value& value) {
  if (is_null(value)) return std::nullopt;
  if (const auto* boolean = std::get_if<bool>(&value)) return std::string(*boolean ? "n1" : "n0");
  if (const auto* integer = std::get_if<int64_t>(&value)) return "n" + std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) return number_key(*real);
  return "t" + std::get<std::string>(value);
}

// Whether SQLite compares text with this column's values byte by byte: TEXT columns
// (TEXT affinity) and UUIDs (canonical, never number-like). DECIMAL, JSON and BYTES are
// declared with NUMERIC affinity, so SQLite turns a stored value that looks like a
// number ("1.50", "5") into a number before comparing: only SQLite can tell.
bool text_compares_as_stored(DataType type) { return type == DataType::kText || type == DataType::kUuid; }

// True when SQLite could read `text` as a number (then NUMERIC affinity converts it).
bool may_look_numeric(std::string_view text) {
  return text.find_first_not_of("0123456789+-.eE \t\n\r\f\v") == std::string_view::npos;
}

// Key of a constraint value compared with a column of `type`, when the comparison
// is exact without SQLite's affinity rules; "" = cannot tell (do not filter),
// nullopt = NULL (matches nothing).
std::optional<std::string> probe_key(sqlite3_value* value, DataType type) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER:
      if (!numeric_type(type)) return std::string();
      return "n" + std::to_string(sqlite3_value_int64(value));
    case SQLITE_FLOAT:
      if (!numeric_type(type)) return std::string();
      return number_key(sqlite3_value_double(value));
    case SQLITE_TEXT: {
      std::string text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                       static_cast<size_t>(sqlite3_value_bytes(value)));
      // Numeric affinity may convert the value or the stored text: let SQLite decide.
      if (!text_compares_as_stored(type) || (type == DataType::kUuid && may_look_numeric(text))) {
        return std::string();
      }
      return "t" + text;
    }
    default:
      return std::string();
  }
}

// A constraint value turned into the stored form of a key column, when comparing the
// encoded keys gives exactly SQLite's answer for `column <op> value`; nullopt when only
// SQLite can tell (its affinity rules would convert the value, or a conversion would
// change it), and the value of `never` when no row can match (NULL).
struct KeyProbe {
  bool never = false;
  std::optional<Value> value;
};

KeyProbe key_probe(sqlite3_value* value, const ColumnDef& column) {
  KeyProbe probe;
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
      probe.never = true;
      return probe;
    case SQLITE_INTEGER: {
      int64_t number = sqlite3_value_int64(value);
      if (column.type == DataType::kBoolean) {
        if (number == 0 || number == 1) probe.value = Value(number == 1);
      } else if (column.type == DataType::kFloat || column.type == DataType::kDouble) {
        // (zero: -0.0 and 0.0 are equal in SQLite but distinct keys)
        if (number != 0 && number > -(int64_t{1} << 53) && number < (int64_t{1} << 53))
          probe.value = Value(static_cast<double>(number));
      } else if (numeric_type(column.type)) {  // stored as int64: compared as integers
        probe.value = Value(number);
      }
      return probe;
    }
    case SQLITE_FLOAT: {
      double number = sqlite3_value_double(value);
      if (column.type == DataType::kFloat || column.type == DataType::kDouble) {
        if (!std::isnan(number) && number != 0) probe.value = Value(number);
      } else if (numeric_type(column.type) && column.type != DataType::kBoolean && number >= -9.2e18 &&
                 number <= 9.2e18 && number == static_cast<double>(static_cast<int64_t>(number))) {
        probe.value = Value(static_cast<int64_t>(number));
      }
      return probe;
    }
    case SQLITE_TEXT: {
      if (!text_compares_as_stored(column.type)) return probe;
      std::string text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                       static_cast<size_t>(sqlite3_value_bytes(value)));
      // UUIDs are declared with NUMERIC affinity, which turns number-like text into a
      // number (a stored UUID never looks like one).
      if (column.type == DataType::kUuid && may_look_numeric(text)) return probe;
      probe.value = Value(std::move(text));
      return probe;
    }
    default:
      return probe;
  }
}

int table_best_index(sqlite3_vtab* base, sqlite3_index_info* info) {
  auto schema = schema_of(reinterpret_cast<TableVtab*>(base));
  if (!schema || engine_session().ctx == nullptr) return SQLITE_ERROR;
  // Planning never reads the table: it uses the size this thread last saw (1000 before that).
  EngineSession& session = engine_session();
  std::string prefix = row_scope_prefix(schema->table_id, scope_of(*schema, *session.ctx));
  auto estimate_it = session.row_estimates.find(prefix);
  double rows = estimate_it == session.row_estimates.end()
                    ? 1000.0
                    : static_cast<double>(std::max<size_t>(1, estimate_it->second));
  const auto& columns = schema->current().columns;
  int column_count = static_cast<int>(columns.size());
  int idx_num = 0;
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    if (info->aConstraint[idx].iColumn == column_count + 1) idx_num |= kIdxIncludeDeleted;
  }
  // Pushed-down comparisons are byte-wise: a constraint under another collation
  // (`= 'ALICE' COLLATE NOCASE`) is left to SQLite.
  std::vector<char> usable(static_cast<size_t>(info->nConstraint));
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const char* collation = sqlite3_vtab_collation(info, idx);
    usable[static_cast<size_t>(idx)] =
        info->aConstraint[idx].usable && (collation == nullptr || sqlite3_stricmp(collation, "BINARY") == 0);
  }
  // rowid = ?: a row the statement already met (rowids are per statement).
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (!usable[static_cast<size_t>(idx)] || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ ||
        constraint.iColumn != -1)
      continue;
    info->aConstraintUsage[idx].argvIndex = 1;
    info->aConstraintUsage[idx].omit = 1;
    info->estimatedCost = 1.0;
    info->estimatedRows = 1;
    info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
    info->idxNum = idx_num | kIdxRowid;
    return SQLITE_OK;
  }
  // A full primary key of equalities: a point lookup.
  std::vector<const ColumnDef*> pk = schema->primary_key();
  std::vector<int> pk_constraint(pk.size(), -1);
  std::vector<int> column_constraint(static_cast<size_t>(column_count), -1);
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (!usable[static_cast<size_t>(idx)] || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (constraint.iColumn < 0 || constraint.iColumn >= column_count) continue;
    if (column_constraint[static_cast<size_t>(constraint.iColumn)] < 0) {
      column_constraint[static_cast<size_t>(constraint.iColumn)] = idx;
    }
    for (size_t pk_idx = 0; pk_idx < pk.size(); ++pk_idx) {
      if (columns[static_cast<size_t>(constraint.iColumn)].column_id == pk[pk_idx]->column_id &&
          pk_constraint[pk_idx] < 0) {
        pk_constraint[pk_idx] = idx;
      }
    }
  }
  bool full_key = !pk.empty();
  for (int constraint : pk_constraint) full_key = full_key && constraint >= 0;
  if (full_key) {
    idx_num |= kIdxPrimaryKey;
    for (size_t pk_idx = 0; pk_idx < pk.size(); ++pk_idx) {
      info->aConstraintUsage[pk_constraint[pk_idx]].argvIndex = static_cast<int>(pk_idx + 1);
    }
    info->estimatedCost = 1.0;
    info->estimatedRows = 1;
    info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
    info->idxNum = idx_num;
    return SQLITE_OK;
  }
  // The position (in `columns`) of each primary-key column.
  std::vector<int> pk_position(pk.size(), -1);
  for (size_t pk_idx = 0; pk_idx < pk.size(); ++pk_idx) {
    for (int col = 0; col < column_count; ++col) {
      if (columns[static_cast<size_t>(col)].column_id == pk[pk_idx]->column_id) pk_position[pk_idx] = col;
    }
  }
  // Equalities on a leading part of the key, then bounds on the next key column: a
  // key-range read (SQLite re-checks every bound).
  size_t prefix_columns = 0;
  while (prefix_columns < pk.size() && pk_constraint[prefix_columns] >= 0) ++prefix_columns;
  int lower = -1;
  int upper = -1;
  if (prefix_columns < pk.size()) {
    for (int idx = 0; idx < info->nConstraint; ++idx) {
      const auto& constraint = info->aConstraint[idx];
      if (!usable[static_cast<size_t>(idx)] || constraint.iColumn != pk_position[prefix_columns]) continue;
      if ((constraint.op == SQLITE_INDEX_CONSTRAINT_GT || constraint.op == SQLITE_INDEX_CONSTRAINT_GE) &&
          lower < 0) {
        lower = idx;
      }
      if ((constraint.op == SQLITE_INDEX_CONSTRAINT_LT || constraint.op == SQLITE_INDEX_CONSTRAINT_LE) &&
          upper < 0) {
        upper = idx;
      }
    }
  }
  // ORDER BY the next key column: key order is the read order, so SQLite need not
  // sort. With every constraint applied here exactly, a LIMIT also stops the read early
  // (`ORDER BY id DESC LIMIT 50` of one conversation reads 50 rows). Not with IN lists,
  // which SQLite runs as one read per value.
  bool in_list = false;
  for (size_t pk_idx = 0; pk_idx < prefix_columns; ++pk_idx) {
    in_list = in_list || sqlite3_vtab_in(info, pk_constraint[pk_idx], -1) != 0;
  }
  // (An equality on a REAL, DECIMAL, JSON or BYTES key column may match several stored
  // keys in SQLite's eyes, e.g. JSON '5' and '5.0': then key order is not their order.)
  bool simple_prefix = true;
  for (size_t pk_idx = 0; pk_idx < prefix_columns; ++pk_idx) {
    DataType type = pk[pk_idx]->type;
    simple_prefix = simple_prefix && type != DataType::kFloat && type != DataType::kDouble &&
                    type != DataType::kDecimal && type != DataType::kJson && type != DataType::kBytes;
  }
  bool order_matches = !in_list && simple_prefix && info->nOrderBy == 1 && prefix_columns < pk.size() &&
                       info->aOrderBy[0].iColumn == pk_position[prefix_columns];
  int limit = -1;
  bool pushable_limit = !in_list && (info->nOrderBy == 0 || order_matches);
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    int op = info->aConstraint[idx].op;
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (usable[static_cast<size_t>(idx)]) limit = idx;
      continue;
    }
    if (op == SQLITE_INDEX_CONSTRAINT_OFFSET) pushable_limit = false;  // LIMIT counts after OFFSET
    bool in_plan = idx == lower || idx == upper;
    for (size_t pk_idx = 0; pk_idx < prefix_columns; ++pk_idx)
      in_plan = in_plan || idx == pk_constraint[pk_idx];
    pushable_limit = pushable_limit && in_plan;
  }
  std::string used;
  int argv_index = 0;
  double estimate = rows;
  if (prefix_columns > 0 || lower >= 0 || upper >= 0 || order_matches) {
    // plan: "<equality prefix length>", then the bounds in argv ("G" >, "L" >=, "T" <,
    // "U" <=), "D" for descending key order, "N" for a LIMIT in argv.
    used = std::to_string(prefix_columns);
    for (size_t pk_idx = 0; pk_idx < prefix_columns; ++pk_idx) {
      info->aConstraintUsage[pk_constraint[pk_idx]].argvIndex = ++argv_index;
      estimate = std::max(1.0, estimate / 10.0);
    }
    if (lower >= 0) {
      info->aConstraintUsage[lower].argvIndex = ++argv_index;
      used += info->aConstraint[lower].op == SQLITE_INDEX_CONSTRAINT_GT ? "G" : "L";
    }
    if (upper >= 0) {
      info->aConstraintUsage[upper].argvIndex = ++argv_index;
      used += info->aConstraint[upper].op == SQLITE_INDEX_CONSTRAINT_LT ? "T" : "U";
    }
    if (lower >= 0 || upper >= 0) estimate = std::max(1.0, estimate / (lower >= 0 && upper >= 0 ? 8.0 : 3.0));
    if (order_matches) {
      info->orderByConsumed = 1;
      if (info->aOrderBy[0].desc) used += "D";
    }
    if (pushable_limit && limit >= 0) {
      info->aConstraintUsage[limit].argvIndex = ++argv_index;
      used += "N";
    }
    idx_num |= kIdxKeyRange;
  } else {
    // Equalities on other columns: answered from in-memory indexes of the scope's rows.
    for (int column = 0; column < column_count; ++column) {
      int constraint = column_constraint[static_cast<size_t>(column)];
      if (constraint < 0) continue;
      info->aConstraintUsage[constraint].argvIndex = ++argv_index;
      used += (used.empty() ? "" : ",") + std::to_string(column);
      estimate = std::max(1.0, estimate / 10.0);
    }
    if (!used.empty()) idx_num |= kIdxColumnEquality;
  }
  // idxStr: "<colUsed in hex>;<equality columns or range bounds>".
  info->idxStr = sqlite3_mprintf("%llx;%s", static_cast<unsigned long long>(info->colUsed), used.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedRows = static_cast<sqlite3_int64>(estimate);
  info->estimatedCost = estimate + (used.empty() ? rows : 1.0);
  info->idxNum = idx_num;
  return SQLITE_OK;
}

int table_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new TableCursor())->base;
  return SQLITE_OK;
}

int table_close(sqlite3_vtab_cursor* cursor) {
  delete reinterpret_cast<TableCursor*>(cursor);
  return SQLITE_OK;
}

using ColumnIndex = std::unordered_multimap<std::string, size_t>;

// The equality index of the snapshot's rows on `column` (position), built on first use.
Result<const ColumnIndex*> column_index(ScanSnapshot& snapshot, const TableSchema& schema, int column) {
  auto found = snapshot.indexes.find(column);
  if (found != snapshot.indexes.end()) return &found->second;
  const ColumnDef& def = schema.current().columns[static_cast<size_t>(column)];
  if (!snapshot.has(def.column_id)) {
    return Status(ErrorCode::kInternalError, "column " + def.name + " was not decoded for this scan");
  }
  auto& index = snapshot.indexes[column];
  for (size_t row_idx = 0; row_idx < snapshot.rows.size(); ++row_idx) {
    auto key = stored_key(column_value(schema, snapshot.rows[row_idx].row, def));
    if (key) index.emplace(std::move(*key), row_idx);
  }
  return &index;
}

int table_filter(sqlite3_vtab_cursor* base, int idx_num, const char* idx_str, int argc,
                 sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  EngineSession& session = engine_session();
  cursor->selected.clear();
  cursor->position = 0;
  cursor->positional_rowids = false;
  cursor->schema = schema_of(reinterpret_cast<TableVtab*>(base->pVtab));
  if (session.ctx == nullptr) return SQLITE_MISUSE;
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
  bool include_deleted = (idx_num & kIdxIncludeDeleted) != 0;
  // The cells to decode: the columns the statement uses (every column for DML, whose
  // UPDATE passes whole rows back).
  std::string_view plan = idx_str == nullptr ? std::string_view() : std::string_view(idx_str);
  std::vector<uint32_t> wanted_ids;
  WantedColumns wanted = nullptr;
  std::vector<int> equality_columns;  // positions, in argv order
  if (size_t semicolon = plan.find(';'); semicolon != std::string_view::npos) {
    uint64_t col_used = std::strtoull(std::string(plan.substr(0, semicolon)).c_str(), nullptr, 16);
    plan = plan.substr(semicolon + 1);
    const auto& columns = schema.current().columns;
    if ((idx_num & kIdxColumnEquality) != 0) {
      for (std::string_view list = plan; !list.empty();) {
        size_t comma = list.find(',');
        int col = std::atoi(std::string(list.substr(0, comma)).c_str());
        if (col >= 0 && static_cast<size_t>(col) < columns.size()) equality_columns.push_back(col);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    }
    if (!session.allow_writes) {
      for (size_t col = 0; col < columns.size(); ++col) {
        if ((col_used & (uint64_t{1} << std::min<size_t>(col, 63))) != 0)
          wanted_ids.push_back(columns[col].column_id);
      }
      // The equality columns are used by the hash look-up even if SQLite needs none.
      for (int col : equality_columns) wanted_ids.push_back(columns[static_cast<size_t>(col)].column_id);
      std::sort(wanted_ids.begin(), wanted_ids.end());
      wanted_ids.erase(std::unique(wanted_ids.begin(), wanted_ids.end()), wanted_ids.end());
      if (wanted_ids.size() < columns.size()) wanted = &wanted_ids;  // else: decode whole rows
    }
  }

  if (session.serve_returned && schema.table_id == session.returning_table_id) {
    // RETURNING: exactly the rows the statement wrote.
    auto snapshot = std::make_shared<ScanSnapshot>();
    snapshot->rows = session.returned;
    for (size_t row_idx = 0; row_idx < snapshot->rows.size(); ++row_idx) cursor->selected.push_back(row_idx);
    cursor->snapshot = std::move(snapshot);
    cursor->positional_rowids = true;
    return SQLITE_OK;
  }

  // Serves the row under `key` when it is live (or a tombstone the query asks for).
  auto serve_key = [&](std::string key) -> int {
    auto value = load_row(key);
    if (!value.is_ok()) return fail(base->pVtab, value.status());
    cursor->snapshot = std::make_shared<ScanSnapshot>();
    if (*value) {
      auto row = decode_row(**value);
      if (!row.is_ok()) return fail(base->pVtab, row.status());
      if ((!row->deleted || include_deleted) && !expired(schema, *row, session.ctx->timestamp_us)) {
        cursor->snapshot->rows.push_back(ScanRow{std::move(key), std::move(row).value()});
        cursor->selected.push_back(0);
      }
    }
    return SQLITE_OK;
  };

  if ((idx_num & kIdxRowid) != 0) {
    int64_t rowid =
        argc > 0 && sqlite3_value_type(argv[0]) == SQLITE_INTEGER ? sqlite3_value_int64(argv[0]) : -1;
    if (rowid < 0 || static_cast<size_t>(rowid) >= session.rowid_keys.size()) {
      cursor->snapshot = std::make_shared<ScanSnapshot>();
      return SQLITE_OK;
    }
    std::string key = session.rowid_keys[static_cast<size_t>(rowid)];
    std::string prefix = row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx));
    if (key.compare(0, prefix.size(), prefix) != 0) {  // another table's (or scope's) row
      cursor->snapshot = std::make_shared<ScanSnapshot>();
      return SQLITE_OK;
    }
    return serve_key(std::move(key));
  }

  if ((idx_num & kIdxPrimaryKey) != 0) {
    std::vector<const ColumnDef*> pk = schema.primary_key();
    KeyEncoder encoder;
    encoder.append_raw(row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx)));
    bool exact = true;
    for (int arg = 0; arg < argc && static_cast<size_t>(arg) < pk.size() && exact; ++arg) {
      KeyProbe probe = key_probe(argv[arg], *pk[static_cast<size_t>(arg)]);
      if (probe.never) {  // cannot equal any stored key
        cursor->snapshot = std::make_shared<ScanSnapshot>();
        return SQLITE_OK;
      }
      exact = probe.value.has_value();
      if (exact) append_key_value(encoder, *probe.value);
    }
    if (exact) return serve_key(encoder.release());
    // Only SQLite can compare this value with the key: scan, and let it decide.
  }

  if ((idx_num & kIdxKeyRange) != 0) {
    // plan "<n>[G|L][T|U][D][N]": argv holds n key-prefix equalities, then the bounds of
    // the next key column (G >, L >=, T <, U <=), then a LIMIT (N); D = descending key
    // order. Only values whose comparison with the key is exact narrow the read
    // (key_probe); NULL matches nothing; anything else is left to SQLite, which checks
    // every constraint anyway. The LIMIT is applied only when every value was exact.
    std::vector<const ColumnDef*> pk = schema.primary_key();
    size_t digits = 0;
    while (digits < plan.size() && std::isdigit(static_cast<unsigned char>(plan[digits]))) ++digits;
    size_t prefix_columns = static_cast<size_t>(std::atoi(std::string(plan.substr(0, digits)).c_str()));
    std::string_view flags = plan.substr(digits);
    bool descending = flags.find('D') != std::string_view::npos;
    bool has_limit = flags.find('N') != std::string_view::npos;
    std::string bounds;
    for (char flag : flags) {
      if (flag == 'G' || flag == 'L' || flag == 'T' || flag == 'U') bounds += flag;
    }
    if (prefix_columns + (bounds.empty() ? 0 : 1) > pk.size() ||
        prefix_columns + bounds.size() + (has_limit ? 1 : 0) > static_cast<size_t>(argc)) {
      return fail(base->pVtab, Status(ErrorCode::kInternalError, "bad key-range plan"));
    }
    KeyEncoder encoder;
    encoder.append_raw(row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx)));
    size_t exact_prefix = 0;  // equalities usable for the key (the rest: SQLite checks)
    while (exact_prefix < prefix_columns) {
      KeyProbe probe = key_probe(argv[exact_prefix], *pk[exact_prefix]);
      if (probe.never) {  // cannot equal any stored key
        cursor->snapshot = std::make_shared<ScanSnapshot>();
        return SQLITE_OK;
      }
      if (!probe.value) break;
      append_key_value(encoder, *probe.value);
      ++exact_prefix;
    }
    bool all_exact = exact_prefix == prefix_columns;
    std::string prefix = encoder.release();
    std::string begin = prefix;
    std::string end = prefix_successor(prefix);
    for (size_t bound = 0; bound < bounds.size() && all_exact; ++bound) {
      KeyProbe probe = key_probe(argv[prefix_columns + bound], *pk[prefix_columns]);
      if (probe.never) {  // `key < NULL` is never true
        cursor->snapshot = std::make_shared<ScanSnapshot>();
        return SQLITE_OK;
      }
      if (!probe.value) {  // SQLite applies this bound itself
        all_exact = false;
        continue;
      }
      KeyEncoder bound_key;
      bound_key.append_raw(prefix);
      append_key_value(bound_key, *probe.value);
      // Encoded values are prefix-free: the keys holding this value are exactly those
      // starting with bound_key.
      switch (bounds[bound]) {
        case 'G':
          begin = prefix_successor(bound_key.data());
          break;
        case 'L':
          begin = bound_key.release();
          break;
        case 'T':
          end = bound_key.release();
          break;
        default:
          end = prefix_successor(bound_key.data());
      }
    }
    // When nothing narrowed the read this is the whole scope (SQLite filters); the rows
    // stay in key order, so the order claimed holds (see table_best_index).
    size_t max_rows = SIZE_MAX;
    if (has_limit && all_exact) {
      int64_t limit = sqlite3_value_int64(argv[prefix_columns + bounds.size()]);
      if (limit >= 0) max_rows = static_cast<size_t>(limit);
    }
    auto range = read_scope_rows(schema, prefix, begin, end, wanted, descending, max_rows, include_deleted);
    if (!range.is_ok()) return fail(base->pVtab, range.status());
    cursor->snapshot = *range;
    cursor->select(include_deleted);
    if (descending && !cursor->snapshot->descending)
      std::reverse(cursor->selected.begin(), cursor->selected.end());
    return SQLITE_OK;
  }
  auto snapshot = scope_snapshot(schema, wanted);
  if (!snapshot.is_ok()) return fail(base->pVtab, snapshot.status());
  cursor->snapshot = *snapshot;
  const std::vector<int>& columns = equality_columns;
  std::optional<std::vector<size_t>> candidates;
  for (size_t arg = 0; arg < columns.size() && arg < static_cast<size_t>(argc); ++arg) {
    const ColumnDef& def = schema.current().columns[static_cast<size_t>(columns[arg])];
    auto probe = probe_key(argv[arg], def.type);
    if (!probe) return SQLITE_OK;  // col = NULL is never true
    if (probe->empty()) continue;  // affinity rules apply: SQLite checks this constraint itself
    auto index = column_index(*cursor->snapshot, schema, columns[arg]);
    if (!index.is_ok()) return fail(base->pVtab, index.status());
    auto [first, last] = (*index)->equal_range(*probe);
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
  cursor->select(include_deleted, candidates ? &*candidates : nullptr);
  return SQLITE_OK;
}

int table_next(sqlite3_vtab_cursor* base) {
  reinterpret_cast<TableCursor*>(base)->position++;
  return SQLITE_OK;
}

int table_eof(sqlite3_vtab_cursor* base) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  return cursor->position >= cursor->selected.size() ? 1 : 0;
}

int table_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  const ScanRow& current = cursor->current();
  const auto& columns = cursor->schema->current().columns;
  int column_count = static_cast<int>(columns.size());
  if (column < column_count) {
    const ColumnDef& def = columns[static_cast<size_t>(column)];
    if (const Value* cell = find_cell(current.row, def.column_id)) {
      sqlite_result_value(context, *cell);  // the stored form is the SQL form (to_sql_value): no copy
    } else {
      sqlite_result_value(context, column_value(*cursor->schema, current.row, def));
    }
  } else if (column == column_count) {
    sqlite3_result_int64(context, current.row.seq);
  } else {
    sqlite3_result_int64(context, current.row.deleted ? 1 : 0);
  }
  return SQLITE_OK;
}

int table_rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  auto* cursor = reinterpret_cast<TableCursor*>(base);
  EngineSession& session = engine_session();
  // Stable per statement: SQLite de-duplicates OR branches and IN lookups by rowid.
  if (cursor->positional_rowids) {
    *rowid = static_cast<sqlite3_int64>(cursor->position);
    return SQLITE_OK;
  }
  *rowid = static_cast<sqlite3_int64>(session.rowid_for(cursor->current().key, cursor->current().row.seq));
  return SQLITE_OK;
}

// ---- writes -------------------------------------------------------------------

std::vector<std::pair<std::string, Value>> named_values(const TableSchema& schema, const StoredRow& row) {
  std::vector<std::pair<std::string, Value>> values;
  for (const ColumnDef& column : schema.current().columns) {
    values.emplace_back(column.name, column_value(schema, row, column));
  }
  values.emplace_back("_seq", Value(row.seq));
  return values;
}

void record_change(const TableSchema& schema, const std::string& key, ChangeKind kind,
                   const StoredRow* old_row, const StoredRow* new_row, int64_t seq) {
  EngineSession& session = engine_session();
  if (session.collect_returned)
    session.returned.push_back(ScanRow{key, new_row != nullptr ? *new_row : *old_row});
  if (session.services->live == nullptr) return;  // nobody consumes change events
  RowChange change;
  change.table = schema.qualified_name();
  change.table_id = schema.table_id;
  change.scope = scope_of(schema, *session.ctx);
  change.kind = kind;
  if (old_row != nullptr) change.old_values = named_values(schema, *old_row);
  if (new_row != nullptr) change.new_values = named_values(schema, *new_row);
  change.seq = seq;
  session.changes.push_back(std::move(change));
}

// Records a write of the statement and drops cached scans that it makes stale.
void write_pending(const std::string& key, std::string value) {
  EngineSession& session = engine_session();
  bool known =
      session.base_seq.count(key) != 0 || (session.tx != nullptr && session.tx->base_seq.count(key) != 0);
  if (!known) {
    int64_t seq = 0;
    auto stored = session.services->storage->get(ColumnFamily::kRows, key);
    if (stored.is_ok() && *stored) {
      auto header = decode_row_header(**stored);
      if (header.is_ok()) seq = header->seq;
    }
    session.base_seq[key] = seq;
  }
  session.pending.rows[key] = std::move(value);
  session.scan_cache.clear();
}

// A value that came from a $n parameter and does not fit its column is reported as
// PARAM_TYPE_MISMATCH naming the parameter. The engine sees values, not their origin:
// the candidates are the parameters the statement places directly in this column
// (`position` = its index in the current columns), or every parameter when the
// statement's shape does not tell (INSERT … SELECT); the one whose value equals the
// rejected input is named.
Status parameter_error_or(Status status, const Value& input, const ColumnDef& column, size_t position,
                          const ExecutionContext& ctx) {
  if (status.code() != ErrorCode::kTypeMismatch) return status;
  const ParamPlacements& placements = engine_session().param_placements;
  auto placed_here = [&](int64_t number) {
    for (const auto& [name, placed] : placements.by_name) {
      if (placed == number && to_lower(name) == to_lower(column.name)) return true;
    }
    for (const auto& [placed_position, placed] : placements.by_position) {
      if (placed == number && placed_position == position) return true;
    }
    return false;
  };
  for (size_t index = 0; index < ctx.params.size(); ++index) {
    if (placements.known && !placed_here(static_cast<int64_t>(index + 1))) continue;
    const ParamValue& param = ctx.params[index];
    Value as_value;
    if (const auto* boolean = std::get_if<bool>(&param)) {
      as_value = Value(static_cast<int64_t>(*boolean ? 1 : 0));
    } else if (const auto* integer = std::get_if<int64_t>(&param)) {
      as_value = Value(*integer);
    } else if (const auto* real = std::get_if<double>(&param)) {
      as_value = Value(*real);
    } else if (const auto* text = std::get_if<std::string>(&param)) {
      as_value = Value(*text);
    } else if (const auto* json = std::get_if<JsonText>(&param)) {
      as_value = Value(json->text);
    } else {
      continue;
    }
    if (as_value != input) continue;
    return Status(ErrorCode::kParamTypeMismatch,
                  "parameter $" + std::to_string(index + 1) + " (" + std::string(param_type_name(param)) +
                      ") cannot be stored in column '" + column.name + "' of type " + column_type_sql(column))
        .with_detail("index", static_cast<int64_t>(index + 1))
        .with_detail("expected_type", column_type_sql(column))
        .with_detail("actual_type", std::string(param_type_name(param)))
        .with_detail("column_name", column.name);
  }
  return status;
}

struct NewRow {
  std::string key;
  StoredRow row;
};

// Builds the typed row for INSERT/UPDATE from SQLite's column values.
Result<NewRow> build_row(const TableSchema& schema, sqlite3_value** values, const std::string& prefix,
                         int64_t seq, bool inserting) {
  EngineSession& session = engine_session();
  const ExecutionContext& ctx = *session.ctx;
  NewRow out;
  out.row.schema_version = schema.schema_version();
  out.row.seq = seq;
  const auto& columns = schema.current().columns;
  std::vector<Value> stored(columns.size());
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    const ColumnDef& column = columns[idx];
    if (inserting && column.default_expr && omitted_by_insert(column) &&
        sqlite3_value_type(values[idx]) == SQLITE_NULL) {
      KALAM_ASSIGN_OR_RETURN(DefaultSpec spec, parse_default(column.default_expr.value_or("NULL"), column));
      DefaultContext default_ctx;
      default_ctx.now_us = ctx.timestamp_us;
      default_ctx.user_id = ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
      default_ctx.next_snowflake_id = [&session] { return session.services->ids->next(); };
      KALAM_ASSIGN_OR_RETURN(stored[idx], evaluate_default(spec, column, default_ctx));
    } else {
      Value input = from_sqlite(values[idx]);
      auto coerced = coerce_value(input, column);
      if (!coerced.is_ok()) return parameter_error_or(std::move(coerced).status(), input, column, idx, ctx);
      stored[idx] = std::move(coerced).value();
    }
    if (is_null(stored[idx]) && (!column.nullable || column.pk_position >= 0)) {
      return Status(ErrorCode::kNotNullViolation, "column '" + column.name + "' cannot be NULL")
          .with_detail("column_name", column.name);
    }
    out.row.cells.emplace_back(column.column_id, stored[idx]);
  }
  std::sort(out.row.cells.begin(), out.row.cells.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  KeyEncoder encoder;
  encoder.append_raw(prefix);
  if (schema.hidden_primary_key) {
    encoder.append_int64(seq);
  } else {
    for (const ColumnDef* pk_column : schema.primary_key()) {
      for (size_t idx = 0; idx < columns.size(); ++idx) {
        if (columns[idx].column_id == pk_column->column_id) append_key_value(encoder, stored[idx]);
      }
    }
  }
  out.key = encoder.release();
  return out;
}

std::string describe_key(const TableSchema& schema, const StoredRow& row) {
  std::string text;
  for (const ColumnDef* pk_column : schema.primary_key()) {
    if (!text.empty()) text += ", ";
    const Value* cell = find_cell(row, pk_column->column_id);
    text += cell == nullptr ? "NULL" : value_text(*cell);
  }
  return text;
}

// PRIMARY_KEY_VIOLATION: `row`'s primary key is held by a live row.
Status duplicate_key(const TableSchema& schema, const StoredRow& row) {
  std::string key_text = describe_key(schema, row);
  return Status(ErrorCode::kPrimaryKeyViolation,
                "duplicate primary key (" + key_text + ") in " + schema.qualified_name())
      .with_detail("table", schema.qualified_name())
      .with_detail("key", key_text);
}

// A key is taken by a live row: not a tombstone and not an expired STREAM row.
Result<bool> live_row_exists(const TableSchema& schema, const std::string& key) {
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> value, load_row(key));
  if (!value) return false;
  KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_row(*value));
  return !row.deleted && !expired(schema, row, engine_session().ctx->timestamp_us);
}

// UNIQUE columns: no other live row of the scope may hold the same non-NULL value.
// On a violation, `*conflict_key` is the other row's key and `*conflict_column` the column.
Status check_unique(const TableSchema& schema, const NewRow& row, const std::string& own_key,
                    std::string* conflict_key = nullptr, uint32_t* conflict_column = nullptr) {
  const auto& columns = schema.current().columns;
  for (size_t column = 0; column < columns.size(); ++column) {
    if (!columns[column].unique) continue;
    const Value* cell = find_cell(row.row, columns[column].column_id);
    auto key = cell == nullptr ? std::nullopt : stored_key(to_sql_value(*cell, columns[column]));
    if (!key) continue;
    EngineSession& session = engine_session();
    session.unique_claims.push_back(
        UniqueClaim{session.tables[schema.qualified_name()],
                    row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx)), row.key,
                    columns[column].column_id, *key, value_text(*cell)});
    KALAM_ASSIGN_OR_RETURN(std::shared_ptr<ScanSnapshot> snapshot, scope_snapshot(schema, nullptr));
    KALAM_ASSIGN_OR_RETURN(const ColumnIndex* index,
                           column_index(*snapshot, schema, static_cast<int>(column)));
    auto [first, last] = index->equal_range(*key);
    for (auto it = first; it != last; ++it) {
      const ScanRow& other = snapshot->rows[it->second];
      if (other.row.deleted || other.key == own_key || other.key == row.key) continue;
      if (conflict_key != nullptr) *conflict_key = other.key;
      if (conflict_column != nullptr) *conflict_column = columns[column].column_id;
      std::string value = value_text(*cell);
      return Status(ErrorCode::kPrimaryKeyViolation, "duplicate value " + value + " for UNIQUE column '" +
                                                         columns[column].name + "' of " +
                                                         schema.qualified_name())
          .with_detail("table", schema.qualified_name())
          .with_detail("key", value)
          .with_detail("column_name", columns[column].name)
          .with_detail("constraint", std::string("unique"));
    }
  }
  return Status::ok();
}

}  // namespace

Value row_column_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column) {
  return column_value(schema, row, column);
}

Status verify_unique_claims(ExecutorServices& services, const std::vector<UniqueClaim>& claims,
                            const PendingWrites& written, int64_t now_us) {
  for (const UniqueClaim& claim : claims) {
    const ColumnDef* column = claim.schema->find_column_by_id(claim.column_id);
    if (column == nullptr) continue;
    Status found;
    Status decode_status;
    KALAM_RETURN_IF_ERROR(services.storage->scan_prefix(
        ColumnFamily::kRows, claim.prefix, [&](std::string_view key, std::string_view value) {
          if (key == claim.key || written.find(std::string(key)) != nullptr) return true;
          auto row = decode_row(value);
          if (!row.is_ok()) {
            decode_status = row.status();
            return false;
          }
          if (row->deleted || expired(*claim.schema, *row, now_us)) return true;
          const Value* cell = row->cell(claim.column_id);
          auto other = cell == nullptr ? std::nullopt : stored_key(to_sql_value(*cell, *column));
          if (other && *other == claim.value_key) {
            found = Status(ErrorCode::kPrimaryKeyViolation, "a concurrent statement took the value " +
                                                                claim.value_text + " of UNIQUE column '" +
                                                                column->name + "'")
                        .with_detail("table", claim.schema->qualified_name())
                        .with_detail("key", claim.value_text)
                        .with_detail("column_name", column->name)
                        .with_detail("constraint", std::string("unique"))
                        .with_detail("concurrent", true);
            return false;
          }
          return true;
        }));
    KALAM_RETURN_IF_ERROR(decode_status);
    KALAM_RETURN_IF_ERROR(found);
  }
  return Status::ok();
}

namespace {

int table_update(sqlite3_vtab* base, int argc, sqlite3_value** argv, sqlite3_int64*) {
  auto* vtab = reinterpret_cast<TableVtab*>(base);
  EngineSession& session = engine_session();
  auto schema_ptr = schema_of(vtab);
  if (!schema_ptr || session.ctx == nullptr) return SQLITE_MISUSE;
  const TableSchema& schema = *schema_ptr;
  if (Status stream = check_stream_outside_transaction(schema); !stream.is_ok())
    return fail(base, std::move(stream));
  std::string prefix = row_scope_prefix(schema.table_id, scope_of(schema, *session.ctx));
  session.written_table = schema.qualified_name();

  // The key of a row SQLite scanned; its conflict base is the version the scan saw.
  auto old_key_of = [&](sqlite3_value* rowid) -> const std::string* {
    auto index = static_cast<size_t>(sqlite3_value_int64(rowid));
    if (index >= session.rowid_keys.size()) return nullptr;
    const std::string& key = session.rowid_keys[index];
    bool known =
        session.base_seq.count(key) != 0 || (session.tx != nullptr && session.tx->base_seq.count(key) != 0);
    if (!known) session.base_seq[key] = session.rowid_seqs[index];
    return &key;
  };
  // Returns whether a live row became a tombstone (deleting a tombstone does nothing).
  auto tombstone = [&](const std::string& key) -> Result<bool> {
    KALAM_ASSIGN_OR_RETURN(std::optional<std::string> value, load_row(key));
    if (!value) return false;
    KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_row(*value));
    if (row.deleted) return false;
    StoredRow before = row;
    row.deleted = true;
    row.seq = session.services->ids->next();
    write_pending(key, encode_row(row));
    record_change(schema, key, ChangeKind::kDelete, &before, nullptr, row.seq);
    return true;
  };

  if (argc == 1) {  // DELETE
    const std::string* key = old_key_of(argv[0]);
    if (key == nullptr) return fail(base, Status(ErrorCode::kInternalError, "unknown row in DELETE"));
    if (session.upsert_update_key) {
      return fail(base, Status(ErrorCode::kInvalidSqlSyntax, "ON CONFLICT … DO UPDATE cannot delete rows"));
    }
    auto deleted = tombstone(*key);
    if (!deleted.is_ok()) return fail(base, deleted.status());
    if (*deleted) session.counts.deleted++;
    return SQLITE_OK;
  }

  sqlite3_value** values = argv + 2;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  // INSERT
    for (int hidden = 0; hidden < 2; ++hidden) {
      if (sqlite3_value_type(values[schema.current().columns.size() + static_cast<size_t>(hidden)]) !=
          SQLITE_NULL) {
        return fail(base, Status(ErrorCode::kInvalidArgument, "_seq and _deleted are assigned by KalamDB")
                              .with_detail("argument", std::string("_seq")));
      }
    }
    auto row = build_row(schema, values, prefix, session.services->ids->next(), true);
    if (!row.is_ok()) return fail(base, row.status(), SQLITE_CONSTRAINT);
    auto exists = live_row_exists(schema, row->key);
    if (!exists.is_ok()) return fail(base, exists.status());
    UpsertProbe& probe = session.upsert;
    auto take_conflict = [&](const std::string& key) {
      probe.conflict_key = key;
      probe.excluded = row->row;
      auto existing = load_row(key);
      probe.conflict_seq = 0;
      if (existing.is_ok() && *existing) {
        auto header = decode_row_header(**existing);
        if (header.is_ok()) probe.conflict_seq = header->seq;
      }
      return SQLITE_OK;
    };
    if (*exists) {
      if (probe.active && probe.target != ConflictTarget::kUniqueColumn) return take_conflict(row->key);
      int mode = sqlite3_vtab_on_conflict(session.db);
      if (mode == SQLITE_IGNORE) return SQLITE_OK;
      if (mode != SQLITE_REPLACE) {
        return fail(base, duplicate_key(schema, row->row), SQLITE_CONSTRAINT);
      }
    }
    size_t claims_before = session.unique_claims.size();
    std::string other_key;
    uint32_t other_column = 0;
    Status unique = check_unique(schema, *row, row->key, &other_key, &other_column);
    if (!unique.is_ok()) {
      bool skipped = false;
      if (!other_key.empty() && probe.active && probe.target != ConflictTarget::kPrimaryKey &&
          (probe.target == ConflictTarget::kAny || probe.unique_column_id == other_column)) {
        take_conflict(other_key);
        skipped = true;
      }
      skipped = skipped || sqlite3_vtab_on_conflict(session.db) == SQLITE_IGNORE;
      if (skipped) {
        session.unique_claims.resize(claims_before);  // the row is not written: it claims nothing
        return SQLITE_OK;
      }
      return fail(base, unique, SQLITE_CONSTRAINT);
    }
    std::optional<StoredRow> replaced;
    if (*exists) {  // INSERT OR REPLACE over a live row: an update of that row
      auto old_value = load_row(row->key);
      if (old_value.is_ok() && *old_value) {
        auto old_row = decode_row(**old_value);
        if (old_row.is_ok()) replaced = std::move(old_row).value();
      }
    }
    write_pending(row->key, encode_row(row->row));
    record_change(schema, row->key, replaced ? ChangeKind::kUpdate : ChangeKind::kInsert,
                  replaced ? &*replaced : nullptr, &row->row, row->row.seq);
    session.counts.inserted++;
    return SQLITE_OK;
  }

  // UPDATE
  if (schema.table_type == TableType::kStream) {
    return fail(base,
                Status(ErrorCode::kInvalidArgument, "STREAM tables are append-only: UPDATE is not allowed")
                    .with_detail("argument", std::string("table")));
  }
  const std::string* old_key_ptr = old_key_of(argv[0]);
  if (old_key_ptr == nullptr) return fail(base, Status(ErrorCode::kInternalError, "unknown row in UPDATE"));
  std::string old_key = *old_key_ptr;
  if (session.upsert_update_key && *session.upsert_update_key != old_key) {
    // Defence in depth: the UPDATE of an upsert is spliced from client text; it may
    // touch only the row that conflicted.
    return fail(base, Status(ErrorCode::kInvalidSqlSyntax,
                             "ON CONFLICT … DO UPDATE may change only the row that conflicted"));
  }
  auto old_value = load_row(old_key);
  if (!old_value.is_ok()) return fail(base, old_value.status());
  if (!*old_value) return SQLITE_OK;
  auto old_row = decode_row(**old_value);
  if (!old_row.is_ok()) return fail(base, old_row.status());
  if (old_row->deleted) return SQLITE_OK;  // tombstones are never updated back to life
  // The new values were computed from the version the scan read; if a concurrent
  // commit replaced it since, this statement must not silently overwrite (or, when the
  // values happen to match, silently skip) that change.
  bool own_write = session.pending.find(old_key) != nullptr ||
                   (session.tx != nullptr && session.tx->writes.find(old_key) != nullptr);
  auto base_it = session.base_seq.find(old_key);
  if (!own_write && base_it != session.base_seq.end() && base_it->second != old_row->seq) {
    return fail(base, Status(ErrorCode::kTransactionConflict,
                             "the row changed while this statement ran; nothing was written"));
  }
  auto row = build_row(schema, values, prefix, session.services->ids->next(), false);
  if (!row.is_ok()) return fail(base, row.status(), SQLITE_CONSTRAINT);
  if (schema.hidden_primary_key) row->key = old_key;  // the hidden key never changes
  bool changed = row->key != old_key || old_row->schema_version != row->row.schema_version;
  for (const auto& [column_id, value] : row->row.cells) {
    const Value* before = find_cell(*old_row, column_id);
    changed = changed || before == nullptr || *before != value;
  }
  if (!changed) return SQLITE_OK;  // setting a column to its current value changes nothing
  if (row->key != old_key) {
    auto exists = live_row_exists(schema, row->key);
    if (!exists.is_ok()) return fail(base, exists.status());
    if (*exists) {
      return fail(base, duplicate_key(schema, row->row), SQLITE_CONSTRAINT);
    }
    auto removed = tombstone(old_key);
    if (!removed.is_ok()) return fail(base, removed.status());
  }
  Status unique = check_unique(schema, *row, old_key);
  if (!unique.is_ok()) return fail(base, unique, SQLITE_CONSTRAINT);
  write_pending(row->key, encode_row(row->row));
  if (row->key != old_key) {  // the tombstone of the old key is part of this update
    if (session.services->live != nullptr) session.changes.pop_back();
    if (session.collect_returned) session.returned.pop_back();
  }
  record_change(schema, row->key, ChangeKind::kUpdate, &*old_row, &row->row, row->row.seq);
  session.counts.updated++;
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
