// Flush of one table scope into a Parquet segment, and the start-up recovery of flushes a
// crash interrupted (see TableStore::flush_scope and docs/storage.md).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>

#include "catalog/schema_registry.h"
#include "catalog/value_coercion.h"
#include "common/crash_point.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "storage/key_encoding.h"
#include "table_store/cold_segments.h"
#include "table_store/key_layout.h"
#include "table_store/lock_table.h"
#include "table_store/table_store.h"

namespace kalam {
namespace {

// Hot rows turned into cold pointers per batch (each batch under its rows' locks).
constexpr size_t kPointerBatchRows = 4096;
constexpr std::string_view kSeqColumn = "_seq";
constexpr std::string_view kDeletedColumn = "_deleted";

// A file descriptor closed on scope exit.
struct FileHandle {
  int fd = -1;
  ~FileHandle() {
    if (fd >= 0) ::close(fd);
  }
};

// A statistics bound as the manifest shows it: SQL text for temporal types, JSON
// numbers and booleans as such, text otherwise.
boost::json::value manifest_value(const Value& stored, const ColumnDef& column) {
  const Value value = to_sql_value(stored, column);
  if (std::holds_alternative<bool>(value)) return std::get<bool>(value);
  if (std::holds_alternative<int64_t>(value)) return std::get<int64_t>(value);
  if (std::holds_alternative<double>(value)) {
    const double number = std::get<double>(value);
    if (std::isfinite(number)) return number;
    return boost::json::string(std::isnan(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
  }
  if (std::holds_alternative<std::string>(value)) return boost::json::string(std::get<std::string>(value));
  return nullptr;
}

}  // namespace

Result<std::vector<TableStore::ScopeBacklog>> TableStore::unflushed_scopes(const TableSchema& schema) const {
  std::vector<ScopeBacklog> out;
  const std::string table_prefix = seq_table_prefix(schema.table_id);
  const std::string table_end = prefix_successor(table_prefix);
  KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(ColumnFamily::kIndex, table_prefix, table_end));
  iterator->seek(table_prefix);
  while (iterator->valid()) {
    KALAM_ASSIGN_OR_RETURN(std::string scope, scope_of_seq_key(iterator->key()));
    const std::string prefix = seq_scope_prefix(schema.table_id, scope);
    KALAM_ASSIGN_OR_RETURN(FlushState state, cold_->flush_state(schema.table_id, scope));
    ScopeBacklog backlog;
    backlog.scope = scope;
    for (iterator->seek(seq_key(prefix, state.flushed_seq + 1));
         iterator->valid() && iterator->key().substr(0, prefix.size()) == prefix; iterator->next()) {
      if (backlog.rows++ == 0) {
        KALAM_ASSIGN_OR_RETURN(backlog.oldest_seq, seq_of_seq_key(iterator->key(), prefix.size()));
      }
    }
    if (backlog.rows > 0) out.push_back(std::move(backlog));
    iterator->seek(prefix_successor(prefix));
  }
  KALAM_RETURN_IF_ERROR(iterator->status());
  return out;
}

Result<TableStore::FlushOutcome> TableStore::flush_scope(const FlushRequest& request) {
  const TableSchema& schema = *request.schema;
  if (schema.table_type == TableType::kStream) {
    return Status(ErrorCode::kInvalidArgument, "STREAM tables cannot be flushed");
  }
  const std::string scope_prefix = row_scope_prefix(schema.table_id, request.scope);
  const ColumnFamily family = row_family(schema.table_type);
  KALAM_ASSIGN_OR_RETURN(FlushState state, cold_->flush_state(schema.table_id, request.scope));
  ReadView view;
  pin(view);
  const int64_t upto = view.visible_seq;

  // The file's columns: the table's columns at the current schema version (every one
  // nullable: a tombstone keeps only what it had), then _seq and _deleted.
  const std::vector<ColumnDef>& table_columns = schema.current().columns;
  std::vector<parquet::ColumnSpec> columns;
  for (const ColumnDef& column : table_columns) {
    parquet::ColumnSpec spec;
    spec.name = column.name;
    spec.type = column.type;
    spec.precision = column.decimal_precision();
    spec.scale = column.decimal_scale();
    spec.nullable = true;
    spec.field_id = static_cast<int32_t>(column.column_id);
    columns.push_back(std::move(spec));
  }
  columns.push_back({std::string(kSeqColumn), DataType::kBigInt, 0, 0, false, std::nullopt});
  columns.push_back({std::string(kDeletedColumn), DataType::kBoolean, 0, 0, false, std::nullopt});

  SegmentInfo info;
  info.segment_id = static_cast<uint64_t>(ids_.next());
  info.table_id = schema.table_id;
  info.table_name = schema.qualified_name();
  info.scope = request.scope;
  info.directory = request.directory;
  info.batch = state.next_batch;
  info.file_name = "batch-" + std::to_string(info.batch) + ".parquet";
  info.schema_version = schema.schema_version();
  info.min_seq = INT64_MAX;
  info.max_seq = 0;

  auto table_dropped = [&] { return registry_.snapshot()->find_table_by_id(schema.table_id) == nullptr; };
  if (table_dropped())
    return Status(ErrorCode::kNotFoundTable, "table " + schema.qualified_name() + " was dropped");

  // The intent goes first, so that a crash from here on is undone at start-up.
  {
    WriteBatch intent;
    ColdSegments::put_intent(intent, info);
    KALAM_RETURN_IF_ERROR(storage_.write(intent, true));
  }
  auto abandon = [&](Status status) -> Status {
    std::error_code ignored;
    std::filesystem::remove(info.path() + ".tmp", ignored);
    std::filesystem::remove(info.path(), ignored);
    WriteBatch undo;
    ColdSegments::remove_intent(undo, info.segment_id);
    storage_.write(undo, true).permit_unchecked();  // start-up removes it otherwise
    return status;
  };
  crash_point("flush.before_file");

  std::error_code dir_error;
  std::filesystem::create_directories(info.directory, dir_error);
  if (dir_error) {
    return abandon(Status(ErrorCode::kInternalStorageError,
                          "cannot create " + info.directory + ": " + dir_error.message()));
  }
  const std::string temp_path = info.path() + ".tmp";
  FileHandle file;
  file.fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file.fd < 0) return abandon(file_error("cannot create", temp_path));

