// TableStore: reads, writes, UNIQUE checks, the commit path, and the table-wide work of
// DDL and jobs (index builds, consistency checks, STREAM eviction).
#include "table_store/table_store.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "catalog/schema_registry.h"
#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "storage/key_encoding.h"
#include "storage/system_keys.h"
#include "table_store/commit_sequencer.h"
#include "table_store/key_layout.h"
#include "table_store/lock_table.h"
#include "table_store/row_cursors.h"

namespace kalam {

// ---- helpers ------------------------------------------------------------------------

ScopeRef ScopeRef::of(std::shared_ptr<const TableSchema> schema, std::string_view effective_user) {
  ScopeRef ref;
  ref.scope = table_scope(*schema, effective_user);
  ref.scope_prefix = row_scope_prefix(schema->table_id, ref.scope);
  ref.family = row_family(schema->table_type);
  ref.schema = std::move(schema);
  return ref;
}

bool stream_row_expired(int64_t ttl_seconds, const StoredRow& row, int64_t now_us) {
  if (ttl_seconds <= 0) return false;
  return snowflake_unix_ms(row.seq) * 1000 + ttl_seconds * 1000000 <= now_us;
}

namespace {

// Map-node bookkeeping counted by WriteSet::memory_bytes for a pending row (its rows_
// node, the scope string) and for an index operation.
constexpr size_t kRowOverhead = 96;
constexpr size_t kIndexOpOverhead = 64;

constexpr size_t kMaxProblems = 100;

// Lock-table keys: rows and UNIQUE values.
std::string row_lock(std::string_view row_key) { return row_lock_key(row_key); }
std::string unique_lock(std::string_view value_prefix) {
  std::string key("U");
  key.append(value_prefix);
  return key;
}

std::vector<std::string> sorted_unique(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

const std::string& seq_high_water_key() {
  static const std::string key = system_keys::make(system_keys::kMeta, "max_seq");
  return key;
}

Status concurrent_insert_error() {
  return Status(ErrorCode::kPrimaryKeyViolation, "a concurrent statement inserted the same primary key")
      .with_detail("key", std::string("(concurrent insert)"))
      .with_detail("concurrent", true);
}

Status write_conflict_error() {
  return Status(ErrorCode::kTransactionConflict,
                "another statement changed a row this one writes since it was read; nothing was committed");
}

Status schema_conflict_error(std::string_view why) {
  return Status(ErrorCode::kTransactionConflict,
                "a table this statement writes was " + std::string(why) + " meanwhile; nothing was committed")
      .with_detail("reason", std::string("schema"));
}

bool is_sql_null(const Value& value) {
  if (is_null(value)) return true;
  const auto* real = std::get_if<double>(&value);
  return real != nullptr && std::isnan(*real);
}

std::string values_text(const std::vector<Value>& values) {
  std::string text;
  for (const Value& value : values) {
    if (!text.empty()) text += ", ";
    text += value_text(value);
  }
  return text;
}

std::string index_columns_text(const TableSchema& schema, const IndexDef& index) {
  std::string text;
  for (uint32_t column_id : index.column_ids) {
    const ColumnDef* column = schema.find_column_by_id(column_id);
    if (!text.empty()) text += ", ";
    text += column == nullptr ? "?" : column->name;
  }
  return text;
}

// The _seq of a stored row value (0 when `value` is empty).
Result<int64_t> stored_seq(std::string_view value) {
  KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(value));
  return header.seq;
}

}  // namespace

std::vector<Value> index_values(const TableSchema& schema, const IndexDef& index, const StoredRow& row) {
  std::vector<Value> values;
  values.reserve(index.column_ids.size());
  for (uint32_t column_id : index.column_ids) {
    const ColumnDef* column = schema.find_column_by_id(column_id);
    values.push_back(column == nullptr ? Value() : TableStore::stored_value(schema, row, *column));
  }
  return values;
}

Status unique_violation_error(const TableSchema& schema, const IndexDef& index, const std::string& values,
                              bool concurrent) {
  std::string message;
  Status status(ErrorCode::kPrimaryKeyViolation, "");
  if (index.implicit && index.column_ids.size() == 1) {
    const ColumnDef* column = schema.find_column_by_id(index.column_ids[0]);
    std::string name = column == nullptr ? "?" : column->name;
    message =
        concurrent
            ? "a concurrent statement took the value " + values + " of UNIQUE column '" + name + "'"
            : "duplicate value " + values + " for UNIQUE column '" + name + "' of " + schema.qualified_name();
    status = Status(ErrorCode::kPrimaryKeyViolation, message).with_detail("column_name", name);
  } else {
    message = (concurrent ? "a concurrent statement took the value (" : "duplicate value (") + values +
              ") of UNIQUE index '" + index.name + "' on " + schema.qualified_name() + " (" +
              index_columns_text(schema, index) + ")";
    status = Status(ErrorCode::kPrimaryKeyViolation, message).with_detail("index", index.name);
  }
  status.with_detail("table", schema.qualified_name())
      .with_detail("key", values)
      .with_detail("constraint", std::string("unique"));
  if (concurrent) status.with_detail("concurrent", true);
  return status;
}

namespace {

std::string key_to_hex(std::string_view key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : key.substr(0, 64)) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  if (key.size() > 64) out += "…";
  return out;
}

const std::vector<uint32_t> kNoColumns;

}  // namespace

Value TableStore::column_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column) {
  return to_sql_value(stored_value(schema, row, column), column);
}

Value TableStore::stored_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column) {
  if (const Value* cell = row.cell(column.column_id)) return *cell;
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
      if (spec.is_ok() && spec->function == DefaultFunction::kNone) return spec->literal;
      return Value();
    }
  }
  return Value();
}

// ---- construction -------------------------------------------------------------------

TableStore::TableStore(StorageEngine& storage, SchemaRegistry& registry, SnowflakeGenerator& ids)
    : storage_(storage),
      registry_(registry),
      ids_(ids),
      locks_(std::make_unique<KeyLockTable>()),
      sequencer_(std::make_unique<CommitSequencer>(ids)),
      cold_(std::make_unique<ColdSegments>(storage, kColdCacheBytes)) {}

