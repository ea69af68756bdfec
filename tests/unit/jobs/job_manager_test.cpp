// The job manager: a system.jobs row before a job runs, idempotency keys, retries with
// backoff, KILL JOB for queued and running jobs and for finished ones, restart recovery.
#include "jobs/job_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

namespace kalam {
namespace {

using namespace std::chrono_literals;

class JobManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kalam-jobs-" + std::to_string(std::random_device{}()));
    StorageOptions options;
    options.path = (dir_ / "rocksdb").string();
    storage_ = std::move(StorageEngine::open(options)).value();
  }
  void TearDown() override {
    manager_.reset();
    storage_->close().permit_unchecked();
    std::filesystem::remove_all(dir_);
  }
  JobManager& manager(JobManagerOptions options = {}) {
    options.retry_backoff_ms = 10;
    options.max_concurrent = 2;
    manager_ = std::make_unique<JobManager>(*storage_, options);
    return *manager_;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StorageEngine> storage_;
  std::unique_ptr<JobManager> manager_;
};

TEST_F(JobManagerTest, AJobIsARowBeforeItRunsAndTheSameKeyReturnsTheLiveJob) {
  JobManager& jobs = manager();
  std::atomic<bool> release{false};
  jobs.set_executor(
      JobType::kFlush,
      [&](JobControl&) -> Result<JobResult> {
        while (!release) std::this_thread::sleep_for(1ms);
        return JobResult{JobStatus::kCompleted, "done"};
      },
      true);
  ASSERT_TRUE(jobs.open().is_ok());
  auto first = jobs.submit(JobType::kFlush, "flush:a.t", "{}", "svc");
  ASSERT_TRUE(first.is_ok());
  EXPECT_FALSE(first->existing);
  EXPECT_EQ(first->record.job_id.substr(0, 3), "FL-");
  EXPECT_EQ(first->record.job_id.size(), 15u);
  EXPECT_EQ(first->record.status, JobStatus::kQueued);  // not started: the pool is not running
  auto second = jobs.submit(JobType::kFlush, "flush:a.t", "{}", "svc");
  ASSERT_TRUE(second.is_ok());
  EXPECT_TRUE(second->existing);
  EXPECT_EQ(second->record.job_id, first->record.job_id);
  jobs.start();
  release = true;
  auto done = jobs.wait(first->record.job_id, 5s);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, JobStatus::kCompleted);
  EXPECT_EQ(done->message, "done");
  EXPECT_GT(done->finished_at_us, 0);
  // Finished: the key is free again.
  auto third = jobs.submit(JobType::kFlush, "flush:a.t", "{}", "svc");
  ASSERT_TRUE(third.is_ok());
  EXPECT_FALSE(third->existing);
}

TEST_F(JobManagerTest, OnlyTheNewestHundredFinishedJobsOfAKeyAreKept) {
  JobManager& jobs = manager();
  ASSERT_TRUE(jobs.open().is_ok());
  std::vector<std::string> ids;
  for (int idx = 0; idx < 130; ++idx) {
    auto job = jobs.record_skipped(JobType::kStreamEviction, "stream_eviction", "{}", "system", "nothing");
    ASSERT_TRUE(job.is_ok());
    ids.push_back(job->job_id);
  }
  ASSERT_TRUE(jobs.record_skipped(JobType::kFlush, "flush:a.t", "{}", "svc", "nothing").is_ok());
  EXPECT_EQ(jobs.list().size(), 101u);
  EXPECT_FALSE(jobs.find(ids.front()).has_value());
  EXPECT_TRUE(jobs.find(ids.back()).has_value());
  // Also on disk: a restart sees the same jobs.
  manager_.reset();
  JobManager& again = manager();
  ASSERT_TRUE(again.open().is_ok());
  EXPECT_EQ(again.list().size(), 101u);
}