  parquet::WriterOptions options;
  options.compression = request.compression;
  options.row_group_rows = std::max<size_t>(request.row_group_rows, 1);
  options.key_value_metadata = {{"kalamdb.table", info.table_name},
                                {"kalamdb.scope", info.scope},
                                {"kalamdb.schema_version", std::to_string(info.schema_version)}};
  parquet::ParquetWriter writer(columns, options,
                                [&](std::string_view bytes) { return write_all(file.fd, bytes, temp_path); });

  // The rows written since the last flush, newest version per key, in key order.
  std::vector<FlushedRow> flushed;
  FlushOutcome outcome;
  {
    auto iterator =
        storage_.new_iterator(family, scope_prefix, prefix_successor(scope_prefix), view.snapshot.get());
    if (!iterator.is_ok()) return abandon(iterator.status());
    std::vector<Value> values(columns.size());
    for ((*iterator)->seek(scope_prefix); (*iterator)->valid(); (*iterator)->next()) {
      auto header = decode_row_header((*iterator)->value());
      if (!header.is_ok()) return abandon(header.status());
      if (header->cold || header->seq <= state.flushed_seq || header->seq > upto) continue;
      if (request.cancelled && request.cancelled())
        return abandon(Status(ErrorCode::kCancelled, "flush cancelled"));
      auto row = decode_row((*iterator)->value());
      if (!row.is_ok()) return abandon(row.status());
      for (size_t idx = 0; idx < table_columns.size(); ++idx)
        values[idx] = stored_value(schema, *row, table_columns[idx]);
      values[table_columns.size()] = Value(row->seq);
      values[table_columns.size() + 1] = Value(row->deleted);
      Status appended = writer.append_row(values);
      if (!appended.is_ok()) return abandon(std::move(appended));
      flushed.push_back({std::string((*iterator)->key()), row->seq, row->deleted});
      info.min_seq = std::min(info.min_seq, row->seq);
      info.max_seq = std::max(info.max_seq, row->seq);
      if (row->deleted) ++outcome.tombstones;
    }
    if (Status status = (*iterator)->status(); !status.is_ok()) return abandon(std::move(status));
  }
  if (flushed.empty()) {
    ::close(file.fd);
    file.fd = -1;
    outcome.skipped = true;
    abandon(Status::ok()).permit_unchecked();
    return outcome;
  }
  if (Status finished = writer.finish(); !finished.is_ok()) return abandon(finished);

