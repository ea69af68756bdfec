// TableStore: the storage seam of USER, SHARED and STREAM tables. For one (table, scope)
// it offers point reads by primary key, pull cursors over primary-key, secondary-index
// and `_seq` ranges (forward or reverse, with a limit and a column projection, at an
// explicit snapshot, reading through a WriteSet), the writes of a statement or
// transaction (with index maintenance and UNIQUE checks by index look-up), and the one
// commit function: per-key locks, conflict and constraint checks, one atomic batch of
// rows, index entries, `_seq` entries and the caller's audit rows, a place in the global
// commit sequence, and the hand-off of the changes to the LiveQueryManager after they
// are durable, in commit order.
//
// Concurrency: every method is thread-safe; a WriteSet, a ReadView and a cursor belong
// to one thread. No process-wide lock is held across RocksDB reads or writes: commits
// lock only the keys they write or read (sorted, so they cannot deadlock) and take the
// sequencer's mutex only to draw _seq values and to publish.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "common/value.h"
#include "live/live_query_manager.h"
#include "parquet/parquet_schema.h"
#include "storage/row_codec.h"
#include "storage/storage_engine.h"
#include "table_store/write_set.h"

namespace kalam {

class SchemaRegistry;
class SnowflakeGenerator;
class KeyLockTable;
class CommitSequencer;
class ColdSegments;
struct SegmentInfo;

// One scope of one table as a statement sees it.
struct ScopeRef {
  std::shared_ptr<const TableSchema> schema;
  std::string scope;         // user id (USER/STREAM) or "" (SHARED)
  std::string scope_prefix;  // row_scope_prefix(table_id, scope)
  ColumnFamily family = ColumnFamily::kRows;

  static ScopeRef of(std::shared_ptr<const TableSchema> schema, std::string_view effective_user);
  const TableSchema& table() const { return *schema; }
  bool is_stream() const { return schema->table_type == TableType::kStream; }
};

// What a read sees: a snapshot (null = the latest committed state), the reader's own
// uncommitted writes, and the time STREAM rows expire against. `visible_seq` is the
// commit sequence's settled point when the snapshot was taken (TableStore::pin sets both):
// `_seq`-ordered reads return no committed entry above it, so a reader of "changes after
// S" never sees a later commit before an earlier one that is still being written.
struct ReadView {
  std::shared_ptr<const StorageSnapshot> snapshot;
  const WriteSet* writes = nullptr;
  int64_t now_us = 0;
  int64_t visible_seq = INT64_MAX;
};

struct ScanBound {
  Value value;
  bool inclusive = true;
};

struct ScanSpec {
  enum class Access : uint8_t {
    kPrimaryKey,  // rows in primary-key order
    kIndex,       // rows in the order of a secondary index (`index_id`)
    kSeq,         // rows in _seq order (the `_seq` index)
  };
  Access access = Access::kPrimaryKey;
  uint32_t index_id = 0;
  // Equalities on the leading key columns (primary key or index columns), in key order,
  // then bounds on the next key column (for kSeq: bounds on _seq, no equalities).
  std::vector<Value> equal;
  std::optional<ScanBound> lower;
  std::optional<ScanBound> upper;
  bool reverse = false;
  uint64_t limit = UINT64_MAX;  // rows returned, then the cursor ends
  // Column ids to decode (sorted); nullptr decodes every cell.
  const std::vector<uint32_t>* columns = nullptr;
  bool include_deleted = false;  // tombstones too (else only live rows)
};

// A pull cursor over one scope. The cursor is positioned on its first row when opened.
class RowCursor {
 public:
  virtual ~RowCursor() = default;
  virtual bool valid() const = 0;
  virtual Status next() = 0;
  // The current row's key and row (header, and the requested cells). Valid until next().
  virtual const std::string& key() const = 0;
  virtual const StoredRow& row() const = 0;
  // Entries examined so far (rows, index or _seq entries), for benchmarks and tests.
  virtual uint64_t entries_read() const = 0;
};

// A UNIQUE index that already holds the values of a row being written.
struct UniqueConflict {
  const IndexDef* index = nullptr;
  std::string other_key;  // the row key holding the values
  std::string values_text;
};

// The result of a consistency check of one table (all scopes).
struct ConsistencyReport {
  uint64_t rows = 0;  // row versions (tombstones included)
  uint64_t live_rows = 0;
  uint64_t index_entries = 0;  // secondary-index entries checked
  uint64_t seq_entries = 0;
  std::vector<std::string> problems;  // empty when consistent (at most 100 listed)
};

class TableStore {
 public:
  TableStore(StorageEngine& storage, SchemaRegistry& registry, SnowflakeGenerator& ids);
  ~TableStore();
  TableStore(const TableStore&) = delete;
  TableStore& operator=(const TableStore&) = delete;

