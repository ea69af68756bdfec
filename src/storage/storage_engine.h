// The RocksDB wrapper: one database with a fixed set of column families, atomic write
// batches, point reads and ordered scans (spec/storage.md § Hot tier). Only
// storage_engine.cpp includes RocksDB; rocksdb::Status never leaves it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam {

// The fixed set of column families (RocksDB's "default" family also exists, unused).
enum class ColumnFamily : uint8_t {
  kSystem,   // "system": catalog, users, jobs, audit
  kRows,     // "rows": USER and SHARED table rows
  kStreams,  // "streams": STREAM table rows
  kIndex,    // "index": secondary structures such as the per-scope _seq index
};
inline constexpr size_t kColumnFamilyCount = 4;

// On-disk name of a column family: "system", "rows", "streams" or "index".
std::string_view column_family_name(ColumnFamily family);

struct StorageOptions {
  // The RocksDB directory itself (the server passes "{data_path}/rocksdb"); created with
  // its parents if missing.
  std::string path;
  // fsync the WAL on every write(); false leaves acknowledged writes in the OS page cache
  // (safe against a process crash, not against power loss).
  bool sync_writes = false;
  // One LRU cache shared by all column families; index and filter blocks are charged to it.
  size_t block_cache_mb = 64;
  // Size of one memtable; the memtables of all column families together are capped at
  // 4 * write_buffer_mb (RocksDB flushes the largest one when the cap is reached).
  size_t write_buffer_mb = 16;
  int max_open_files = 512;
};

// Called once per key, in ascending byte order; return false to stop the scan early.
// The views are valid only during the call.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// Writes collected for one atomic StorageEngine::write(): all of them become visible and
// durable together, or none does. Keys and values are copied in. Not thread-safe; a
// batch may be written to any StorageEngine.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&& other) noexcept;
  WriteBatch& operator=(WriteBatch&& other) noexcept;
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void put(ColumnFamily family, std::string_view key, std::string_view value);
  void del(ColumnFamily family, std::string_view key);
  // Deletes every key in [begin_inclusive, end_exclusive) (a dropped table's or user's
  // keys) without reading them. REQUIRES: begin_inclusive <= end_exclusive, end not empty.
  void del_range(ColumnFamily family, std::string_view begin_inclusive, std::string_view end_exclusive);

  // Raises the 8-byte big-endian counter under `key` to at least `value` (a RocksDB
  // merge: concurrent batches never lower it, whatever order they land in).
  void max_u64(ColumnFamily family, std::string_view key, uint64_t value);

  // Appends every operation of `other`, in order.
  void append(const WriteBatch& other);

  // Number of operations (put, del, del_range) added so far.
  size_t count() const;
  bool empty() const { return count() == 0; }
  void clear();

 private:
  friend class StorageEngine;
  struct Impl;
  Impl& mutable_impl();

  std::unique_ptr<Impl> impl_;
};

class StorageEngine;

// A consistent read view of the whole database (a RocksDB snapshot): reads through it see
// exactly the writes completed before it was taken. Released when the last reference
// goes; must not outlive its StorageEngine.
class StorageSnapshot {
 public:
  ~StorageSnapshot();
  StorageSnapshot(const StorageSnapshot&) = delete;
  StorageSnapshot& operator=(const StorageSnapshot&) = delete;

  struct Impl;  // opaque (storage_engine.cpp)

 private:
  friend class StorageEngine;
  explicit StorageSnapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A pull iterator over the keys of one column family within [lower, upper), at a snapshot
// or at the latest state (RocksDB's Iterator, which pins what it reads). Not thread-safe.
// key()/value() are valid until the next move. Must not outlive its StorageEngine.
class StorageIterator {
 public:
  ~StorageIterator();
  StorageIterator(const StorageIterator&) = delete;
  StorageIterator& operator=(const StorageIterator&) = delete;

  bool valid() const;
  // First key >= target (clamped to the bounds).
  void seek(std::string_view target);
  // Last key <= target.
  void seek_for_prev(std::string_view target);
  // Last key of the range (strictly below the upper bound).
  void seek_to_last();
  void next();
  void prev();
  std::string_view key() const;
  std::string_view value() const;
  // kInternalStorageError when the iteration stopped on an I/O error or corruption.
  Status status() const;