  if (fsync(file.fd) != 0) return abandon(file_error("cannot fsync", temp_path));
  ::close(file.fd);
  file.fd = -1;
  crash_point("flush.after_temp_file");
  if (std::rename(temp_path.c_str(), info.path().c_str()) != 0)
    return abandon(file_error("cannot rename", temp_path));
  if (Status synced = sync_directory(info.directory); !synced.is_ok()) return abandon(synced);
  crash_point("flush.after_rename");

  info.row_count = flushed.size();
  info.size_bytes = writer.bytes_written();
  info.created_at_us = now_unix_micros();
  {
    boost::json::object stats;
    const auto& summaries = writer.column_summaries();
    for (size_t idx = 0; idx < table_columns.size(); ++idx) {
      boost::json::object entry;
      entry["min"] = summaries[idx].min ? manifest_value(*summaries[idx].min, table_columns[idx]) : nullptr;
      entry["max"] = summaries[idx].max ? manifest_value(*summaries[idx].max, table_columns[idx]) : nullptr;
      entry["null_count"] = summaries[idx].null_count;
      stats[table_columns[idx].name] = std::move(entry);
    }
    info.column_stats_json = boost::json::serialize(stats);
  }
  auto registered = cold_->segments_of(schema.table_id, request.scope);
  if (!registered.is_ok()) return abandon(registered.status());
  registered->push_back(info);
  if (Status written = write_manifest(info.directory, info.table_name, info.scope, *registered);
      !written.is_ok()) {
    return abandon(written);
  }
  crash_point("flush.after_manifest");

  // The commit point: the segment is registered and the scope's flush state moves on.
  {
    WriteBatch commit;
    ColdSegments::add_record(commit, info);
    FlushState next = state;
    next.flushed_seq = std::max(state.flushed_seq, upto);
    next.next_batch = state.next_batch + 1;
    next.last_flush_at_us = info.created_at_us;
    ColdSegments::put_flush_state(commit, schema.table_id, request.scope, next);
    ColdSegments::put_intent(commit, info);  // now with the final row count and statistics
    if (Status written = storage_.write(commit, true); !written.is_ok()) return abandon(written);
  }
  cold_->publish(info);
  crash_point("flush.after_register");
  if (table_dropped()) {
    // DROP TABLE came while this flush was writing: its cleanup job may have looked for
    // files before this segment was registered, so the flush removes what it made.
    std::error_code ignored;
    std::filesystem::remove(info.path(), ignored);
    std::filesystem::remove(info.directory + "/manifest.json", ignored);
    std::filesystem::remove(info.directory, ignored);  // only when empty
    WriteBatch undo;
    ColdSegments::delete_scope_records(undo, schema.table_id, request.scope);
    ColdSegments::remove_intent(undo, info.segment_id);
    KALAM_RETURN_IF_ERROR(storage_.write(undo, true));
    cold_->unpublish(info.segment_id);
    return Status(ErrorCode::kNotFoundTable,
                  "table " + schema.qualified_name() + " was dropped during its flush");
  }
  KALAM_RETURN_IF_ERROR(point_rows_to_segment(info, flushed));
  crash_point("flush.after_pointers");
  outcome.rows = info.row_count;
  outcome.bytes = info.size_bytes;
  outcome.path = info.path();
  return outcome;
}

Status TableStore::point_rows_to_segment(const SegmentInfo& segment, const std::vector<FlushedRow>& entries) {
  auto catalog = registry_.snapshot();
  const TableDef* def = catalog->find_table_by_id(segment.table_id);
  // A table dropped meanwhile: its rows are gone with it (the cleanup removes the file).
  const ColumnFamily family =
      def != nullptr && def->schema ? row_family(def->schema->table_type) : ColumnFamily::kRows;
  const std::string seq_prefix = seq_scope_prefix(segment.table_id, segment.scope);
  // Tombstones younger than the table's retention stay in hot, without their cells, so
  // that `_seq` readers still see the delete; the retention job removes them later.
  const int64_t retention_us =
      def != nullptr && def->schema ? def->schema->options.deleted_retention_hours * 3'600'000'000LL : 0;
  const int64_t now_us = now_unix_micros();
  for (size_t begin = 0; begin < entries.size(); begin += kPointerBatchRows) {
    const size_t end = std::min(entries.size(), begin + kPointerBatchRows);
    std::vector<std::string> lock_keys;
    for (size_t idx = begin; idx < end; ++idx) lock_keys.push_back(row_lock_key(entries[idx].key));
    std::sort(lock_keys.begin(), lock_keys.end());
    lock_keys.erase(std::unique(lock_keys.begin(), lock_keys.end()), lock_keys.end());
    KeyLockGuard locked(*locks_, std::move(lock_keys));
    WriteBatch batch;
    // Under the locks: only the exact version flushed is replaced (a writer's newer
    // version stays hot and shadows the cold copy). The batch's keys ascend, so one
    // iterator over their range reads them all.
    size_t first = begin;
    while (first < end && entries[first].key.empty()) ++first;
    if (first < end) {
      const std::string& last_key = entries[end - 1].key.empty() ? entries[first].key : entries[end - 1].key;
      std::string upper = last_key;
      upper.push_back('\0');
      KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, entries[first].key, upper));
      iterator->seek(entries[first].key);
      for (size_t idx = first; idx < end && iterator->valid(); ++idx) {
        const FlushedRow& entry = entries[idx];
        if (entry.key.empty()) continue;
        while (iterator->valid() && iterator->key() < entry.key) iterator->next();
        if (!iterator->valid() || iterator->key() != entry.key) continue;
        KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(iterator->value()));
        if (header.cold || header.seq != entry.seq) continue;
        if (entry.deleted) {
          if (now_us - snowflake_unix_ms(entry.seq) * 1000 >= retention_us) {
            batch.del(family, entry.key);
            batch.del(ColumnFamily::kIndex, seq_key(seq_prefix, entry.seq));
          } else {
            StoredRow tombstone;
            tombstone.schema_version = header.schema_version;
            tombstone.seq = entry.seq;
            tombstone.deleted = true;
            batch.put(family, entry.key, encode_row(tombstone));
          }
          continue;
        }
        StoredRow pointer;
        pointer.schema_version = segment.schema_version;
        pointer.seq = entry.seq;
        pointer.cold = ColdLocation{segment.segment_id, static_cast<uint64_t>(idx)};
        batch.put(family, entry.key, encode_row(pointer));
      }
      KALAM_RETURN_IF_ERROR(iterator->status());
    }
    if (end == entries.size()) ColdSegments::remove_intent(batch, segment.segment_id);
    KALAM_RETURN_IF_ERROR(storage_.write(batch, end == entries.size()));
    if (begin == 0) crash_point("flush.during_pointers");
  }
  if (entries.empty()) {
    WriteBatch batch;
    ColdSegments::remove_intent(batch, segment.segment_id);
    KALAM_RETURN_IF_ERROR(storage_.write(batch, true));
  }
  return Status::ok();
}