TableStore::~TableStore() = default;

// ---- reads --------------------------------------------------------------------------

std::string TableStore::row_key(const ScopeRef& table, const std::vector<Value>& pk_values) const {
  return kalam::row_key(table.scope_prefix, pk_values);
}

std::string TableStore::hidden_row_key(const ScopeRef& table, int64_t id) const {
  return kalam::row_key(table.scope_prefix, {Value(id)});
}

bool TableStore::owns_key(const ScopeRef& table, std::string_view key) const {
  return key.size() > table.scope_prefix.size() &&
         key.compare(0, table.scope_prefix.size(), table.scope_prefix) == 0;
}

Result<std::optional<StoredRow>> TableStore::get(const ReadView& view, const ScopeRef& table,
                                                 const std::string& key,
                                                 const std::vector<uint32_t>* columns) const {
  if (view.writes != nullptr) {
    if (const PendingRow* pending = view.writes->find(key)) {
      if (!pending->row) return std::optional<StoredRow>();
      StoredRow row;
      project_row(*pending->row, columns, &row);
      return std::optional<StoredRow>(std::move(row));
    }
  }
  std::string value;
  KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(table.family, key, &value, view.snapshot.get()));
  if (!exists) return std::optional<StoredRow>();
  StoredRow row;
  KALAM_RETURN_IF_ERROR(decode_stored_row(value, columns, &row));
  if (row.cold) {
    ColdReadContext context;
    KALAM_RETURN_IF_ERROR(cold_->fill(&context, *row.cold, columns, &row));
  }
  return std::optional<StoredRow>(std::move(row));
}

Result<StoredRow> TableStore::decode_full(std::string_view value) const {
  KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_row(value));
  if (row.cold) {
    ColdReadContext context;
    KALAM_RETURN_IF_ERROR(cold_->fill(&context, *row.cold, nullptr, &row));
  }
  return row;
}

Result<std::unique_ptr<RowCursor>> TableStore::open_cursor(const ReadView& view, const ScopeRef& table,
                                                           const ScanSpec& spec) const {
  if (spec.access == ScanSpec::Access::kSeq && !view.snapshot) {
    // The latest state: the iterator's implicit snapshot comes after this visible_seq.
    ReadView latest = view;
    latest.visible_seq = visible_seq();
    return open_row_cursor(storage_, latest, table, spec, &entries_read_, cold_.get());
  }
  return open_row_cursor(storage_, view, table, spec, &entries_read_, cold_.get());
}

// ---- writes -------------------------------------------------------------------------

Result<std::optional<StoredRow>> TableStore::load_for_write(WriteSet& writes, const ScopeRef& table,
                                                            const std::string& key) const {
  // The version this write decides on is the one it read: the commit checks it again.
  return read_for_transaction(writes, ReadView{}, table, key);
}

Result<std::optional<StoredRow>> TableStore::read_for_transaction(WriteSet& writes, const ReadView& view,
                                                                  const ScopeRef& table,
                                                                  const std::string& key) const {
  if (const PendingRow* pending = writes.find(key)) return pending->row;
  std::string value;
  KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(table.family, key, &value, view.snapshot.get()));
  if (!exists) {
    writes.note_read(key, table.family, 0);
    return std::optional<StoredRow>();
  }
  KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_full(value));
  writes.note_read(key, table.family, row.seq);
  return std::optional<StoredRow>(std::move(row));
}

Result<std::optional<UniqueConflict>> TableStore::check_unique(WriteSet& writes, const ReadView& view,
                                                               const ScopeRef& table, const std::string& key,
                                                               const StoredRow& row) const {
  const TableSchema& schema = *table.schema;
  std::string_view own_pk = pk_suffix(key, table.scope_prefix.size());
  for (const IndexDef& index : schema.indexes) {
    if (!index.unique) continue;
    std::vector<Value> values = index_values(schema, index, row);
    if (std::any_of(values.begin(), values.end(), is_sql_null)) continue;  // NULLs are never equal
    std::string prefix = index_scope_prefix(schema.table_id, index.index_id, table.scope);
    std::string value_prefix = index_value_prefix(prefix, values);
    std::string end = prefix_successor(value_prefix);
    auto conflict = [&](std::string_view other_pk) {
      UniqueConflict found;
      found.index = &index;
      found.other_key = table.scope_prefix;
      found.other_key.append(other_pk);
      found.values_text = values_text(values);
      return std::optional<UniqueConflict>(std::move(found));
    };
    // Entries the write set puts.
    const auto& ops = writes.index_ops();
    for (auto it = ops.lower_bound(value_prefix); it != ops.end() && it->first < end; ++it) {
      std::string_view other_pk = std::string_view(it->first).substr(value_prefix.size());
      if (it->second != IndexOp::kDelete && other_pk != own_pk) return conflict(other_pk);
    }
    // Committed entries the write set does not delete.
    KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(ColumnFamily::kIndex, value_prefix, end));
    for (iterator->seek(value_prefix); iterator->valid(); iterator->next()) {
      std::string entry(iterator->key());
      auto op = ops.find(entry);
      if (op != ops.end() && op->second == IndexOp::kDelete) continue;
      std::string other_pk = entry.substr(value_prefix.size());
      if (other_pk == own_pk) continue;
      if (table.is_stream()) {  // an expired STREAM row frees its values
        std::string other_key = table.scope_prefix + other_pk;
        KALAM_ASSIGN_OR_RETURN(std::optional<StoredRow> other,
                               get(ReadView{nullptr, &writes, view.now_us}, table, other_key, &kNoColumns));
        if (!other || other->deleted || stream_row_expired(schema.options.ttl_seconds, *other, view.now_us))
          continue;
      }
      return conflict(other_pk);
    }
    KALAM_RETURN_IF_ERROR(iterator->status());
    WriteSet::UniqueClaim claim;
    claim.value_prefix = value_prefix;
    claim.index_prefix_size = prefix.size();
    claim.value_count = values.size();
    claim.pk = std::string(own_pk);
    claim.table_id = schema.table_id;
    claim.scope_prefix = table.scope_prefix;
    claim.stream = table.is_stream();
    claim.ttl_seconds = schema.options.ttl_seconds;
    claim.index_name = index.name;
    claim.values_text = values_text(values);
    writes.claims_.push_back(std::move(claim));
  }
  return std::optional<UniqueConflict>();
}

