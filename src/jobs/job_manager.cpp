// Job manager (see job_manager.h).
#include "jobs/job_manager.h"

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "common/time_util.h"
#include "storage/system_keys.h"

namespace kalam {
namespace {

constexpr std::string_view kJobKeyPrefix = "jb:";
constexpr const char* kRestartedError = "server restarted during execution";

std::string job_key(std::string_view job_id) { return system_keys::make(kJobKeyPrefix, job_id); }

std::string encode_job(const JobRecord& job) {
  boost::json::object out;
  out["job_id"] = job.job_id;
  out["job_type"] = job_type_name(job.type);
  out["status"] = job_status_name(job.status);
  out["parameters"] = job.parameters_json;
  out["message"] = job.message;
  out["error"] = job.error;
  out["idempotency_key"] = job.idempotency_key;
  out["retry_count"] = job.retry_count;
  out["max_retries"] = job.max_retries;
  out["created_by"] = job.created_by;
  out["created_at_us"] = job.created_at_us;
  out["started_at_us"] = job.started_at_us;
  out["finished_at_us"] = job.finished_at_us;
  out["not_before_us"] = job.not_before_us;
  return boost::json::serialize(out);
}

template <typename Enum, size_t N>
std::optional<Enum> enum_named(std::string_view name, std::string_view (*name_of)(Enum)) {
  for (size_t idx = 0; idx < N; ++idx) {
    if (name_of(static_cast<Enum>(idx)) == name) return static_cast<Enum>(idx);
  }
  return std::nullopt;
}

Result<JobRecord> decode_job(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return Status(ErrorCode::kInternalStorageError, "corrupt job record");
  JobRecord job;
  try {
    const boost::json::object& in = parsed.as_object();
    job.job_id = std::string(in.at("job_id").as_string());
    auto type = enum_named<JobType, 5>(in.at("job_type").as_string(), job_type_name);
    auto status = enum_named<JobStatus, 7>(in.at("status").as_string(), job_status_name);
    if (!type || !status) return Status(ErrorCode::kInternalStorageError, "corrupt job record");
    job.type = *type;
    job.status = *status;
    job.parameters_json = std::string(in.at("parameters").as_string());
    job.message = std::string(in.at("message").as_string());
    job.error = std::string(in.at("error").as_string());
    job.idempotency_key = std::string(in.at("idempotency_key").as_string());
    job.retry_count = boost::json::value_to<int64_t>(in.at("retry_count"));
    job.max_retries = boost::json::value_to<int64_t>(in.at("max_retries"));
    job.created_by = std::string(in.at("created_by").as_string());
    job.created_at_us = boost::json::value_to<int64_t>(in.at("created_at_us"));
    job.started_at_us = boost::json::value_to<int64_t>(in.at("started_at_us"));
    job.finished_at_us = boost::json::value_to<int64_t>(in.at("finished_at_us"));
    job.not_before_us = boost::json::value_to<int64_t>(in.at("not_before_us"));
  } catch (const std::exception&) {
    return Status(ErrorCode::kInternalStorageError, "corrupt job record");
  }
  return job;
}

}  // namespace

std::string_view job_type_name(JobType type) {
  switch (type) {
    case JobType::kFlush:
      return "flush";
    case JobType::kCleanup:
      return "cleanup";
    case JobType::kRetention:
      return "retention";
    case JobType::kStreamEviction:
      return "stream_eviction";
    case JobType::kUserCleanup:
      return "user_cleanup";
  }
  return "unknown";
}

std::string_view job_id_prefix(JobType type) {
  switch (type) {
    case JobType::kFlush:
      return "FL";
    case JobType::kCleanup:
      return "CL";
    case JobType::kRetention:
      return "RT";
    case JobType::kStreamEviction:
      return "SE";
    case JobType::kUserCleanup:
      return "UC";
  }
  return "JB";
}

std::string_view job_status_name(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kRetrying:
      return "retrying";
    case JobStatus::kCompleted:
      return "completed";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kCancelled:
      return "cancelled";
    case JobStatus::kSkipped:
      return "skipped";
  }
  return "unknown";
}

bool job_finished(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed || status == JobStatus::kCancelled ||
         status == JobStatus::kSkipped;
}