  StorageEngine& storage() { return storage_; }

  // ---- reads ----------------------------------------------------------------------

  // The row key of `pk_values` (stored forms, primary-key order) in `table`.
  std::string row_key(const ScopeRef& table, const std::vector<Value>& pk_values) const;
  // A hidden primary key (tables without a declared key): keyed by `id`.
  std::string hidden_row_key(const ScopeRef& table, int64_t id) const;
  // Whether `key` is a row key of `table`'s scope.
  bool owns_key(const ScopeRef& table, std::string_view key) const;

  // The row under `key` (pending write first, else the view's snapshot); tombstones and
  // expired STREAM rows are returned as they are: the caller decides.
  Result<std::optional<StoredRow>> get(const ReadView& view, const ScopeRef& table, const std::string& key,
                                       const std::vector<uint32_t>* columns = nullptr) const;

  // A cursor over `spec`. Errors: NOT_FOUND (index_id unknown), storage errors.
  Result<std::unique_ptr<RowCursor>> open_cursor(const ReadView& view, const ScopeRef& table,
                                                 const ScanSpec& spec) const;

  // ---- writes of a statement or transaction ---------------------------------------

  // The latest version of `key` for a write decision: the write set's own version, else
  // the latest committed one, whose _seq becomes the write set's base for the key.
  Result<std::optional<StoredRow>> load_for_write(WriteSet& writes, const ScopeRef& table,
                                                  const std::string& key) const;
  // The version of `key` in `view` (the write set's own first), read by primary key
  // inside a statement that writes (or a transaction): its _seq is checked again at
  // commit.
  Result<std::optional<StoredRow>> read_for_transaction(WriteSet& writes, const ReadView& view,
                                                        const ScopeRef& table, const std::string& key) const;

  // The first UNIQUE index (ready or being built) of `table` on which a live row other
  // than `key` holds `row`'s values (none of them NULL), looking at the write set and the
  // latest committed entries; nullopt when there is none. A value found free is claimed:
  // the commit checks it again under a lock.
  Result<std::optional<UniqueConflict>> check_unique(WriteSet& writes, const ReadView& view,
                                                     const ScopeRef& table, const std::string& key,
                                                     const StoredRow& row) const;

  // Writes `row` (a new version or a tombstone) under `key`, replacing `old` (what
  // load_for_write returned): index entries follow in the write set. Returns the write's
  // index in the write log (its final _seq is known after the commit).
  size_t put(WriteSet& writes, const ScopeRef& table, const std::string& key,
             const std::optional<StoredRow>& old, StoredRow row) const;

  // ---- commit ----------------------------------------------------------------------

  // Called by commit() after the final _seq values are assigned, before the batch is
  // written; an error aborts the commit (nothing is written).
  using BeforeWrite = std::function<Status()>;

  // Commits `writes` and `extra` (audit rows) in one atomic batch. Errors (nothing is
  // written): TRANSACTION_CONFLICT (a key written or read by primary key changed since;
  // details.reason = "schema" when a written table's indexes changed or it was dropped),
  // PRIMARY_KEY_VIOLATION with details.concurrent = true (a key or UNIQUE value that was
  // free is now taken), storage errors. On success the changes reach `live` (when not
  // null) after the batch is durable, in commit order. `writes` is left with its final
  // _seq values (final_seq_of).
  Status commit(WriteSet& writes, const WriteBatch& extra, LiveQueryManager* live,
                const BeforeWrite& before_write = {});

  // At least the greatest _seq any commit has written: the id generator is advanced past
  // it at start-up, so _seq values keep increasing across restarts even when the clock
  // went back. Commits keep a high-water mark in the `system` family, raised (by a max
  // merge: concurrent batches never lower it) whenever a commit's _seq time passes it by
  // kHighWaterStepMs; this returns the mark plus that step. (After a restart within the
  // step of the last write, new _seq values run up to that far ahead of the clock.)
  static Result<int64_t> last_seq_on_disk(const StorageEngine& storage);
  static constexpr int64_t kHighWaterStepMs = 1000;
  // Decoded cold column chunks kept in memory (LRU).
  static constexpr size_t kColdCacheBytes = 64u << 20;

  // The highest _seq such that every commit that drew a _seq up to it has finished
  // (written or failed): a reader of the `_seq` index up to it misses nothing.
  int64_t visible_seq() const;
  // Takes `view`'s snapshot, and first its visible_seq: every commit with a _seq up to it
  // is then in the snapshot.
  void pin(ReadView& view) const;

  // Waits until every commit that drew its _seq values before this call has finished.
  // DDL calls it after publishing a catalog change, so that no commit derived from the
  // old catalog is still writing.
  void wait_for_commits_in_flight();

