// Stream eviction: removes STREAM-table rows older than their table's TTL_SECONDS
// from RocksDB (queries already never return them), and a scheduler that checks every
// `[stream] eviction_interval_seconds` and, when some STREAM table has expired rows,
// runs the sweep as a `stream_eviction` job (spec/storage.md § Jobs).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "catalog/schema_registry.h"
#include "common/status.h"
#include "table_store/table_store.h"

namespace kalam {

// Deletes every expired row of every STREAM table (all scopes), reading only the expired
// part of each table's expiry index (TableStore::evict_expired). Returns the number of
// rows removed. Thread-safe with concurrent writers: each row is re-checked under its
// key lock, and a row rewritten since its expiry entry was read survives.
Result<uint64_t> evict_expired_stream_rows(TableStore& store, const CatalogSnapshot& catalog, int64_t now_us);

// Whether any STREAM table has rows past their TTL (one seek per STREAM table).
Result<bool> any_expired_stream_rows(const TableStore& store, const CatalogSnapshot& catalog, int64_t now_us);

class JobManager;

class StreamEvictionScheduler {
 public:
  // With `jobs`, a tick that finds expired rows submits a `stream_eviction` job (key
  // "stream_eviction": at most one queued or running) and nothing else; the executor it
  // registers runs the sweep. Without, the tick sweeps itself (tests).
  StreamEvictionScheduler(TableStore& store, SchemaRegistry& registry, std::chrono::seconds interval,
                          JobManager* jobs = nullptr);
  ~StreamEvictionScheduler();  // stops and joins

  void start();
  void stop();  // idempotent
  uint64_t rows_evicted() const { return rows_evicted_.load(); }

 private:
  void run();

  TableStore& store_;
  SchemaRegistry& registry_;
  std::chrono::seconds interval_;
  JobManager* jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> rows_evicted_{0};
};

}  // namespace kalam
