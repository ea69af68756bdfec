// The `kalam_table` virtual-table module, write side (xUpdate): strictly typed rows built
// from SQLite's values, primary-key and UNIQUE checks (by key and index look-ups),
// tombstone deletes, upsert probes and RETURNING bookkeeping. Every write goes into the
// statement's or transaction's WriteSet through the table store; the query engine
// commits it.
#include <algorithm>

#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/string_util.h"
#include "sql/engine/engine_state.h"
#include "sql/engine/table_vtab_internal.h"

namespace kalam {
namespace {

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
bool omitted_by_insert(const StatementState& statement, const ColumnDef& column) {
  const auto& given = statement.insert_columns;
  return given && std::find(given->begin(), given->end(), column.name) == given->end();
}

std::vector<std::pair<std::string, Value>> named_values(const TableSchema& schema, const StoredRow& row) {
  std::vector<std::pair<std::string, Value>> values;
  for (const ColumnDef& column : schema.current().columns) {
    values.emplace_back(column.name, TableStore::column_value(schema, row, column));
  }
  values.emplace_back("_seq", Value(row.seq));
  return values;
}

// RETURNING rows and change events of one write (write number `write_index` in the write
// set's log). `patch_seq`: RETURNING shows the _seq the commit gives the write (not for
// DELETE, which returns the row as it was).
void record_change(StatementState& statement, const ScopeRef& ref, const std::string& key, ChangeKind kind,
                   const StoredRow* old_row, const StoredRow* new_row, size_t write_index) {
  if (statement.collect_returned) {
    bool patch_seq = new_row != nullptr;
    statement.returned.push_back(
        ReturnedRow{key, new_row != nullptr ? *new_row : *old_row, patch_seq ? write_index : SIZE_MAX});
    statement.returned_bytes +=
        sizeof(ReturnedRow) + key.size() + WriteSet::footprint(statement.returned.back().row);
  }
  LiveQueryManager* live = statement.services->live;
  if (live == nullptr) return;  // nobody consumes change events
  if (!live->wants_changes(ref.schema->table_id, ref.scope))
    return statement.writes->note_unrecorded_change();
  RowChange change;
  change.table = ref.schema->qualified_name();
  change.table_id = ref.schema->table_id;
  change.scope = ref.scope;
  change.key = key;
  change.kind = kind;
  if (old_row != nullptr) change.old_values = named_values(*ref.schema, *old_row);
  if (new_row != nullptr) change.new_values = named_values(*ref.schema, *new_row);
  change.seq = new_row != nullptr ? new_row->seq : old_row->seq;
  statement.writes->add_change(std::move(change));
}

// A value that came from a $n parameter and does not fit its column is reported as
// PARAM_TYPE_MISMATCH naming the parameter. The engine sees values, not their origin:
// the candidates are the parameters the statement places directly in this column
// (`position` = its index in the current columns), or every parameter when the
// statement's shape does not tell (INSERT … SELECT); the one whose value equals the
// rejected input is named.
Status parameter_error_or(const StatementState& statement, Status status, const Value& input,
                          const ColumnDef& column, size_t position) {
  if (status.code() != ErrorCode::kTypeMismatch) return status;
  const ExecutionContext& ctx = *statement.ctx;
  const ParamPlacements& placements = statement.param_placements;
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
Result<NewRow> build_row(StatementState& statement, const ScopeRef& ref, sqlite3_value** values, int64_t seq,
                         bool inserting) {
  const ExecutionContext& ctx = *statement.ctx;
  const TableSchema& schema = *ref.schema;
  NewRow out;
  out.row.schema_version = schema.schema_version();
  out.row.seq = seq;
  const auto& columns = schema.current().columns;
  std::vector<Value> stored(columns.size());
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    const ColumnDef& column = columns[idx];
    if (inserting && column.default_expr && omitted_by_insert(statement, column) &&
        sqlite3_value_type(values[idx]) == SQLITE_NULL) {
      KALAM_ASSIGN_OR_RETURN(DefaultSpec spec, parse_default(column.default_expr.value_or("NULL"), column));
      DefaultContext default_ctx;
      default_ctx.now_us = ctx.timestamp_us;
      default_ctx.user_id = ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
      ExecutorServices* services = statement.services;
      default_ctx.next_snowflake_id = [services] { return services->ids->next(); };
      KALAM_ASSIGN_OR_RETURN(stored[idx], evaluate_default(spec, column, default_ctx));
    } else {
      Value input = from_sqlite(values[idx]);
      auto coerced = coerce_value(input, column);
      if (!coerced.is_ok())
        return parameter_error_or(statement, std::move(coerced).status(), input, column, idx);
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
  if (schema.hidden_primary_key) {
    out.key = statement.store->hidden_row_key(ref, seq);
  } else {
    std::vector<Value> pk_values;
    for (const ColumnDef* pk_column : schema.primary_key()) {
      for (size_t idx = 0; idx < columns.size(); ++idx) {
        if (columns[idx].column_id == pk_column->column_id) pk_values.push_back(stored[idx]);
      }
    }
    out.key = statement.store->row_key(ref, pk_values);
  }
  return out;
}

std::string describe_key(const TableSchema& schema, const StoredRow& row) {
  std::string text;
  for (const ColumnDef* pk_column : schema.primary_key()) {
    if (!text.empty()) text += ", ";
    const Value* cell = row.cell(pk_column->column_id);
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

bool live(const ScopeRef& ref, const std::optional<StoredRow>& row, int64_t now_us) {
  return row && !row->deleted &&
         !(ref.is_stream() && stream_row_expired(ref.schema->options.ttl_seconds, *row, now_us));
}

// The row SQLite scanned as `rowid` must still be the version it saw: otherwise the
// values it computed are stale (TRANSACTION_CONFLICT), unless this write set wrote it.
Status check_unchanged_since_scan(const StatementState& statement, const std::string& key, size_t rowid_index,
                                  const StoredRow& current) {
  if (statement.writes->find(key) != nullptr) return Status::ok();
  if (current.seq == statement.rowid_seqs[rowid_index]) return Status::ok();
  return Status(ErrorCode::kTransactionConflict,
                "the row changed while this statement ran; nothing was written");
}

}  // namespace

int table_update(sqlite3_vtab* base, int argc, sqlite3_value** argv, sqlite3_int64*) {
  auto* vtab = reinterpret_cast<TableVtab*>(base);
  StatementState* statement_ptr = engine_connection().statement;
  auto schema_ptr = schema_of(vtab);
  if (!schema_ptr || statement_ptr == nullptr) return SQLITE_MISUSE;
  StatementState& statement = *statement_ptr;
  const TableSchema& schema = *schema_ptr;
  if (Status stream = check_stream_outside_transaction(schema); !stream.is_ok())
    return fail(base, std::move(stream));
  if (Status limit = check_write_limits(statement); !limit.is_ok()) return fail(base, std::move(limit));
  ScopeRef ref = table_ref(statement, schema_ptr);
  TableStore& store = *statement.store;
  WriteSet& writes = *statement.writes;
  int64_t now_us = statement.ctx->timestamp_us;
  statement.written_table = schema.qualified_name();
  statement.scope_scans.erase(ref.scope_prefix);  // a cached scan of the scope is stale now

  // The key and rowid index of a row SQLite scanned.
  auto scanned = [&](sqlite3_value* rowid) -> std::optional<size_t> {
    auto index = static_cast<size_t>(sqlite3_value_int64(rowid));
    if (index >= statement.rowid_keys.size()) return std::nullopt;
    return index;
  };

  if (argc == 1) {  // DELETE: the row becomes a tombstone (deleting a tombstone does nothing)
    auto index = scanned(argv[0]);
    if (!index) return fail(base, Status(ErrorCode::kInternalError, "unknown row in DELETE"));
    if (statement.upsert_update_key) {
      return fail(base, Status(ErrorCode::kInvalidSqlSyntax, "ON CONFLICT … DO UPDATE cannot delete rows"));
    }
    std::string key = statement.rowid_keys[*index];
    auto old = store.load_for_write(writes, ref, key);
    if (!old.is_ok()) return fail(base, old.status());
    if (!*old || (*old)->deleted) return SQLITE_OK;
    if (Status unchanged = check_unchanged_since_scan(statement, key, *index, **old); !unchanged.is_ok())
      return fail(base, std::move(unchanged));
    StoredRow tombstone = **old;
    tombstone.deleted = true;
    tombstone.seq = statement.services->ids->next();
    size_t write = store.put(writes, ref, key, *old, tombstone);
    record_change(statement, ref, key, ChangeKind::kDelete, &**old, nullptr, write);
    statement.counts.deleted++;
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
    auto row = build_row(statement, ref, values, statement.services->ids->next(), true);
    if (!row.is_ok()) return fail(base, row.status(), SQLITE_CONSTRAINT);
    auto existing = store.load_for_write(writes, ref, row->key);
    if (!existing.is_ok()) return fail(base, existing.status());
    bool exists = live(ref, *existing, now_us);
    UpsertProbe& probe = statement.upsert;
    auto take_conflict = [&](const std::string& key) {
      probe.conflict_key = key;
      probe.excluded = row->row;
      probe.conflict_seq = 0;
      auto conflicting = store.load_for_write(writes, ref, key);
      if (conflicting.is_ok() && *conflicting) probe.conflict_seq = (*conflicting)->seq;
      return SQLITE_OK;
    };
    if (exists) {
      if (probe.active && probe.target != ConflictTarget::kUniqueIndex) return take_conflict(row->key);
      int mode = sqlite3_vtab_on_conflict(engine_connection().db);
      if (mode == SQLITE_IGNORE) return SQLITE_OK;
      if (mode != SQLITE_REPLACE) return fail(base, duplicate_key(schema, row->row), SQLITE_CONSTRAINT);
    }
    auto conflict = store.check_unique(writes, statement.read_view(), ref, row->key, row->row);
    if (!conflict.is_ok()) return fail(base, conflict.status());
    if (*conflict) {
      const UniqueConflict& found = **conflict;
      if (probe.active && probe.target != ConflictTarget::kPrimaryKey &&
          (probe.target == ConflictTarget::kAny || probe.unique_index_id == found.index->index_id)) {
        return take_conflict(found.other_key);
      }
      if (sqlite3_vtab_on_conflict(engine_connection().db) == SQLITE_IGNORE) return SQLITE_OK;
      return fail(base, unique_violation_error(schema, *found.index, found.values_text, false),
                  SQLITE_CONSTRAINT);
    }
    // INSERT OR REPLACE over a live row is an update of that row.
    const StoredRow* replaced = exists ? &**existing : nullptr;
    size_t write = store.put(writes, ref, row->key, *existing, row->row);
    record_change(statement, ref, row->key, replaced != nullptr ? ChangeKind::kUpdate : ChangeKind::kInsert,
                  replaced, &row->row, write);
    statement.counts.inserted++;
    return SQLITE_OK;
  }

  // UPDATE
  if (schema.table_type == TableType::kStream) {
    return fail(base,
                Status(ErrorCode::kInvalidArgument, "STREAM tables are append-only: UPDATE is not allowed")
                    .with_detail("argument", std::string("table")));
  }
  auto index = scanned(argv[0]);
  if (!index) return fail(base, Status(ErrorCode::kInternalError, "unknown row in UPDATE"));
  std::string old_key = statement.rowid_keys[*index];
  if (statement.upsert_update_key && *statement.upsert_update_key != old_key) {
    // Defence in depth: the UPDATE of an upsert is spliced from client text; it may
    // touch only the row that conflicted.
    return fail(base, Status(ErrorCode::kInvalidSqlSyntax,
                             "ON CONFLICT … DO UPDATE may change only the row that conflicted"));
  }
  auto old = store.load_for_write(writes, ref, old_key);
  if (!old.is_ok()) return fail(base, old.status());
  if (!*old || (*old)->deleted) return SQLITE_OK;  // tombstones are never updated back to life
  const StoredRow old_row = **old;
  // The new values were computed from the version the scan read; if a concurrent
  // commit replaced it since, this statement must not silently overwrite (or, when the
  // values happen to match, silently skip) that change.
  if (Status unchanged = check_unchanged_since_scan(statement, old_key, *index, old_row); !unchanged.is_ok())
    return fail(base, std::move(unchanged));
  auto row = build_row(statement, ref, values, statement.services->ids->next(), false);
  if (!row.is_ok()) return fail(base, row.status(), SQLITE_CONSTRAINT);
  if (schema.hidden_primary_key) row->key = old_key;  // the hidden key never changes
  bool changed = row->key != old_key || old_row.schema_version != row->row.schema_version;
  for (const auto& [column_id, value] : row->row.cells) {
    const Value* before = old_row.cell(column_id);
    changed = changed || before == nullptr || *before != value;
  }
  if (!changed) return SQLITE_OK;  // setting a column to its current value changes nothing
  std::optional<StoredRow> replaced = old_row;
  if (row->key != old_key) {
    auto target = store.load_for_write(writes, ref, row->key);
    if (!target.is_ok()) return fail(base, target.status());
    if (live(ref, *target, now_us)) return fail(base, duplicate_key(schema, row->row), SQLITE_CONSTRAINT);
    // The old key becomes a tombstone: part of this update (no event, no RETURNING row).
    StoredRow tombstone = old_row;
    tombstone.deleted = true;
    tombstone.seq = statement.services->ids->next();
    store.put(writes, ref, old_key, old_row, tombstone);
    replaced = *target;
  }
  auto conflict = store.check_unique(writes, statement.read_view(), ref, row->key, row->row);
  if (!conflict.is_ok()) return fail(base, conflict.status());
  if (*conflict) {
    return fail(base, unique_violation_error(schema, *(*conflict)->index, (*conflict)->values_text, false),
                SQLITE_CONSTRAINT);
  }
  size_t write = store.put(writes, ref, row->key, replaced, row->row);
  record_change(statement, ref, row->key, ChangeKind::kUpdate, &old_row, &row->row, write);
  statement.counts.updated++;
  return SQLITE_OK;
}

}  // namespace kalam