JobManager::JobManager(StorageEngine& storage, JobManagerOptions options)
    : storage_(storage),
      options_(options),
      id_state_(std::random_device{}() ^ static_cast<uint64_t>(now_unix_micros())) {}

// Running jobs hold `this`: wait for them (they are asked to stop at their checkpoint).
JobManager::~JobManager() { (void)stop(std::chrono::hours(24)); }

void JobManager::set_executor(JobType type, JobExecutor executor, bool retryable) {
  std::lock_guard<std::mutex> lock(mutex_);
  types_[type] = TypeInfo{std::move(executor), retryable};
}

Status JobManager::persist(const JobRecord& record) {
  WriteBatch batch;
  batch.put(ColumnFamily::kSystem, job_key(record.job_id), encode_job(record));
  return storage_.write(batch);
}

std::string JobManager::new_job_id(JobType type) {
  // splitmix64 over a random seed: ids are unpredictable enough and never repeat in practice.
  uint64_t value = (id_state_ += 0x9E3779B97F4A7C15ull);
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
  value ^= value >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(job_id_prefix(type));
  id += '-';
  for (int digit = 11; digit >= 0; --digit) id += kHex[(value >> (4 * digit)) & 0xF];
  return id;
}

Status JobManager::open() {
  std::vector<JobRecord> loaded;
  Status decoded = Status::ok();
  KALAM_RETURN_IF_ERROR(storage_.scan_prefix(ColumnFamily::kSystem, kJobKeyPrefix,
                                             [&](std::string_view, std::string_view value) {
                                               auto job = decode_job(value);
                                               if (!job.is_ok()) {
                                                 decoded = job.status();
                                                 return false;
                                               }
                                               loaded.push_back(std::move(*job));
                                               return true;
                                             }));
  KALAM_RETURN_IF_ERROR(decoded);
  const int64_t now = now_unix_micros();
  std::sort(loaded.begin(), loaded.end(),
            [](const JobRecord& a, const JobRecord& b) { return a.created_at_us < b.created_at_us; });
  std::lock_guard<std::mutex> lock(mutex_);
  WriteBatch removals;
  for (JobRecord& job : loaded) {
    if (job_finished(job.status) && now - job.finished_at_us > options_.finished_retention_us) {
      removals.del(ColumnFamily::kSystem, job_key(job.job_id));
      continue;
    }
    if (job.status == JobStatus::kRunning) {
      job.status = JobStatus::kFailed;
      job.error = kRestartedError;
      job.finished_at_us = now;
      KALAM_RETURN_IF_ERROR(persist(job));
      jobs_[job.job_id].record = job;
      auto type = types_.find(job.type);
      if (type != types_.end() && type->second.retryable) {
        auto again = create_locked(job.type, job.idempotency_key, job.parameters_json, job.created_by,
                                   JobStatus::kQueued,
                                   "re-queued after " + job.job_id + " was interrupted by a restart");
        if (!again.is_ok()) return again.status();
      }
      continue;
    }
    jobs_[job.job_id].record = job;
    if (job.status == JobStatus::kQueued || job.status == JobStatus::kRetrying) queue_.push_back(job.job_id);
  }
  return storage_.write(removals);
}

void JobManager::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!workers_.empty() || stopping_) return;
  for (size_t idx = 0; idx < std::max<size_t>(options_.max_concurrent, 1); ++idx) {
    workers_.emplace_back([this] { worker(); });
  }
}

bool JobManager::stop(std::chrono::milliseconds timeout) {
  std::vector<std::thread> workers;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& [id, entry] : jobs_) {
      if (entry.record.status == JobStatus::kRunning) entry.cancel->store(true);
    }
    changed_.notify_all();
    changed_.wait_for(lock, timeout, [&] { return running_ == 0; });
    if (running_ != 0) {
      // Still running after the timeout: the workers are detached (the process is about
      // to exit); the restart recovery marks those jobs failed.
      for (std::thread& thread : workers_) thread.detach();
      workers_.clear();
      return false;
    }
    workers.swap(workers_);
  }
  for (std::thread& thread : workers) thread.join();
  return true;
}

