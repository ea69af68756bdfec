// The cold-tier jobs (spec/storage.md § Jobs): flush (STORAGE FLUSH TABLE/ALL and the
// policy scheduler), cleanup after DROP TABLE, user cleanup after DROP USER, and where a
// scope's files go.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "config/server_config.h"
#include "jobs/job_manager.h"
#include "table_store/table_store.h"

namespace kalam {

// The directory of one table scope's cold files: the storage's base directory and its
// shared or user template with {namespace}, {tableName} and {userId} expanded. Each
// value becomes exactly one path segment: bytes outside [A-Za-z0-9_-] (and a leading
// '.') are written %XX, so no name can climb out of the base or collide with another.
// Errors: NOT_FOUND_STORAGE; NOT_IMPLEMENTED for a storage type other than filesystem.
Result<std::string> cold_directory(const CatalogSnapshot& catalog, const TableSchema& schema,
                                   std::string_view scope);

class ColdStorageJobs {
 public:
  ColdStorageJobs(TableStore& tables, SchemaRegistry& registry, UserStore& users, JobManager& jobs,
                  const ServerConfig& config);
  ~ColdStorageJobs();  // stops the scheduler
  ColdStorageJobs(const ColdStorageJobs&) = delete;
  ColdStorageJobs& operator=(const ColdStorageJobs&) = delete;

  // Registers the flush, cleanup and user-cleanup executors. Call before JobManager::open().
  void register_executors();

  struct FlushJob {
    JobRecord job;
    bool existing = false;  // the table's flush job was already queued or running
  };
  // STORAGE FLUSH TABLE: the table's live flush job, or a new one, or a `skipped` job
  // when no scope has rows written since its last flush. Errors: INVALID_ARGUMENT for a
  // STREAM table; the errors of cold_directory.
  Result<FlushJob> request_flush(const TableSchema& schema, const std::string& created_by);

  // After DROP TABLE: a job that deletes the dropped table's cold files, manifests and
  // segment records (its hot rows went with the DROP).
  Result<JobRecord> request_cleanup(uint64_t table_id, const std::string& qualified_name,
                                    const std::string& created_by);

  // One pass of the flush scheduler: a flush job for every USER/SHARED table whose policy
  // is due (a scope with at least the row limit unflushed, or whose oldest unflushed row
  // is older than the interval). Returns the number of jobs created.
  Result<size_t> schedule_due_flushes(int64_t now_us);

  // One pass of the user-cleanup scheduler: a `user_cleanup` job for every user dropped
  // more than [user_management] deletion_grace_period_days ago whose data was not purged
  // yet. The job deletes the user's rows (hot and cold) in every USER and STREAM table.
  Result<size_t> schedule_user_cleanups(int64_t now_us);

  // Submits the `retention` job (key "retention"): it deletes, in every USER and SHARED
  // table, the tombstones older than the table's DELETED_RETENTION_HOURS.
  Result<JobRecord> request_retention();

  // The scheduler thread: schedule_due_flushes and schedule_user_cleanups every
  // [flush] check_interval_seconds, request_retention every hour (the first an hour
  // after start).
  void start();
  void stop();

 private:
  Result<JobResult> run_flush(JobControl& control);
  Result<JobResult> run_cleanup(JobControl& control);
  Result<JobResult> run_user_cleanup(JobControl& control);
  Result<JobResult> run_retention(JobControl& control);
  // Deletes the files of `segments`, their manifests and (empty) folders.
  Result<uint64_t> delete_segment_files(const std::vector<SegmentInfo>& segments);
  void scheduler_loop();

  TableStore& tables_;
  SchemaRegistry& registry_;
  UserStore& users_;
  JobManager& jobs_;
  const ServerConfig& config_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kalam
