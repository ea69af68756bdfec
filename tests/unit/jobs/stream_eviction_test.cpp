// Stream eviction removes expired STREAM rows from RocksDB and nothing else.
#include "jobs/stream_eviction.h"

#include <thread>

#include "../sql/executor_test_fixture.h"
#include "jobs/job_manager.h"
#include "storage/key_encoding.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

uint64_t stored_rows(StorageEngine& storage, uint64_t table_id) {
  KeyEncoder prefix;
  prefix.append_u64(table_id);
  uint64_t count = 0;
  EXPECT_TRUE(storage
                  .scan_prefix(ColumnFamily::kStreams, prefix.data(),
                               [&](std::string_view, std::string_view) {
                                 ++count;
                                 return true;
                               })
                  .is_ok());
  return count;
}

TEST_F(ExecutorTest, EvictionDeletesOnlyExpiredStreamRows) {
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE NAMESPACE app; CREATE STREAM TABLE app.ticks (v INT) TTL 1; "
                   "CREATE USER TABLE app.keep (id INT PRIMARY KEY)")
                   .error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.ticks (v) VALUES (1), (2), (3)").error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.keep (id) VALUES (1)").error);
  auto snapshot = registry_->snapshot();
  uint64_t ticks = snapshot->find_table("app", "ticks")->table_id;
  uint64_t keep = snapshot->find_table("app", "keep")->table_id;
  ASSERT_EQ(stored_rows(*storage_, ticks), 3u);

  auto none = evict_expired_stream_rows(*tables_, *snapshot, now_unix_micros());
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(*none, 0u) << "rows younger than the TTL stay";

  auto evicted = evict_expired_stream_rows(*tables_, *snapshot, now_unix_micros() + 2'000'000);
  ASSERT_TRUE(evicted.is_ok());
  EXPECT_EQ(*evicted, 3u);
  EXPECT_EQ(stored_rows(*storage_, ticks), 0u);
  EXPECT_EQ(stored_rows(*storage_, keep), 0u) << "USER rows are not in the streams family";
}

TEST_F(ExecutorTest, EvictionRunsAsAStreamEvictionJobOnlyWhenRowsExpired) {
  ASSERT_FALSE(
      run("root", Role::kSystem, "CREATE NAMESPACE app; CREATE STREAM TABLE app.ticks (v INT) TTL 1").error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.ticks (v) VALUES (1), (2)").error);
  auto snapshot = registry_->snapshot();
  const TableSchema& ticks = *snapshot->find_table("app", "ticks")->schema;
  EXPECT_FALSE(*tables_->has_expired_rows(ticks, now_unix_micros()));
  EXPECT_TRUE(*tables_->has_expired_rows(ticks, now_unix_micros() + 2'000'000));
  EXPECT_FALSE(*any_expired_stream_rows(*tables_, *snapshot, now_unix_micros()));

  JobManagerOptions options;
  options.max_concurrent = 1;
  JobManager jobs(*storage_, options);
  StreamEvictionScheduler scheduler(*tables_, *registry_, std::chrono::seconds(1), &jobs);
  ASSERT_TRUE(jobs.open().is_ok());
  jobs.start();
  scheduler.start();
  // The rows expire after 1 s; a tick after that submits one job, which sweeps them.
  std::optional<JobRecord> done;
  for (int attempt = 0; attempt < 100 && !done; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const JobRecord& job : jobs.list()) {
      if (job.type == JobType::kStreamEviction && job.status == JobStatus::kCompleted) done = job;
    }
  }
  scheduler.stop();
  jobs.stop(std::chrono::seconds(5));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->job_id.substr(0, 3), "SE-");
  EXPECT_EQ(done->message, "evicted 2 expired row(s)");
  EXPECT_EQ(stored_rows(*storage_, ticks.table_id), 0u);
  EXPECT_EQ(jobs.list().size(), 1u) << "ticks without expired rows create no job";
}

TEST_F(ExecutorTest, ExpiredStreamRowsAreNeverReturnedEvenBeforeEviction) {
  ASSERT_FALSE(
      run("root", Role::kSystem, "CREATE NAMESPACE app; CREATE STREAM TABLE app.ticks (v INT) TTL 1").error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.ticks (v) VALUES (1)").error);
  ExecutionContext later = context("alice", Role::kUser);
  later.timestamp_us += 2'000'000;  // the statement runs after the TTL
  auto outcome = executor_->execute_batch(later, "SELECT COUNT(*) FROM app.ticks");
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(std::get<int64_t>(result_rows(outcome.results[0].result)->rows[0][0]), 0);
  auto now = run("alice", Role::kUser, "SELECT COUNT(*) FROM app.ticks");
  EXPECT_EQ(std::get<int64_t>(result_rows(now.results[0].result)->rows[0][0]), 1);
}

}  // namespace
}  // namespace kalam