Result<JobManager::Submitted> JobManager::create_locked(JobType type, const std::string& key,
                                                        const std::string& parameters_json,
                                                        const std::string& created_by, JobStatus status,
                                                        const std::string& message) {
  JobRecord job;
  job.job_id = new_job_id(type);
  job.type = type;
  job.status = status;
  job.parameters_json = parameters_json;
  job.message = message;
  job.idempotency_key = key;
  auto info = types_.find(type);
  job.max_retries = info != types_.end() && info->second.retryable ? options_.max_retries : 0;
  job.created_by = created_by;
  job.created_at_us = now_unix_micros();
  if (job_finished(status)) job.finished_at_us = job.created_at_us;
  KALAM_RETURN_IF_ERROR(persist(job));
  jobs_[job.job_id].record = job;
  KALAM_RETURN_IF_ERROR(prune_finished_locked(key));
  if (status == JobStatus::kQueued) {
    queue_.push_back(job.job_id);
    changed_.notify_all();
  }
  return Submitted{job, false};
}

Status JobManager::prune_finished_locked(const std::string& key) {
  std::vector<const JobRecord*> finished;
  for (const auto& [id, entry] : jobs_) {
    if (entry.record.idempotency_key == key && job_finished(entry.record.status))
      finished.push_back(&entry.record);
  }
  if (finished.size() <= kFinishedJobsPerKey) return Status::ok();
  std::sort(finished.begin(), finished.end(),
            [](const JobRecord* a, const JobRecord* b) { return a->created_at_us < b->created_at_us; });
  WriteBatch batch;
  std::vector<std::string> removed;
  for (size_t idx = 0; idx + kFinishedJobsPerKey < finished.size(); ++idx) {
    batch.del(ColumnFamily::kSystem, job_key(finished[idx]->job_id));
    removed.push_back(finished[idx]->job_id);
  }
  KALAM_RETURN_IF_ERROR(storage_.write(batch));
  for (const std::string& id : removed) jobs_.erase(id);
  return Status::ok();
}

Result<JobManager::Submitted> JobManager::submit(JobType type, const std::string& idempotency_key,
                                                 const std::string& parameters_json,
                                                 const std::string& created_by) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return Status(ErrorCode::kServiceUnavailable, "the server is shutting down");
  if (const JobRecord* live = live_job_locked(idempotency_key)) return Submitted{*live, true};
  return create_locked(type, idempotency_key, parameters_json, created_by, JobStatus::kQueued, "");
}

const JobRecord* JobManager::live_job_locked(const std::string& idempotency_key) const {
  for (const auto& [id, entry] : jobs_) {
    if (entry.record.idempotency_key == idempotency_key && !job_finished(entry.record.status))
      return &entry.record;
  }
  return nullptr;
}

std::optional<JobRecord> JobManager::live_job(const std::string& idempotency_key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const JobRecord* live = live_job_locked(idempotency_key);
  return live == nullptr ? std::nullopt : std::optional<JobRecord>(*live);
}

Result<JobRecord> JobManager::record_skipped(JobType type, const std::string& idempotency_key,
                                             const std::string& parameters_json,
                                             const std::string& created_by, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  KALAM_ASSIGN_OR_RETURN(Submitted created, create_locked(type, idempotency_key, parameters_json, created_by,
                                                          JobStatus::kSkipped, message));
  return created.record;
}

Result<JobRecord> JobManager::kill(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return Status(ErrorCode::kNotFoundJob, "Job '" + job_id + "' not found").with_detail("name", job_id);
  }
  JobRecord& job = it->second.record;
  if (job_finished(job.status)) {
    const std::string status(job_status_name(job.status));
    return Status(ErrorCode::kInvalidArgument, "Job '" + job_id + "' has already finished: " + status)
        .with_detail("status", status);
  }
  if (job.status == JobStatus::kRunning) {
    it->second.cancel->store(true);
    return job;
  }
  JobRecord cancelled = job;
  cancelled.status = JobStatus::kCancelled;
  cancelled.finished_at_us = now_unix_micros();
  cancelled.message = "cancelled by KILL JOB";
  KALAM_RETURN_IF_ERROR(persist(cancelled));
  job = cancelled;
  queue_.erase(std::remove(queue_.begin(), queue_.end(), job_id), queue_.end());
  changed_.notify_all();
  return job;
}