  // ---- tables and indexes (DDL, jobs, admin) ---------------------------------------

  // Deletes one scope's rows, `_seq` and index entries (a user-cleanup job: the user was
  // dropped, so nobody writes there), in one synced batch of range deletes. Cold files
  // are the caller's (ColdSegments). STREAM expiry entries are left to eviction.
  Status purge_scope(const TableSchema& schema, std::string_view scope);

  // Range deletes of all of a table's data (rows, _seq, index, expiry entries).
  static void delete_table(WriteBatch& batch, uint64_t table_id);
  // Range deletes of one index's entries.
  static void delete_index(WriteBatch& batch, uint64_t table_id, uint32_t index_id);

  // After a catalog change that dropped a table (or index) committed with its range
  // deletes: waits for the commits still in flight from before it, then deletes the
  // range again, so that none of their writes survives.
  Status purge_table(uint64_t table_id);
  Status purge_index(uint64_t table_id, uint32_t index_id);

  // Live rows of the table over all scopes (tombstones and expired STREAM rows excluded).
  Result<uint64_t> count_live_rows(const TableSchema& schema, int64_t now_us) const;
  // The same, split into rows held in RocksDB and rows whose cells are in cold segments.
  struct RowCounts {
    uint64_t hot = 0;
    uint64_t cold = 0;
  };
  Result<RowCounts> count_live_rows_by_tier(const TableSchema& schema, int64_t now_us) const;
  // Whether a live row of any scope satisfies `pred`.
  Result<bool> any_live_row(const TableSchema& schema, int64_t now_us,
                            const std::function<bool(const StoredRow&)>& pred) const;

  // Fills index `index_id` of the table (all scopes) from the rows stored, `batch_rows`
  // rows per atomic batch, each batch under the row locks of its keys, so concurrent
  // writers wait for one batch at most. For a UNIQUE index, two live rows with the same
  // non-NULL values fail it with PRIMARY_KEY_VIOLATION (entries written so far stay:
  // the caller drops the index). `cancelled` is polled between batches.
  Status build_index(const TableSchema& schema, uint32_t index_id, size_t batch_rows,
                     const std::function<bool()>& cancelled = {});
  // Rebuilds the `_seq` entries of the table (all scopes) from its rows.
  Status rebuild_seq_index(const TableSchema& schema, size_t batch_rows);

  // Brings data written by an earlier version to this layout, once (a format marker in
  // the `system` family records it): STREAM rows move to the `streams` family, `_seq`
  // (and expiry) entries are written for every row, and UNIQUE columns get their
  // implicit indexes, filled. Runs at start-up, before any request.
  Status upgrade_stored_format();

  // Indexes a stopped process left `building` (killed during CREATE INDEX, REINDEX or
  // ADD COLUMN … UNIQUE): a REINDEX copy or an explicit index is dropped (its statement
  // never answered), the implicit index of a UNIQUE column is built and made ready (one
  // that cannot be built stays `building`: maintained and enforced, not used by the
  // planner). Runs at start-up, before any request.
  Status finish_interrupted_index_builds();

  // Checks that every index entry and `_seq` entry has its row and every row its entries.
  Result<ConsistencyReport> check_table(const TableSchema& schema) const;

  // Deletes STREAM rows of `schema` whose TTL expired by `now_us` (rows, their index,
  // `_seq` and expiry entries), reading only the expired part of the expiry index.
  // Returns the number of rows deleted.
  Result<uint64_t> evict_expired(const TableSchema& schema, int64_t now_us, size_t batch_rows = 1000);
  // Whether evict_expired would delete anything: one seek to the oldest expiry entry.
  Result<bool> has_expired_rows(const TableSchema& schema, int64_t now_us) const;

  // ---- the cold tier (docs/storage.md) --------------------------------------------

  ColdSegments& cold() { return *cold_; }
  const ColdSegments& cold() const { return *cold_; }

  struct FlushRequest {
    std::shared_ptr<const TableSchema> schema;  // USER or SHARED
    std::string scope;                          // user id, or "" for SHARED
    std::string directory;                      // where batch-N.parquet and manifest.json go
    parquet::Compression compression = parquet::Compression::kSnappy;
    size_t row_group_rows = 16'384;
    std::function<bool()> cancelled;  // polled between rows; true abandons the flush
  };
  struct FlushOutcome {
    bool skipped = false;  // nothing to flush
    uint64_t rows = 0;     // rows written to the segment (tombstones included)
    uint64_t tombstones = 0;
    uint64_t bytes = 0;
    std::string path;
  };