void TableStore::index_deltas(WriteSet& writes, const ScopeRef& table, std::string_view pk,
                              const std::optional<StoredRow>& old_row,
                              const std::optional<StoredRow>& new_row) const {
  const TableSchema& schema = *table.schema;
  bool old_live = old_row && !old_row->deleted;
  bool new_live = new_row && !new_row->deleted;
  for (const IndexDef& index : schema.indexes) {
    std::string prefix = index_scope_prefix(schema.table_id, index.index_id, table.scope);
    std::string old_entry =
        old_live ? index_entry_key(prefix, index_values(schema, index, *old_row), pk) : "";
    std::string new_entry =
        new_live ? index_entry_key(prefix, index_values(schema, index, *new_row), pk) : "";
    if (old_entry == new_entry) {
      // Unchanged: nothing to write, but the write set's index reads must see it.
      if (!new_entry.empty()) writes.index_ops_.try_emplace(new_entry, IndexOp::kKeep);
      continue;
    }
    for (const auto& [entry, op] :
         {std::pair{&old_entry, IndexOp::kDelete}, std::pair{&new_entry, IndexOp::kPut}}) {
      if (entry->empty()) continue;
      auto [slot, added] = writes.index_ops_.insert_or_assign(*entry, op);
      if (added) writes.memory_bytes_ += entry->size() + kIndexOpOverhead;
    }
  }
}

size_t TableStore::put(WriteSet& writes, const ScopeRef& table, const std::string& key,
                       const std::optional<StoredRow>& old, StoredRow row) const {
  auto [it, inserted] = writes.rows_.try_emplace(key);
  PendingRow& pending = it->second;
  if (inserted) {
    pending.table_id = table.schema->table_id;
    pending.family = table.family;
    pending.scope = table.scope;
    pending.scope_prefix_size = table.scope_prefix.size();
    pending.stream = table.is_stream();
    if (auto read = writes.reads_.find(key); read != writes.reads_.end()) {
      pending.base_seq = read->second.seq;
      writes.reads_.erase(read);
    } else {
      // Not loaded first (a caller bug, or a key known to be new): read the base now.
      std::string value;
      auto exists = storage_.get_into(table.family, key, &value);
      if (exists.is_ok() && *exists) {
        auto seq = stored_seq(value);
        if (seq.is_ok()) pending.base_seq = *seq;
      }
    }
  }
  index_deltas(writes, table, pk_suffix(key, table.scope_prefix.size()), old, std::optional<StoredRow>(row));
  if (inserted) writes.memory_bytes_ += sizeof(PendingRow) + 2 * key.size() + kRowOverhead;
  if (pending.row) writes.memory_bytes_ -= std::min(writes.memory_bytes_, WriteSet::footprint(*pending.row));
  writes.memory_bytes_ += WriteSet::footprint(row) + sizeof(void*);  // and its write-log slot
  pending.row = std::move(row);
  writes.write_log_.push_back(it);
  // The epoch of the table's first write: if a later write of this set saw other indexes
  // (an index was created or dropped in between), the epochs differ at commit and the set
  // is refused, instead of committing rows that miss an index's entries.
  writes.table_epochs_.try_emplace(table.schema->table_id, table.schema->index_epoch);
  return writes.write_log_.size() - 1;
}

// ---- commit -------------------------------------------------------------------------

Status TableStore::validate(WriteSet& writes) const {
  std::string value;
  for (const auto& [key, pending] : writes.rows_) {
    KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(pending.family, key, &value));
    int64_t current = 0;
    if (exists) {
      KALAM_ASSIGN_OR_RETURN(current, stored_seq(value));
    }
    if (current == pending.base_seq) continue;
    if (pending.base_seq == 0) return concurrent_insert_error();
    return write_conflict_error();
  }
  for (const auto& [key, read] : writes.reads_) {
    KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(read.family, key, &value));
    int64_t current = 0;
    if (exists) {
      KALAM_ASSIGN_OR_RETURN(current, stored_seq(value));
    }
    if (current != read.seq) return write_conflict_error();
  }
  for (const WriteSet::UniqueClaim& claim : writes.claims_) {
    // A claim the write set later gave up (the row changed again, or was deleted).
    auto own = writes.index_ops_.find(claim.value_prefix + claim.pk);
    if (own == writes.index_ops_.end() || own->second == IndexOp::kDelete) continue;
    std::string end = prefix_successor(claim.value_prefix);
    KALAM_ASSIGN_OR_RETURN(auto iterator,
                           storage_.new_iterator(ColumnFamily::kIndex, claim.value_prefix, end));
    for (iterator->seek(claim.value_prefix); iterator->valid(); iterator->next()) {
      std::string entry(iterator->key());
      auto op = writes.index_ops_.find(entry);
      if (op != writes.index_ops_.end() && op->second == IndexOp::kDelete) continue;
      std::string other_pk = entry.substr(claim.value_prefix.size());
      if (other_pk == claim.pk) continue;
      std::string other_key = claim.scope_prefix + other_pk;
      if (writes.rows_.count(other_key) != 0) continue;  // rewritten by this write set
      if (claim.stream) {
        KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(ColumnFamily::kStreams, other_key, &value));
        if (!exists) continue;
        KALAM_ASSIGN_OR_RETURN(StoredRow other, decode_row(value));
        if (other.deleted || stream_row_expired(claim.ttl_seconds, other, now_unix_micros())) continue;
      }
      auto catalog = registry_.snapshot();
      const TableDef* def = catalog->find_table_by_id(claim.table_id);
      const IndexDef* index =
          def != nullptr && def->schema ? def->schema->find_index(claim.index_name) : nullptr;
      if (index == nullptr) return schema_conflict_error("changed");
      return unique_violation_error(*def->schema, *index, claim.values_text, true);
    }
    KALAM_RETURN_IF_ERROR(iterator->status());
  }
  return Status::ok();
}

