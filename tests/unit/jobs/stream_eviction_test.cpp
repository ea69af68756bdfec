// Stream eviction removes expired STREAM rows from RocksDB and nothing else.
#include "jobs/stream_eviction.h"

#include "../sql/executor_test_fixture.h"
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