  // Flushes one scope (spec/storage.md § Cold tier): the newest version of every row
  // written since the scope's last flush (tombstones as `_deleted = true` rows) goes
  // into a new `batch-N.parquet` (temp file, fsync, rename), the manifest is rewritten,
  // then the segment is registered and the flushed hot rows become cold pointers (live
  // rows) or disappear (tombstones), in batches under their row locks; a row a writer
  // changed meanwhile stays hot. Crash points (common/crash_point.h): flush.before_file,
  // flush.after_temp_file, flush.after_rename, flush.after_manifest,
  // flush.after_register, flush.during_pointers, flush.after_pointers. A crash before
  // the registration leaves nothing behind after open_cold_tier(); after it, the flush is
  // finished at start-up. Errors: kCancelled, storage and I/O errors (the segment is
  // then abandoned as by a crash).
  Result<FlushOutcome> flush_scope(const FlushRequest& request);

  // Deletes the tombstones of the table (all scopes) whose delete is older than
  // `cutoff_us` (wall-clock µs, read from their _seq), with their `_seq` entries, in
  // batches under their row locks (a key rewritten meanwhile is left alone). Returns how
  // many were deleted. Tombstones are kept until then so that readers of the `_seq`
  // index (live-query resume) learn about deletes.
  Result<uint64_t> purge_tombstones(const TableSchema& schema, int64_t cutoff_us, size_t batch_rows = 1000);

  // Every scope of the table with rows written since its last flush: how many, and the
  // oldest one's _seq. Reads the `_seq` index: one seek per scope, then only the
  // unflushed entries.
  struct ScopeBacklog {
    std::string scope;
    uint64_t rows = 0;
    int64_t oldest_seq = 0;
  };
  Result<std::vector<ScopeBacklog>> unflushed_scopes(const TableSchema& schema) const;

  // Loads the cold registry and finishes or undoes the flushes a crash interrupted.
  // Runs at start-up, before any request.
  Status open_cold_tier();

  // Entries (rows, index or _seq entries) examined by every cursor closed so far: what a
  // read really touched (benchmarks, system.stats).
  uint64_t entries_read() const { return entries_read_.load(std::memory_order_relaxed); }

  // The effective value of `column` in `row` written under any schema version: dropped
  // columns are gone, added columns read as the literal default they were added with (or
  // NULL).
  static Value column_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column);
  // The same value in its stored form (what keys and index entries encode).
  static Value stored_value(const TableSchema& schema, const StoredRow& row, const ColumnDef& column);

 private:
  struct LockedKeys;
  Status validate(WriteSet& writes) const;
  Status check_epochs(const WriteSet& writes) const;
  void build_batch(WriteSet& writes, const WriteBatch& extra, WriteBatch* batch) const;
  // After the batch of build_batch is written: the high-water mark it carried is on disk.
  void mark_written(const WriteSet& writes);
  // Decodes a stored row value, reading a cold row's cells from its segment.
  Result<StoredRow> decode_full(std::string_view value) const;
  // Turns the flushed hot rows of `segment` (`entries`: row key, _seq and _deleted per
  // file row, in file order) into cold pointers, or deletes them (tombstones).
  struct FlushedRow {
    std::string key;
    int64_t seq = 0;
    bool deleted = false;
  };
  Status point_rows_to_segment(const SegmentInfo& segment, const std::vector<FlushedRow>& entries);
  Status finish_interrupted_flush(const SegmentInfo& segment);
  void index_deltas(WriteSet& writes, const ScopeRef& table, std::string_view pk,
                    const std::optional<StoredRow>& old_row, const std::optional<StoredRow>& new_row) const;

  StorageEngine& storage_;
  SchemaRegistry& registry_;
  SnowflakeGenerator& ids_;
  std::unique_ptr<KeyLockTable> locks_;
  std::unique_ptr<CommitSequencer> sequencer_;
  std::unique_ptr<ColdSegments> cold_;
  mutable std::atomic<uint64_t> entries_read_{0};
  std::atomic<int64_t> persisted_high_water_{0};  // the highest _seq written as the mark
};

// PRIMARY_KEY_VIOLATION: UNIQUE index `index` already holds `values_text` (details:
// table, key, constraint = "unique", and column_name for a UNIQUE column or index for an
// index; concurrent = true when a concurrent commit took the value).
Status unique_violation_error(const TableSchema& schema, const IndexDef& index,
                              const std::string& values_text, bool concurrent);

// The values of `index`'s columns in `row` (effective stored values, see stored_value).
std::vector<Value> index_values(const TableSchema& schema, const IndexDef& index, const StoredRow& row);

// Whether `row` is expired in a STREAM table with `ttl_seconds` at `now_us`.
bool stream_row_expired(int64_t ttl_seconds, const StoredRow& row, int64_t now_us);

}  // namespace kalam