TEST_F(JobManagerTest, FailuresAreRetriedWithBackoffThenFail) {
  JobManager& jobs = manager();
  std::atomic<int> attempts{0};
  jobs.set_executor(
      JobType::kCleanup,
      [&](JobControl&) -> Result<JobResult> {
        ++attempts;
        return Status(ErrorCode::kInternalStorageError, "disk on fire");
      },
      true);
  ASSERT_TRUE(jobs.open().is_ok());
  jobs.start();
  auto job = jobs.submit(JobType::kCleanup, "cleanup:1", "{}", "root");
  ASSERT_TRUE(job.is_ok());
  auto done = jobs.wait(job->record.job_id, 5s);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, JobStatus::kFailed);
  EXPECT_EQ(done->retry_count, 3);
  EXPECT_EQ(attempts, 4);  // the first run and three retries
  EXPECT_EQ(done->error, "disk on fire");
}

TEST_F(JobManagerTest, KillCancelsQueuedAtOnceRunningAtItsCheckpointAndRefusesFinished) {
  JobManager& jobs = manager();
  std::atomic<bool> started{false};
  jobs.set_executor(
      JobType::kFlush,
      [&](JobControl& control) -> Result<JobResult> {
        started = true;
        while (!control.cancelled()) std::this_thread::sleep_for(1ms);
        return Status(ErrorCode::kCancelled, "stopped at a checkpoint");
      },
      true);
  ASSERT_TRUE(jobs.open().is_ok());
  auto queued = jobs.submit(JobType::kFlush, "flush:q", "{}", "svc");
  ASSERT_TRUE(queued.is_ok());
  auto killed = jobs.kill(queued->record.job_id);
  ASSERT_TRUE(killed.is_ok());
  EXPECT_EQ(killed->status, JobStatus::kCancelled);
  auto again = jobs.kill(queued->record.job_id);
  EXPECT_EQ(again.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::get<std::string>(*again.status().detail("status")), "cancelled");
  EXPECT_EQ(jobs.kill("FL-000000000000").status().code(), ErrorCode::kNotFoundJob);

  jobs.start();
  auto running = jobs.submit(JobType::kFlush, "flush:r", "{}", "svc");
  ASSERT_TRUE(running.is_ok());
  while (!started) std::this_thread::sleep_for(1ms);
  auto asked = jobs.kill(running->record.job_id);
  ASSERT_TRUE(asked.is_ok());
  EXPECT_EQ(asked->status, JobStatus::kRunning);
  auto done = jobs.wait(running->record.job_id, 5s);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, JobStatus::kCancelled);
}

TEST_F(JobManagerTest, ARestartFailsRunningJobsAndQueuesThemAgain) {
  {
    JobManager& jobs = manager();
    jobs.set_executor(
        JobType::kFlush, [&](JobControl&) -> Result<JobResult> { return JobResult{}; }, true);
    ASSERT_TRUE(jobs.open().is_ok());
    // A row left `running` by a killed process, written as the manager writes it.
    JobRecord stuck;
    auto submitted = jobs.submit(JobType::kFlush, "flush:x", "{\"table\":\"a.x\"}", "svc");
    ASSERT_TRUE(submitted.is_ok());
    stuck = submitted->record;
    manager_.reset();
    // Rewrite the row as running (what a crash mid-job leaves).
    auto value = storage_->get(ColumnFamily::kSystem, "jb:" + stuck.job_id);
    ASSERT_TRUE(value.is_ok() && value->has_value());
    std::string text = **value;
    text.replace(text.find("\"queued\""), 8, "\"running\"");
    WriteBatch batch;
    batch.put(ColumnFamily::kSystem, "jb:" + stuck.job_id, text);
    ASSERT_TRUE(storage_->write(batch).is_ok());
  }
  JobManager& jobs = manager();
  std::atomic<int> runs{0};
  jobs.set_executor(
      JobType::kFlush,
      [&](JobControl& control) -> Result<JobResult> {
        ++runs;
        EXPECT_EQ(control.record().parameters_json, "{\"table\":\"a.x\"}");
        return JobResult{JobStatus::kCompleted, "again"};
      },
      true);
  ASSERT_TRUE(jobs.open().is_ok());
  std::vector<JobRecord> all = jobs.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, JobStatus::kFailed);
  EXPECT_EQ(all[0].error, "server restarted during execution");
  EXPECT_EQ(all[1].status, JobStatus::kQueued);
  EXPECT_EQ(all[1].idempotency_key, "flush:x");
  jobs.start();
  auto done = jobs.wait(all[1].job_id, 5s);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, JobStatus::kCompleted);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace kalam