Status TableStore::check_epochs(const WriteSet& writes) const {
  auto catalog = registry_.snapshot();
  for (const auto& [table_id, epoch] : writes.table_epochs_) {
    const TableDef* def = catalog->find_table_by_id(table_id);
    if (def == nullptr || !def->schema) return schema_conflict_error("dropped");
    if (def->schema->index_epoch != epoch) return schema_conflict_error("re-indexed");
  }
  return Status::ok();
}

void TableStore::build_batch(WriteSet& writes, const WriteBatch& extra, WriteBatch* batch) const {
  std::string pk_buffer;
  for (auto& [key, pending] : writes.rows_) {
    std::string_view pk = pk_suffix(key, pending.scope_prefix_size);
    std::string seq_prefix = seq_scope_prefix(pending.table_id, pending.scope);
    if (pending.row) {
      pending.row->seq = pending.final_seq;
      batch->put(pending.family, key, encode_row(*pending.row));
      batch->put(ColumnFamily::kIndex, seq_key(seq_prefix, pending.final_seq), pk);
      if (pending.stream) {
        batch->put(ColumnFamily::kIndex, expiry_key(pending.table_id, pending.final_seq, pending.scope, pk),
                   "");
      }
    } else {
      batch->del(pending.family, key);
    }
    if (pending.base_seq != 0) {
      batch->del(ColumnFamily::kIndex, seq_key(seq_prefix, pending.base_seq));
      if (pending.stream) {
        batch->del(ColumnFamily::kIndex, expiry_key(pending.table_id, pending.base_seq, pending.scope, pk));
      }
    }
  }
  for (const auto& [key, op] : writes.index_ops_) {
    if (op == IndexOp::kPut) batch->put(ColumnFamily::kIndex, key, "");
    if (op == IndexOp::kDelete) batch->del(ColumnFamily::kIndex, key);
  }
  // The high-water mark moves in steps of kHighWaterStepMs of _seq time, so that most
  // commits write one key less; start-up adds the step (last_seq_on_disk). Every commit
  // that finds the step crossed writes the mark itself, and persisted_high_water_ moves
  // only once such a batch is written (mark_written): a commit that skips the mark relies
  // on a mark already in the WAL before its own batch.
  writes.high_water_written_ = 0;
  if (!writes.final_seqs_.empty()) {
    int64_t seq = writes.final_seqs_.back();
    int64_t persisted = persisted_high_water_.load(std::memory_order_acquire);
    if (snowflake_unix_ms(seq) >= snowflake_unix_ms(persisted) + kHighWaterStepMs) {
      batch->max_u64(ColumnFamily::kSystem, seq_high_water_key(), static_cast<uint64_t>(seq));
      writes.high_water_written_ = seq;
    }
  }
  batch->append(extra);
}

void TableStore::mark_written(const WriteSet& writes) {
  int64_t seq = writes.high_water_written_;
  if (seq == 0) return;
  int64_t persisted = persisted_high_water_.load(std::memory_order_relaxed);
  while (persisted < seq && !persisted_high_water_.compare_exchange_weak(
                                persisted, seq, std::memory_order_release, std::memory_order_relaxed)) {
  }
}

Result<int64_t> TableStore::last_seq_on_disk(const StorageEngine& storage) {
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> value,
                         storage.get(ColumnFamily::kSystem, seq_high_water_key()));
  if (!value || value->size() != 8) return int64_t{0};
  uint64_t seq = 0;
  for (unsigned char byte : *value) seq = (seq << 8) | byte;
  // Commits within kHighWaterStepMs of the stored mark did not raise it: cover them.
  return static_cast<int64_t>(seq) + ((kHighWaterStepMs + 1) << kSnowflakeTimestampShift);
}

Status TableStore::commit(WriteSet& writes, const WriteBatch& extra, LiveQueryManager* live,
                          const BeforeWrite& before_write) {
  if (writes.empty()) {
    if (before_write) KALAM_RETURN_IF_ERROR(before_write());
    if (!extra.empty()) KALAM_RETURN_IF_ERROR(storage_.write(extra));
    return Status::ok();
  }
  std::vector<std::string> lock_keys;
  lock_keys.reserve(writes.rows_.size() + writes.reads_.size() + writes.claims_.size());
  for (const auto& [key, pending] : writes.rows_) lock_keys.push_back(row_lock(key));
  for (const auto& [key, read] : writes.reads_) lock_keys.push_back(row_lock(key));
  for (const auto& claim : writes.claims_) lock_keys.push_back(unique_lock(claim.value_prefix));
  KeyLockGuard locked(*locks_, sorted_unique(std::move(lock_keys)));
  KALAM_RETURN_IF_ERROR(validate(writes));

  CommitSequencer::Ticket ticket = sequencer_->begin(writes.write_log_.size());
  // From here on the ticket must be finished, whatever happens.
  Status status = check_epochs(writes);  // after the ticket: see wait_for_commits_in_flight
  if (status.is_ok()) {
    writes.final_seqs_ = ticket.seqs;
    for (size_t idx = 0; idx < writes.write_log_.size(); ++idx) {
      writes.write_log_[idx]->second.final_seq = ticket.seqs[idx];
    }
    for (PendingChange& pending : writes.changes_) {
      int64_t seq = writes.final_seq_of(pending.write_index);
      pending.change.seq = seq;
      for (auto& [name, value] : pending.change.new_values) {
        if (name == "_seq") value = Value(seq);
      }
    }
    if (before_write) status = before_write();
  }
  if (status.is_ok()) {
    WriteBatch batch;
    build_batch(writes, extra, &batch);
    status = storage_.write(batch);
    if (status.is_ok()) mark_written(writes);
  }
  std::vector<RowChange> changes;
  std::vector<UnrecordedWrite> unrecorded;
  if (status.is_ok() && live != nullptr) {
    changes.reserve(writes.changes_.size());
    for (PendingChange& pending : writes.changes_) changes.push_back(std::move(pending.change));
    unrecorded.reserve(writes.unrecorded_.size());
    for (size_t write : writes.unrecorded_) {
      const auto& entry = *writes.write_log_[write];
      // A key written twice is reported once, with its final _seq.
      if (entry.second.final_seq != ticket.seqs[write]) continue;
      unrecorded.push_back(UnrecordedWrite{entry.second.table_id, entry.first, entry.second.final_seq});
    }
  }
  sequencer_->finish(ticket, live, std::move(changes), std::move(unrecorded));
  return status;
}

