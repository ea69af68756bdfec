// Stream eviction sweep and its scheduler thread.
#include "jobs/stream_eviction.h"

#include <spdlog/spdlog.h>

#include "catalog/table_schema.h"
#include "common/time_util.h"

namespace kalam {

Result<uint64_t> evict_expired_stream_rows(TableStore& store, const CatalogSnapshot& catalog,
                                           int64_t now_us) {
  uint64_t evicted = 0;
  for (const TableDef* table : catalog.tables()) {
    if (!table->schema || table->schema->table_type != TableType::kStream) continue;
    KALAM_ASSIGN_OR_RETURN(uint64_t removed, store.evict_expired(*table->schema, now_us));
    evicted += removed;
  }
  return evicted;
}

StreamEvictionScheduler::StreamEvictionScheduler(TableStore& store, SchemaRegistry& registry,
                                                 std::chrono::seconds interval)
    : store_(store), registry_(registry), interval_(interval) {}

StreamEvictionScheduler::~StreamEvictionScheduler() { stop(); }

void StreamEvictionScheduler::start() {
  thread_ = std::thread([this] { run(); });
}

void StreamEvictionScheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamEvictionScheduler::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto evicted = evict_expired_stream_rows(store_, *registry_.snapshot(), now_unix_micros());
    if (!evicted.is_ok()) {
      spdlog::error("stream eviction failed: {}", evicted.status().to_string());
    } else if (*evicted > 0) {
      rows_evicted_ += *evicted;
      spdlog::debug("stream eviction removed {} expired row(s)", *evicted);
    }
    lock.lock();
  }
}

}  // namespace kalam