Status TableStore::finish_interrupted_flush(const SegmentInfo& segment) {
  // Which file row is which hot row: each flushed version's _seq is unique, so the file's
  // _seq column maps every hot row still waiting for its pointer to its ordinal.
  std::vector<FlushedRow> entries;
  {
    const std::string path = segment.path();
    std::string bytes;
    {
      FileHandle file;
      file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (file.fd < 0) return file_error("cannot open cold segment", path);
      char buffer[1 << 16];
      while (true) {
        const ssize_t n = ::read(file.fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return file_error("cannot read", path);
        if (n == 0) break;
        bytes.append(buffer, static_cast<size_t>(n));
      }
    }
    KALAM_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::open(bytes));
    const auto seq_column = reader->find_column(kSeqColumn);
    const auto deleted_column = reader->find_column(kDeletedColumn);
    if (!seq_column || !deleted_column) {
      return Status(ErrorCode::kInternalStorageError,
                    "cold segment " + path + " has no _seq/_deleted columns");
    }
    std::vector<Value> seqs;
    std::vector<Value> deleted;
    for (size_t group = 0; group < reader->row_group_count(); ++group) {
      KALAM_RETURN_IF_ERROR(reader->read_column(group, *seq_column, &seqs));
      KALAM_RETURN_IF_ERROR(reader->read_column(group, *deleted_column, &deleted));
    }
    std::unordered_map<int64_t, size_t> ordinal_of;
    for (size_t idx = 0; idx < seqs.size(); ++idx) {
      if (const auto* seq = std::get_if<int64_t>(&seqs[idx])) ordinal_of[*seq] = idx;
    }
    entries.resize(seqs.size());
    std::vector<bool> present(seqs.size(), false);
    const std::string prefix = row_scope_prefix(segment.table_id, segment.scope);
    KALAM_ASSIGN_OR_RETURN(auto iterator,
                           storage_.new_iterator(ColumnFamily::kRows, prefix, prefix_successor(prefix)));
    for (iterator->seek(prefix); iterator->valid(); iterator->next()) {
      KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(iterator->value()));
      if (header.cold) continue;
      auto it = ordinal_of.find(header.seq);
      if (it == ordinal_of.end()) continue;
      entries[it->second] = {
          std::string(iterator->key()), header.seq,
          std::holds_alternative<bool>(deleted[it->second]) && std::get<bool>(deleted[it->second])};
      present[it->second] = true;
    }
    KALAM_RETURN_IF_ERROR(iterator->status());
    // Rows already pointed (or rewritten since) keep an empty key: skipped.
    for (size_t idx = 0; idx < entries.size(); ++idx) {
      if (!present[idx]) entries[idx].seq = -1;  // matches no row: skipped
    }
  }
  return point_rows_to_segment(segment, entries);
}

