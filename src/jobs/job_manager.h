// The job manager (spec/storage.md § Jobs): background work as rows of `system.jobs`,
// run on a bounded pool, with idempotency keys, retries with exponential backoff, KILL
// JOB, recovery after a restart and a bounded graceful stop.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/storage_engine.h"

namespace kalam {

enum class JobType : uint8_t { kFlush, kCleanup, kRetention, kStreamEviction, kUserCleanup };
enum class JobStatus : uint8_t { kQueued, kRunning, kRetrying, kCompleted, kFailed, kCancelled, kSkipped };

// "flush", "cleanup", "retention", "stream_eviction", "user_cleanup".
std::string_view job_type_name(JobType type);
// "FL", "CL", "RT", "SE", "UC".
std::string_view job_id_prefix(JobType type);
// "queued", "running", "retrying", "completed", "failed", "cancelled", "skipped".
std::string_view job_status_name(JobStatus status);
// completed, failed, cancelled or skipped: the job will not run again.
bool job_finished(JobStatus status);

struct JobRecord {
  std::string job_id;  // prefix + "-" + 12 hex digits
  JobType type = JobType::kFlush;
  JobStatus status = JobStatus::kQueued;
  std::string parameters_json = "{}";
  std::string message;
  std::string error;
  std::string idempotency_key;
  int64_t retry_count = 0;
  int64_t max_retries = 0;
  std::string created_by;
  int64_t created_at_us = 0;
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  int64_t not_before_us = 0;  // a retrying job waits until then
};

// What a running job sees.
class JobControl {
 public:
  JobControl(const JobRecord& record, const std::atomic<bool>& cancel) : record_(record), cancel_(cancel) {}
  // True after KILL JOB or when the server is stopping: the job should stop at its next
  // checkpoint, leaving its partial work complete or invisible.
  bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
  const JobRecord& record() const { return record_; }

 private:
  const JobRecord& record_;
  const std::atomic<bool>& cancel_;
};

// A job's result: kCompleted or kSkipped, and the message shown in system.jobs.
struct JobResult {
  JobStatus status = JobStatus::kCompleted;
  std::string message;
};

// Runs one job. kCancelled means it stopped at a checkpoint after cancelled() became true.
using JobExecutor = std::function<Result<JobResult>(JobControl&)>;

struct JobManagerOptions {
  size_t max_concurrent = 4;
  int64_t max_retries = 3;
  int64_t retry_backoff_ms = 1000;
  // Finished jobs older than this are removed from system.jobs at start-up; and of the
  // finished jobs with one idempotency key only the newest 100 are kept.
  int64_t finished_retention_us = int64_t{7} * 24 * 3600 * 1'000'000;
};

class JobManager {
 public:
  JobManager(StorageEngine& storage, JobManagerOptions options);
  ~JobManager();  // stops, waiting for running jobs to reach their checkpoint
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Registers what runs jobs of `type`; `retryable` jobs are retried after a failure and
  // re-queued after a restart. Call before open().
  void set_executor(JobType type, JobExecutor executor, bool retryable);

  // Loads system.jobs. Jobs found `running` are marked failed ("server restarted during
  // execution") and, when retryable, queued again as a new job with the same key and
  // parameters; queued and retrying jobs are queued. Finished jobs past retention go.
  Status open();
  // Starts the pool (options.max_concurrent threads).
  void start();
  // Stops taking jobs, asks running jobs to stop at their next checkpoint and waits for
  // them at most `timeout`. Returns false when a job was still running then: its thread
  // is detached and still uses this manager and what the job touches, so the caller must
  // keep them alive (the process is exiting; the restart recovery marks the job failed).
  bool stop(std::chrono::milliseconds timeout);

  struct Submitted {
    JobRecord record;
    bool existing = false;  // a queued/running/retrying job with the same key
  };
  // Creates a job (its system.jobs row is written before it can run), or returns the live
  // job with the same idempotency key. Errors: storage errors; kServiceUnavailable when
  // stopping.
  Result<Submitted> submit(JobType type, const std::string& idempotency_key,
                           const std::string& parameters_json, const std::string& created_by);
  // The queued, running or retrying job with this key, if any.
  std::optional<JobRecord> live_job(const std::string& idempotency_key) const;
  // Records a job that has nothing to do: status `skipped`, finished at once.
  Result<JobRecord> record_skipped(JobType type, const std::string& idempotency_key,
                                   const std::string& parameters_json, const std::string& created_by,
                                   const std::string& message);
  // KILL JOB: a queued or retrying job is cancelled at once; a running job is asked to
  // stop at its next checkpoint (the returned record still says `running`). Errors:
  // NOT_FOUND_JOB; INVALID_ARGUMENT (details.status) for a finished job.
  Result<JobRecord> kill(const std::string& job_id);

  std::optional<JobRecord> find(const std::string& job_id) const;
  // The most recently created job with this idempotency key, if any.
  std::optional<JobRecord> latest(const std::string& idempotency_key) const;
  // Every job, oldest first.
  std::vector<JobRecord> list() const;
  // Waits until the job has finished (tests, benchmarks); nullopt on timeout.
  std::optional<JobRecord> wait(const std::string& job_id, std::chrono::milliseconds timeout) const;

 private:
  struct Entry {
    JobRecord record;
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  };
  struct TypeInfo {
    JobExecutor executor;
    bool retryable = false;
  };

  Status persist(const JobRecord& record);
  const JobRecord* live_job_locked(const std::string& idempotency_key) const;
  // Keeps the newest kFinishedJobsPerKey finished jobs of `key` (recurring jobs such as
  // stream eviction would otherwise fill system.jobs).
  Status prune_finished_locked(const std::string& key);
  static constexpr size_t kFinishedJobsPerKey = 100;
  std::string new_job_id(JobType type);
  Result<Submitted> create_locked(JobType type, const std::string& key, const std::string& parameters_json,
                                  const std::string& created_by, JobStatus status,
                                  const std::string& message);
  void worker();
  void run_one(const std::string& job_id);

  StorageEngine& storage_;
  const JobManagerOptions options_;
  std::map<JobType, TypeInfo> types_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // a job was queued, finished, or stop began
  std::map<std::string, Entry> jobs_;
  std::deque<std::string> queue_;  // queued and retrying job ids
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  size_t running_ = 0;
  uint64_t id_state_;
};

}  // namespace kalam