int64_t TableStore::visible_seq() const { return sequencer_->visible_seq(); }

void TableStore::pin(ReadView& view) const {
  view.visible_seq = visible_seq();
  view.snapshot = storage_.snapshot();
}

void TableStore::wait_for_commits_in_flight() { sequencer_->wait_for_in_flight(); }

// ---- tables and indexes -------------------------------------------------------------

void TableStore::delete_table(WriteBatch& batch, uint64_t table_id) { delete_table_data(batch, table_id); }

void TableStore::delete_index(WriteBatch& batch, uint64_t table_id, uint32_t index_id) {
  delete_index_data(batch, table_id, index_id);
}

Status TableStore::purge_table(uint64_t table_id) {
  wait_for_commits_in_flight();
  WriteBatch batch;
  delete_table(batch, table_id);
  return storage_.write(batch);
}

Status TableStore::purge_index(uint64_t table_id, uint32_t index_id) {
  wait_for_commits_in_flight();
  WriteBatch batch;
  delete_index(batch, table_id, index_id);
  return storage_.write(batch);
}

Result<bool> TableStore::any_live_row(const TableSchema& schema, int64_t now_us,
                                      const std::function<bool(const StoredRow&)>& pred) const {
  std::string prefix = row_table_prefix(schema.table_id);
  ColumnFamily family = row_family(schema.table_type);
  KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, prefix, prefix_successor(prefix)));
  int64_t ttl = schema.table_type == TableType::kStream ? schema.options.ttl_seconds : 0;
  for (iterator->seek(prefix); iterator->valid(); iterator->next()) {
    KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_full(iterator->value()));
    if (row.deleted || stream_row_expired(ttl, row, now_us)) continue;
    if (pred(row)) return true;
  }
  KALAM_RETURN_IF_ERROR(iterator->status());
  return false;
}

Result<uint64_t> TableStore::count_live_rows(const TableSchema& schema, int64_t now_us) const {
  KALAM_ASSIGN_OR_RETURN(RowCounts counts, count_live_rows_by_tier(schema, now_us));
  return counts.hot + counts.cold;
}

Result<TableStore::RowCounts> TableStore::count_live_rows_by_tier(const TableSchema& schema,
                                                                  int64_t now_us) const {
  std::string prefix = row_table_prefix(schema.table_id);
  ColumnFamily family = row_family(schema.table_type);
  KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, prefix, prefix_successor(prefix)));
  int64_t ttl = schema.table_type == TableType::kStream ? schema.options.ttl_seconds : 0;
  RowCounts counts;
  for (iterator->seek(prefix); iterator->valid(); iterator->next()) {
    KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(iterator->value()));
    StoredRow row;
    row.seq = header.seq;
    if (header.deleted || stream_row_expired(ttl, row, now_us)) continue;
    ++(header.cold ? counts.cold : counts.hot);
  }
  KALAM_RETURN_IF_ERROR(iterator->status());
  return counts;
}

