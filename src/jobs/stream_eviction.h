// Stream eviction: removes STREAM-table rows older than their table's TTL_SECONDS
// from RocksDB (queries already never return them), and a scheduler that runs it
// every `[stream] eviction_interval_seconds`.
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

class StreamEvictionScheduler {
 public:
  StreamEvictionScheduler(TableStore& store, SchemaRegistry& registry, std::chrono::seconds interval);
  ~StreamEvictionScheduler();  // stops and joins

  void start();
  void stop();  // idempotent
  uint64_t rows_evicted() const { return rows_evicted_.load(); }

 private:
  void run();

  TableStore& store_;
  SchemaRegistry& registry_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> rows_evicted_{0};
};

}  // namespace kalam
