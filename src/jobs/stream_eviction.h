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
#include "storage/storage_engine.h"

namespace kalam {

// Deletes every expired row of every STREAM table (all scopes). Returns the number
// of rows removed. Thread-safe with concurrent writers: only rows whose _seq says
// they expired are deleted, and a row is never rewritten with an older _seq.
Result<uint64_t> evict_expired_stream_rows(StorageEngine& storage, const CatalogSnapshot& catalog,
                                           int64_t now_us);

class StreamEvictionScheduler {
 public:
  StreamEvictionScheduler(StorageEngine& storage, SchemaRegistry& registry, std::chrono::seconds interval);
  ~StreamEvictionScheduler();  // stops and joins

  void start();
  void stop();  // idempotent
  uint64_t rows_evicted() const { return rows_evicted_.load(); }

 private:
  void run();

  StorageEngine& storage_;
  SchemaRegistry& registry_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> rows_evicted_{0};
};

}  // namespace kalam