Status TableStore::build_index(const TableSchema& schema, uint32_t index_id, size_t batch_rows,
                               const std::function<bool()>& cancelled) {
  const IndexDef* index = schema.find_index(index_id);
  if (index == nullptr) return Status(ErrorCode::kInternalError, "no such index to build");
  batch_rows = std::max<size_t>(batch_rows, 1);
  std::string prefix = row_table_prefix(schema.table_id);
  std::string end = prefix_successor(prefix);
  ColumnFamily family = row_family(schema.table_type);
  int64_t ttl = schema.table_type == TableType::kStream ? schema.options.ttl_seconds : 0;
  std::string resume = prefix;
  // The values of a duplicate in a USER or STREAM table belong to one user's rows, which
  // the DDL's caller may not read: the error withholds them.
  auto duplicate = [&](const std::vector<Value>& values) {
    return unique_violation_error(
        schema, *index,
        schema.table_type == TableType::kShared ? values_text(values) : "withheld: in one user's rows",
        false);
  };
  while (true) {
    if (cancelled && cancelled()) {
      return Status(ErrorCode::kTimeoutHandlerExecution, "index build interrupted");
    }
    // The next batch of row keys (latest state), then each row again under its lock.
    std::vector<std::string> keys;
    {
      KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, resume, end));
      for (iterator->seek(resume); iterator->valid() && keys.size() < batch_rows; iterator->next()) {
        keys.emplace_back(iterator->key());
      }
      KALAM_RETURN_IF_ERROR(iterator->status());
    }
    if (keys.empty()) return Status::ok();
    resume = keys.back() + '\0';
    struct Entry {
      std::string key;
      std::string value_prefix;
      std::string pk;
      std::string scope_prefix;
      std::vector<Value> values;
    };
    std::vector<Entry> entries;
    std::vector<std::string> lock_keys;
    std::string value;
    int64_t now_us = now_unix_micros();
    for (const std::string& key : keys) {
      lock_keys.push_back(row_lock(key));
      KALAM_ASSIGN_OR_RETURN(RowKeyParts parts, split_row_key(key));
      Entry entry;
      entry.pk = key.substr(parts.scope_prefix_size);
      entry.scope_prefix = key.substr(0, parts.scope_prefix_size);
      std::string index_prefix = index_scope_prefix(schema.table_id, index_id, parts.scope);
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(family, key, &value));
      if (!exists) continue;
      KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_full(value));
      if (row.deleted) continue;
      entry.values = index_values(schema, *index, row);
      entry.value_prefix = index_value_prefix(index_prefix, entry.values);
      if (index->unique) lock_keys.push_back(unique_lock(entry.value_prefix));
      entry.key = entry.value_prefix + entry.pk;
      entries.push_back(std::move(entry));
    }
    KeyLockGuard locked(*locks_, sorted_unique(lock_keys));
    WriteBatch batch;
    std::set<std::string> batch_values;  // UNIQUE values claimed by this batch
    for (Entry& entry : entries) {
      // Under the lock: the row as it is now (a writer may have changed it since).
      std::string row_key = entry.scope_prefix + entry.pk;
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(family, row_key, &value));
      if (!exists) continue;
      KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_full(value));
      if (row.deleted) continue;
      std::vector<Value> values = index_values(schema, *index, row);
      if (values != entry.values) continue;  // the writer maintained the entry itself
      if (index->unique && !std::any_of(values.begin(), values.end(), is_sql_null) &&
          !stream_row_expired(ttl, row, now_us)) {
        if (!batch_values.insert(entry.value_prefix).second) return duplicate(values);
        std::string value_end = prefix_successor(entry.value_prefix);
        KALAM_ASSIGN_OR_RETURN(auto iterator,
                               storage_.new_iterator(ColumnFamily::kIndex, entry.value_prefix, value_end));
        for (iterator->seek(entry.value_prefix); iterator->valid(); iterator->next()) {
          std::string other_pk(iterator->key().substr(entry.value_prefix.size()));
          if (other_pk == entry.pk) continue;
          if (ttl > 0) {
            KALAM_ASSIGN_OR_RETURN(bool other_exists,
                                   storage_.get_into(family, entry.scope_prefix + other_pk, &value));
            if (!other_exists) continue;
            KALAM_ASSIGN_OR_RETURN(StoredRow other, decode_row(value));
            if (stream_row_expired(ttl, other, now_us)) continue;
          }
          return duplicate(values);
        }
        KALAM_RETURN_IF_ERROR(iterator->status());
      }
      batch.put(ColumnFamily::kIndex, entry.key, "");
    }
    if (!batch.empty()) KALAM_RETURN_IF_ERROR(storage_.write(batch));
  }
}

Status TableStore::rebuild_seq_index(const TableSchema& schema, size_t batch_rows) {
  std::string prefix = row_table_prefix(schema.table_id);
  ColumnFamily family = row_family(schema.table_type);
  KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, prefix, prefix_successor(prefix)));
  WriteBatch batch;
  for (iterator->seek(prefix); iterator->valid(); iterator->next()) {
    std::string key(iterator->key());
    KALAM_ASSIGN_OR_RETURN(RowKeyParts parts, split_row_key(key));
    KALAM_ASSIGN_OR_RETURN(int64_t seq, stored_seq(iterator->value()));
    std::string_view pk = pk_suffix(key, parts.scope_prefix_size);
    batch.put(ColumnFamily::kIndex, seq_key(seq_scope_prefix(schema.table_id, parts.scope), seq), pk);
    if (schema.table_type == TableType::kStream) {
      batch.put(ColumnFamily::kIndex, expiry_key(schema.table_id, seq, parts.scope, pk), "");
    }
    if (batch.count() >= batch_rows) {
      KALAM_RETURN_IF_ERROR(storage_.write(batch));
      batch.clear();
    }
  }
  KALAM_RETURN_IF_ERROR(iterator->status());
  return storage_.write(batch);
}

Status TableStore::upgrade_stored_format() {
  static const std::string format_key = system_keys::make(system_keys::kMeta, "table_store_format");
  constexpr std::string_view kFormat = "2";
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> format, storage_.get(ColumnFamily::kSystem, format_key));
  if (format && *format == kFormat) return Status::ok();
  auto catalog = registry_.snapshot();
  for (const TableDef* table : catalog->tables()) {
    if (!table->schema) continue;
    const TableSchema& schema = *table->schema;
    if (schema.table_type == TableType::kStream) {
      // Format 1 kept STREAM rows in `rows`.
      std::string prefix = row_table_prefix(schema.table_id);
      KALAM_ASSIGN_OR_RETURN(auto rows,
                             storage_.new_iterator(ColumnFamily::kRows, prefix, prefix_successor(prefix)));
      WriteBatch batch;
      for (rows->seek(prefix); rows->valid(); rows->next()) {
        batch.put(ColumnFamily::kStreams, rows->key(), rows->value());
        batch.del(ColumnFamily::kRows, rows->key());
        if (batch.count() >= 2000) {
          KALAM_RETURN_IF_ERROR(storage_.write(batch));
          batch.clear();
        }
      }
      KALAM_RETURN_IF_ERROR(rows->status());
      KALAM_RETURN_IF_ERROR(storage_.write(batch));
    }
    KALAM_RETURN_IF_ERROR(rebuild_seq_index(schema, 2000));
    TableSchema upgraded = schema;
    std::vector<uint32_t> added = add_implicit_unique_indexes(
        upgraded, IndexState::kReady, schema.created_by, schema.updated_at_us, [&](std::string_view name) {
          return catalog->find_table(schema.namespace_id, name) != nullptr ||
                 catalog->find_table_of_index(schema.namespace_id, name) != nullptr;
        });
    if (added.empty()) continue;
    for (uint32_t index_id : added) KALAM_RETURN_IF_ERROR(build_index(upgraded, index_id, 1000));
    CatalogChange change = registry_.begin_change();
    TableDef def = *table;
    def.definition_json = encode_table_schema(upgraded);
    def.schema = std::make_shared<const TableSchema>(std::move(upgraded));
    change.put_table(std::move(def));
    KALAM_RETURN_IF_ERROR(change.commit());
  }
  WriteBatch done;
  done.put(ColumnFamily::kSystem, format_key, kFormat);
  return storage_.write(done);
}

