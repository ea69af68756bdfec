// Stream eviction sweep and its scheduler thread.
#include "jobs/stream_eviction.h"

#include <spdlog/spdlog.h>

#include "catalog/table_schema.h"
#include "common/time_util.h"
#include "jobs/job_manager.h"

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

Result<bool> any_expired_stream_rows(const TableStore& store, const CatalogSnapshot& catalog,
                                     int64_t now_us) {
  for (const TableDef* table : catalog.tables()) {
    if (!table->schema || table->schema->table_type != TableType::kStream) continue;
    KALAM_ASSIGN_OR_RETURN(bool expired, store.has_expired_rows(*table->schema, now_us));
    if (expired) return true;
  }
  return false;
}

StreamEvictionScheduler::StreamEvictionScheduler(TableStore& store, SchemaRegistry& registry,
                                                 std::chrono::seconds interval, JobManager* jobs)
    : store_(store), registry_(registry), interval_(interval), jobs_(jobs) {
  if (jobs_ == nullptr) return;
  jobs_->set_executor(
      JobType::kStreamEviction,
      [this](JobControl&) -> Result<JobResult> {
        KALAM_ASSIGN_OR_RETURN(uint64_t evicted,
                               evict_expired_stream_rows(store_, *registry_.snapshot(), now_unix_micros()));
        rows_evicted_ += evicted;
        return JobResult{evicted == 0 ? JobStatus::kSkipped : JobStatus::kCompleted,
                         "evicted " + std::to_string(evicted) + " expired row(s)"};
      },
      true);
}

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
    if (jobs_ != nullptr) {
      auto due = any_expired_stream_rows(store_, *registry_.snapshot(), now_unix_micros());
      if (!due.is_ok()) {
        spdlog::error("stream eviction check failed: {}", due.status().to_string());
      } else if (*due) {
        auto submitted = jobs_->submit(JobType::kStreamEviction, "stream_eviction", "{}", "system");
        if (!submitted.is_ok()) spdlog::error("stream eviction job: {}", submitted.status().to_string());
      }
      lock.lock();
      continue;
    }
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