std::optional<JobRecord> JobManager::find(const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.record;
}

std::optional<JobRecord> JobManager::latest(const std::string& idempotency_key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<JobRecord> found;
  for (const auto& [id, entry] : jobs_) {
    if (entry.record.idempotency_key != idempotency_key) continue;
    if (!found || entry.record.created_at_us > found->created_at_us) found = entry.record;
  }
  return found;
}

std::vector<JobRecord> JobManager::list() const {
  std::vector<JobRecord> out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, entry] : jobs_) out.push_back(entry.record);
  }
  std::sort(out.begin(), out.end(), [](const JobRecord& a, const JobRecord& b) {
    return a.created_at_us != b.created_at_us ? a.created_at_us < b.created_at_us : a.job_id < b.job_id;
  });
  return out;
}

std::optional<JobRecord> JobManager::wait(const std::string& job_id,
                                          std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  std::optional<JobRecord> found;
  changed_.wait_for(lock, timeout, [&] {
    auto it = jobs_.find(job_id);
    if (it != jobs_.end() && job_finished(it->second.record.status)) found = it->second.record;
    return found.has_value();
  });
  return found;
}

void JobManager::worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    const int64_t now = now_unix_micros();
    auto ready = std::find_if(queue_.begin(), queue_.end(),
                              [&](const std::string& id) { return jobs_[id].record.not_before_us <= now; });
    if (ready == queue_.end()) {
      // Sleep until a job is queued, or the earliest retry is due.
      int64_t wake = INT64_MAX;
      for (const std::string& id : queue_) wake = std::min(wake, jobs_[id].record.not_before_us);
      if (wake == INT64_MAX) {
        changed_.wait(lock);
      } else {
        changed_.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(wake - now, 1000)));
      }
      continue;
    }
    std::string job_id = *ready;
    queue_.erase(ready);
    ++running_;
    lock.unlock();
    run_one(job_id);
    lock.lock();
    --running_;
    changed_.notify_all();
  }
}

void JobManager::run_one(const std::string& job_id) {
  JobRecord job;
  std::shared_ptr<std::atomic<bool>> cancel;
  JobExecutor executor;
  bool retryable = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = jobs_[job_id];
    if (entry.record.status != JobStatus::kQueued && entry.record.status != JobStatus::kRetrying) return;
    entry.record.status = JobStatus::kRunning;
    entry.record.started_at_us = now_unix_micros();
    job = entry.record;
    cancel = entry.cancel;
    auto type = types_.find(job.type);
    if (type != types_.end()) {
      executor = type->second.executor;
      retryable = type->second.retryable;
    }
  }
  persist(job).permit_unchecked();  // if the row cannot be written, the outcome row will say
  Result<JobResult> result = executor ? [&]() -> Result<JobResult> {
    JobControl control(job, *cancel);
    return executor(control);
  }()
      : Result<JobResult>(Status(ErrorCode::kInternalError, "no executor for this job type"));

  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = jobs_[job_id];
  JobRecord& record = entry.record;
  const int64_t now = now_unix_micros();
  if (result.is_ok()) {
    record.status = result->status;
    record.message = result->message;
    record.error.clear();
    record.finished_at_us = now;
  } else if (result.status().code() == ErrorCode::kCancelled || cancel->load()) {
    record.status = JobStatus::kCancelled;
    record.message = stopping_ && !cancel->load() ? "stopped by shutdown" : "cancelled by KILL JOB";
    record.error = result.is_ok() ? "" : result.status().message();
    record.finished_at_us = now;
  } else if (retryable && record.retry_count < record.max_retries && !stopping_) {
    ++record.retry_count;
    record.status = JobStatus::kRetrying;
    record.error = result.status().message();
    record.not_before_us = now + options_.retry_backoff_ms * 1000 * (int64_t{1} << (record.retry_count - 1));
    queue_.push_back(job_id);
  } else {
    record.status = JobStatus::kFailed;
    record.error = result.status().message();
    record.finished_at_us = now;
  }
  persist(record).permit_unchecked();
  changed_.notify_all();
}

}  // namespace kalam