Status TableStore::finish_interrupted_index_builds() {
  auto catalog = registry_.snapshot();
  for (const TableDef* table : catalog->tables()) {
    if (!table->schema) continue;
    std::vector<uint32_t> dropped;
    std::vector<uint32_t> built;
    for (const IndexDef& index : table->schema->indexes) {
      if (index.state != IndexState::kBuilding) continue;
      if (index.implicit && index.replaces_index_id == 0) {
        if (build_index(*table->schema, index.index_id, 1000).is_ok()) built.push_back(index.index_id);
      } else {
        dropped.push_back(index.index_id);
      }
    }
    if (dropped.empty() && built.empty()) continue;
    CatalogChange change = registry_.begin_change();
    const TableDef* current = change.current().find_table_by_id(table->table_id);
    if (current == nullptr || !current->schema) continue;
    TableSchema schema = *current->schema;
    auto listed = [](const std::vector<uint32_t>& ids, uint32_t id) {
      return std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    std::erase_if(schema.indexes, [&](const IndexDef& index) { return listed(dropped, index.index_id); });
    for (IndexDef& index : schema.indexes) {
      if (listed(built, index.index_id)) index.state = IndexState::kReady;
    }
    if (!dropped.empty()) schema.index_epoch++;
    for (uint32_t index_id : dropped) delete_index(change.batch(), schema.table_id, index_id);
    TableDef def = *current;
    def.definition_json = encode_table_schema(schema);
    def.schema = std::make_shared<const TableSchema>(std::move(schema));
    change.put_table(std::move(def));
    KALAM_RETURN_IF_ERROR(change.commit());
  }
  return Status::ok();
}

Result<ConsistencyReport> TableStore::check_table(const TableSchema& schema) const {
  ConsistencyReport report;
  auto snapshot = storage_.snapshot();
  auto problem = [&](std::string text) {
    if (report.problems.size() < kMaxProblems) report.problems.push_back(std::move(text));
  };
  std::string prefix = row_table_prefix(schema.table_id);
  ColumnFamily family = row_family(schema.table_type);
  std::string value;
  // Every row has its _seq entry (and expiry entry), and every live row its index entries.
  {
    KALAM_ASSIGN_OR_RETURN(auto rows,
                           storage_.new_iterator(family, prefix, prefix_successor(prefix), snapshot.get()));
    for (rows->seek(prefix); rows->valid(); rows->next()) {
      std::string key(rows->key());
      ++report.rows;
      KALAM_ASSIGN_OR_RETURN(RowKeyParts parts, split_row_key(key));
      auto decoded = decode_full(rows->value());
      if (!decoded.is_ok()) {
        problem("row " + key_to_hex(key) + " does not decode: " + decoded.status().message());
        continue;
      }
      const StoredRow& row = *decoded;
      std::string_view pk = pk_suffix(key, parts.scope_prefix_size);
      std::string seq_entry = seq_key(seq_scope_prefix(schema.table_id, parts.scope), row.seq);
      KALAM_ASSIGN_OR_RETURN(bool has_seq,
                             storage_.get_into(ColumnFamily::kIndex, seq_entry, &value, snapshot.get()));
      if (!has_seq || value != pk)
        problem("row " + key_to_hex(key) + " has no _seq entry for " + std::to_string(row.seq));
      if (schema.table_type == TableType::kStream) {
        KALAM_ASSIGN_OR_RETURN(
            bool has_expiry,
            storage_.get_into(ColumnFamily::kIndex, expiry_key(schema.table_id, row.seq, parts.scope, pk),
                              &value, snapshot.get()));
        if (!has_expiry) problem("row " + key_to_hex(key) + " has no expiry entry");
      }
      if (row.deleted) continue;
      ++report.live_rows;
      for (const IndexDef& index : schema.indexes) {
        if (index.state != IndexState::kReady) continue;
        std::string entry = index_entry_key(index_scope_prefix(schema.table_id, index.index_id, parts.scope),
                                            index_values(schema, index, row), pk);
        KALAM_ASSIGN_OR_RETURN(bool has_entry,
                               storage_.get_into(ColumnFamily::kIndex, entry, &value, snapshot.get()));
        if (!has_entry) problem("row " + key_to_hex(key) + " has no entry in index '" + index.name + "'");
      }
    }
    KALAM_RETURN_IF_ERROR(rows->status());
  }
  // Every index entry points at a live row holding its values.
  for (const IndexDef& index : schema.indexes) {
    auto [first, last] = index_range(schema.table_id, index.index_id);
    KALAM_ASSIGN_OR_RETURN(auto entries,
                           storage_.new_iterator(ColumnFamily::kIndex, first, last, snapshot.get()));
    for (entries->seek(first); entries->valid(); entries->next()) {
      std::string entry(entries->key());
      ++report.index_entries;
      // [kind][table][index][scope]…: the scope starts after 1 + 8 + 4 bytes.
      KeyDecoder decoder(std::string_view(entry).substr(13));
      auto scope = decoder.read_string();
      if (!scope.is_ok()) {
        problem("index '" + index.name + "' entry " + key_to_hex(entry) + " does not decode");
        continue;
      }
      size_t index_prefix_size = 13 + decoder.position();
      auto pk = pk_suffix_of_index_entry(entry, index_prefix_size, index.column_ids.size());
      if (!pk.is_ok()) {
        problem("index '" + index.name + "' entry " + key_to_hex(entry) + " does not decode");
        continue;
      }
      std::string row_key = row_scope_prefix(schema.table_id, *scope) + std::string(*pk);
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(family, row_key, &value, snapshot.get()));
      auto row =
          exists ? decode_full(value) : Result<StoredRow>(Status(ErrorCode::kInternalStorageError, "absent"));
      if (!row.is_ok() || row->deleted) {
        problem("index '" + index.name + "' entry " + key_to_hex(entry) + " has no live row");
        continue;
      }
      std::string expected = index_entry_key(index_scope_prefix(schema.table_id, index.index_id, *scope),
                                             index_values(schema, index, *row), *pk);
      if (expected != entry) {
        problem("index '" + index.name + "' entry " + key_to_hex(entry) + " does not match its row's values");
      }
    }
    KALAM_RETURN_IF_ERROR(entries->status());
  }
  // Every _seq entry points at a row written with that _seq.
  {
    std::string any_scope = seq_scope_prefix(schema.table_id, "");
    // [kind][table_id] is the first 9 bytes of any of the table's _seq keys.
    std::string table_seq_prefix = any_scope.substr(0, 9);
    KALAM_ASSIGN_OR_RETURN(auto entries,
                           storage_.new_iterator(ColumnFamily::kIndex, table_seq_prefix,
                                                 prefix_successor(table_seq_prefix), snapshot.get()));
    for (entries->seek(table_seq_prefix); entries->valid(); entries->next()) {
      std::string entry(entries->key());
      ++report.seq_entries;
      KeyDecoder decoder(std::string_view(entry).substr(9));
      auto scope = decoder.read_string();
      auto seq = scope.is_ok() ? decoder.read_u64() : Result<uint64_t>(scope.status());
      if (!seq.is_ok()) {
        problem("_seq entry " + key_to_hex(entry) + " does not decode");
        continue;
      }
      std::string row_key = row_scope_prefix(schema.table_id, *scope) + std::string(entries->value());
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(family, row_key, &value, snapshot.get()));
      auto header = exists ? decode_row_header(value)
                           : Result<RowHeader>(Status(ErrorCode::kInternalStorageError, "absent"));
      if (!header.is_ok() || header->seq != static_cast<int64_t>(*seq)) {
        problem("_seq entry " + std::to_string(*seq) + " has no row written with that _seq");
      }
    }
    KALAM_RETURN_IF_ERROR(entries->status());
  }
  return report;
}