 private:
  friend class StorageEngine;
  struct Impl;
  explicit StorageIterator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An open RocksDB database. Reads and writes may be called concurrently from any number of
// threads (reads take no lock); close() and the destructor must not race with other calls.
// After close(), every method returns kInternalStorageError.
class StorageEngine {
 public:
  // Opens (creating if missing) the database at options.path with every column family of
  // ColumnFamily; column families found on disk that KalamDB does not know are opened and
  // left alone. Errors (kInternalStorageError): directory cannot be created, database
  // locked by another process or another open StorageEngine, corruption, I/O failure.
  // kInvalidArgument if options.path is empty.
  static Result<std::unique_ptr<StorageEngine>> open(const StorageOptions& options);

  ~StorageEngine();
  StorageEngine(const StorageEngine&) = delete;
  StorageEngine& operator=(const StorageEngine&) = delete;

  // The value stored under `key`, or std::nullopt when there is none; at `snapshot` when
  // given, else the latest committed state.
  Result<std::optional<std::string>> get(ColumnFamily family, std::string_view key,
                                         const StorageSnapshot* snapshot = nullptr) const;

  // Like get(), into a caller-owned buffer (no allocation when it is large enough).
  // Returns whether the key exists; *value is unspecified when it does not.
  Result<bool> get_into(ColumnFamily family, std::string_view key, std::string* value,
                        const StorageSnapshot* snapshot = nullptr) const;

  // The values of `keys` (one RocksDB MultiGet: batched block reads), at `snapshot` or
  // the latest state: (*values)[i] is nullopt when keys[i] does not exist.
  Status multi_get(ColumnFamily family, const std::vector<std::string>& keys,
                   std::vector<std::optional<std::string>>* values,
                   const StorageSnapshot* snapshot = nullptr) const;

  // A consistent view of the database as of now.
  std::shared_ptr<const StorageSnapshot> snapshot() const;

  // An iterator over [lower_inclusive, upper_exclusive) of `family` (an empty upper means
  // no upper bound), at `snapshot` or the latest state. Unpositioned: call seek() first.
  Result<std::unique_ptr<StorageIterator>> new_iterator(ColumnFamily family, std::string lower_inclusive,
                                                        std::string upper_exclusive,
                                                        const StorageSnapshot* snapshot = nullptr) const;

  // Applies the batch atomically (WAL on; fsync'ed when options.sync_writes). An empty
  // batch is a no-op. The batch is left unchanged.
  Status write(const WriteBatch& batch);
  // The same, fsync'ing the WAL when `sync` whatever options.sync_writes says (a flush's
  // intent and commit records must be on disk before the files they describe change).
  Status write(const WriteBatch& batch, bool sync);

  // Visits every key starting with `prefix` in ascending order, from one consistent
  // snapshot taken when the scan starts. An empty prefix visits the whole column family.
  Status scan_prefix(ColumnFamily family, std::string_view prefix, const ScanVisitor& visit) const;

  // Visits every key in [begin_inclusive, end_exclusive) in ascending order (descending
  // when `reverse`), from one consistent snapshot. An empty end_exclusive means "no upper
  // bound" (see prefix_successor); begin_inclusive >= a non-empty end_exclusive visits
  // nothing.
  Status scan_range(ColumnFamily family, std::string_view begin_inclusive, std::string_view end_exclusive,
                    const ScanVisitor& visit, bool reverse = false) const;

  // The greatest key starting with `prefix` (std::nullopt when there is none): one
  // reverse seek, for "last id" look-ups at start-up.
  Result<std::optional<std::string>> last_key_with_prefix(ColumnFamily family, std::string_view prefix) const;

  // Number of keys starting with `prefix`. For a non-empty prefix the keys are counted
  // (exact, cost proportional to the count); for an empty prefix RocksDB's
  // estimate-num-keys is returned (O(1); overwrites and deletes make it approximate).
  Result<uint64_t> approximate_count(ColumnFamily family, std::string_view prefix) const;

  // Writes every memtable to SST files and waits for it (graceful shutdown, tests).
  Status flush_memtables();

  // Flushes, then compacts every family fully and waits (benchmarks: a settled tree, no
  // background compaction competing with what is measured).
  Status compact_all();

  // Syncs the WAL and closes the database; idempotent. Also done by the destructor, which
  // ignores errors: call close() to see them.
  Status close();

  const std::string& path() const;

 private:
  struct Impl;
  explicit StorageEngine(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace kalam