Result<uint64_t> TableStore::purge_tombstones(const TableSchema& schema, int64_t cutoff_us,
                                              size_t batch_rows) {
  if (schema.table_type == TableType::kStream) return uint64_t{0};  // evicted by TTL instead
  batch_rows = std::max<size_t>(batch_rows, 1);
  const ColumnFamily family = row_family(schema.table_type);
  const std::string prefix = row_table_prefix(schema.table_id);
  const std::string end = prefix_successor(prefix);
  auto old_enough = [cutoff_us](const RowHeader& header) {
    return header.deleted && snowflake_unix_ms(header.seq) * 1000 < cutoff_us;
  };
  uint64_t purged = 0;
  std::string resume = prefix;
  std::string value;
  while (true) {
    std::vector<std::pair<std::string, int64_t>> found;  // key, _seq
    {
      KALAM_ASSIGN_OR_RETURN(auto iterator, storage_.new_iterator(family, resume, end));
      for (iterator->seek(resume); iterator->valid() && found.size() < batch_rows; iterator->next()) {
        KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(iterator->value()));
        resume.assign(iterator->key());
        resume.push_back('\0');
        if (old_enough(header)) found.emplace_back(std::string(iterator->key()), header.seq);
      }
      KALAM_RETURN_IF_ERROR(iterator->status());
      if (!iterator->valid() && found.empty()) return purged;
    }
    if (found.empty()) continue;
    std::vector<std::string> lock_keys;
    for (const auto& [key, seq] : found) lock_keys.push_back(row_lock_key(key));
    std::sort(lock_keys.begin(), lock_keys.end());
    KeyLockGuard locked(*locks_, std::move(lock_keys));
    WriteBatch batch;
    for (const auto& [key, seq] : found) {
      KALAM_ASSIGN_OR_RETURN(bool exists, storage_.get_into(family, key, &value));
      if (!exists) continue;
      KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(value));
      if (header.seq != seq || !old_enough(header)) continue;  // rewritten since
      KALAM_ASSIGN_OR_RETURN(RowKeyParts parts, split_row_key(key));
      batch.del(family, key);
      batch.del(ColumnFamily::kIndex, seq_key(seq_scope_prefix(schema.table_id, parts.scope), seq));
      ++purged;
    }
    KALAM_RETURN_IF_ERROR(storage_.write(batch));
  }
}

Status TableStore::purge_scope(const TableSchema& schema, std::string_view scope) {
  WriteBatch batch;
  auto purge = [&batch](ColumnFamily family, const std::string& prefix) {
    batch.del_range(family, prefix, prefix_successor(prefix));
  };
  purge(row_family(schema.table_type), row_scope_prefix(schema.table_id, scope));
  purge(ColumnFamily::kIndex, seq_scope_prefix(schema.table_id, scope));
  for (const IndexDef& index : schema.indexes) {
    purge(ColumnFamily::kIndex, index_scope_prefix(schema.table_id, index.index_id, scope));
  }
  return storage_.write(batch, true);
}

Status TableStore::open_cold_tier() {
  std::vector<SegmentInfo> committed;
  KALAM_RETURN_IF_ERROR(cold_->open(&committed));
  for (const SegmentInfo& segment : committed) KALAM_RETURN_IF_ERROR(finish_interrupted_flush(segment));
  return Status::ok();
}

}  // namespace kalam