Result<bool> TableStore::has_expired_rows(const TableSchema& schema, int64_t now_us) const {
  const int64_t ttl = schema.options.ttl_seconds;
  if (schema.table_type != TableType::kStream || ttl <= 0) return false;
  const std::string prefix = expiry_table_prefix(schema.table_id);
  KALAM_ASSIGN_OR_RETURN(auto iterator,
                         storage_.new_iterator(ColumnFamily::kIndex, prefix, prefix_successor(prefix)));
  iterator->seek(prefix);
  if (!iterator->valid())
    return iterator->status().is_ok() ? Result<bool>(false) : Result<bool>(iterator->status());
  KALAM_ASSIGN_OR_RETURN(ExpiryEntry oldest, decode_expiry_key(iterator->key()));
  StoredRow probe;
  probe.seq = oldest.seq;
  return stream_row_expired(ttl, probe, now_us);
}

Result<uint64_t> TableStore::evict_expired(const TableSchema& schema, int64_t now_us, size_t batch_rows) {
  int64_t ttl = schema.options.ttl_seconds;
  if (schema.table_type != TableType::kStream || ttl <= 0) return uint64_t{0};
  batch_rows = std::max<size_t>(batch_rows, 1);
  std::string prefix = expiry_table_prefix(schema.table_id);
  std::string end = prefix_successor(prefix);
  uint64_t evicted = 0;
  while (true) {
    // The oldest entries first; stop at the first one that has not expired.
    std::vector<std::pair<std::string, ExpiryEntry>> expired;
    {
      KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(ColumnFamily::kIndex, prefix, end));
      for (iterator->seek(prefix); iterator->valid() && expired.size() < batch_rows; iterator->next()) {
        KALAM_ASSIGN_OR_RETURN(ExpiryEntry entry, decode_expiry_key(iterator->key()));
        StoredRow probe;
        probe.seq = entry.seq;
        if (!stream_row_expired(ttl, probe, now_us)) break;
        expired.emplace_back(std::string(iterator->key()), std::move(entry));
      }
      KALAM_RETURN_IF_ERROR(iterator->status());
    }
    if (expired.empty()) return evicted;
    std::vector<std::string> lock_keys;
    for (const auto& [entry_key, entry] : expired) {
      lock_keys.push_back(row_lock(row_scope_prefix(schema.table_id, entry.scope) + entry.pk));
    }
    KeyLockGuard locked(*locks_, sorted_unique(std::move(lock_keys)));
    // The indexes as of now, under the row locks: an index published since `schema` was
    // taken (an index build locks each row it fills) has entries for these rows too.
    auto catalog = registry_.snapshot();
    const TableDef* current = catalog->find_table_by_id(schema.table_id);
    if (current == nullptr || !current->schema) return evicted;
    const TableSchema& indexed = *current->schema;
    WriteBatch batch;
    std::string value;
    for (const auto& [entry_key, entry] : expired) {
      batch.del(ColumnFamily::kIndex, entry_key);
      std::string scope_prefix = row_scope_prefix(schema.table_id, entry.scope);
      std::string row_key = scope_prefix + entry.pk;
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(ColumnFamily::kStreams, row_key, &value));
      if (!exists) continue;
      KALAM_ASSIGN_OR_RETURN(StoredRow row, decode_row(value));
      if (row.seq != entry.seq) continue;  // rewritten since: a newer entry covers it
      batch.del(ColumnFamily::kStreams, row_key);
      batch.del(ColumnFamily::kIndex, seq_key(seq_scope_prefix(schema.table_id, entry.scope), row.seq));
      if (!row.deleted) {
        for (const IndexDef& index : indexed.indexes) {
          batch.del(ColumnFamily::kIndex,
                    index_entry_key(index_scope_prefix(schema.table_id, index.index_id, entry.scope),
                                    index_values(indexed, index, row), entry.pk));
        }
      }
      ++evicted;
    }
    KALAM_RETURN_IF_ERROR(storage_.write(batch));
  }
}

}  // namespace kalam
