// Stream eviction sweep and its scheduler thread.
#include "jobs/stream_eviction.h"

#include <spdlog/spdlog.h>

#include "catalog/table_schema.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "storage/commit_lock.h"
#include "storage/key_encoding.h"
#include "storage/row_codec.h"

namespace kalam {

Result<uint64_t> evict_expired_stream_rows(StorageEngine& storage, const CatalogSnapshot& catalog,
                                           int64_t now_us) {
  uint64_t evicted = 0;
  for (const TableDef* table : catalog.tables()) {
    if (!table->schema || table->schema->table_type != TableType::kStream) continue;
    int64_t ttl_us = table->schema->options.ttl_seconds * 1000000;
    if (ttl_us <= 0) continue;
    KeyEncoder prefix;
    prefix.append_u64(table->table_id);
    std::vector<std::string> candidates;
    Status decode_status;
    KALAM_RETURN_IF_ERROR(storage.scan_prefix(
        ColumnFamily::kRows, prefix.data(), [&](std::string_view key, std::string_view value) {
          auto header = decode_row_header(value);
          if (!header.is_ok()) {
            decode_status = header.status();
            return false;
          }
          if (snowflake_unix_ms(header->seq) * 1000 + ttl_us <= now_us) {
            candidates.emplace_back(key);
          }
          return true;
        }));
    KALAM_RETURN_IF_ERROR(decode_status);
    if (!candidates.empty()) {
      // Re-check under the commit lock: a row re-written since the scan (same key,
      // newer _seq) must survive.
      std::lock_guard<std::mutex> lock(row_commit_mutex());
      WriteBatch confirmed;
      for (const std::string& key : candidates) {
        KALAM_ASSIGN_OR_RETURN(std::optional<std::string> value, storage.get(ColumnFamily::kRows, key));
        if (!value) continue;
        KALAM_ASSIGN_OR_RETURN(RowHeader header, decode_row_header(*value));
        if (snowflake_unix_ms(header.seq) * 1000 + ttl_us <= now_us) confirmed.del(ColumnFamily::kRows, key);
      }
      evicted += confirmed.count();
      if (!confirmed.empty()) KALAM_RETURN_IF_ERROR(storage.write(confirmed));
    }
  }
  return evicted;
}

StreamEvictionScheduler::StreamEvictionScheduler(StorageEngine& storage, SchemaRegistry& registry,
                                                 std::chrono::seconds interval)
    : storage_(storage), registry_(registry), interval_(interval) {}

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
    auto evicted = evict_expired_stream_rows(storage_, *registry_.snapshot(), now_unix_micros());
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
