// Flush of a scope into a Parquet segment: rows read the same before and after, through
// every access path; writes after the flush; tombstones; ALTER TABLE; a flush racing a
// writer; recovery of interrupted flushes at start-up.
#include <filesystem>
#include <fstream>

#include "../sql/executor_test_fixture.h"
#include "jobs/cold_storage_jobs.h"
#include "jobs/job_manager.h"
#include "parquet/parquet_reader.h"
#include "table_store/cold_segments.h"
#include "table_store/key_layout.h"
#include "table_store/table_store.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

class ScopeFlushTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    ASSERT_TRUE(tables_->open_cold_tier().is_ok());
    add_user("alice", Role::kUser);
    add_user("bob", Role::kUser);
    ASSERT_FALSE(run("root", Role::kSystem,
                     "CREATE NAMESPACE app; CREATE USER TABLE app.msgs (id BIGINT PRIMARY KEY, room TEXT, "
                     "body TEXT, price DECIMAL(10,2), at TIMESTAMP, tag TEXT UNIQUE); "
                     "CREATE INDEX msgs_room ON app.msgs (room)")
                     .error);
  }

  std::shared_ptr<const TableSchema> schema() {
    return registry_->snapshot()->find_table("app", "msgs")->schema;
  }
  std::string dir_for(const std::string& user) { return (dir_ / "storage" / "app" / "msgs" / user).string(); }

  Result<TableStore::FlushOutcome> flush(const std::string& user) {
    TableStore::FlushRequest request;
    request.schema = schema();
    request.scope = user;
    request.directory = dir_for(user);
    request.compression = parquet::Compression::kZstd;
    request.row_group_rows = 7;  // several row groups
    return tables_->flush_scope(request);
  }

  std::vector<ResultRow> select(const std::string& user, const std::string& sql) {
    BatchOutcome outcome = run(user, Role::kUser, sql);
    EXPECT_FALSE(outcome.error) << sql << ": " << outcome.error->to_string();
    if (outcome.error || outcome.results.empty()) return {};
    return std::get<RowsResult>(outcome.results.back().result).rows;
  }

  void insert(const std::string& user, int from, int to) {
    std::string sql = "INSERT INTO app.msgs (id, room, body, price, at, tag) VALUES ";
    for (int id = from; id < to; ++id) {
      if (id > from) sql += ", ";
      sql += "(" + std::to_string(id) + ", 'room" + std::to_string(id % 3) + "', 'body " +
             std::to_string(id) + "', " + std::to_string(id) + ".25, '2026-01-0" +
             std::to_string(1 + id % 9) + "T00:00:00Z', 'tag-" + user + std::to_string(id) + "')";
    }
    ASSERT_FALSE(run(user, Role::kUser, sql).error) << sql;
  }

  // Every query a reader might run, as text, to compare before and after a flush.
  std::string everything(const std::string& user) {
    std::string out;
    for (const char* sql :
         {"SELECT * FROM app.msgs ORDER BY id", "SELECT id, body FROM app.msgs WHERE id = 5",
          "SELECT id FROM app.msgs WHERE id BETWEEN 3 AND 9 ORDER BY id DESC",
          "SELECT id, tag FROM app.msgs WHERE room = 'room1' ORDER BY id",
          "SELECT count(*), sum(price) FROM app.msgs", "SELECT id, _seq FROM app.msgs ORDER BY _seq"}) {
      for (const ResultRow& row : select(user, sql)) {
        for (const Value& value : row) {
          out += std::visit(
              [](const auto& v) -> std::string {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::monostate>)
                  return "NULL";
                else if constexpr (std::is_same_v<T, std::string>)
                  return v;
                else
                  return std::to_string(v);
              },
              value);
          out += "|";
        }
        out += "\n";
      }
      out += "--\n";
    }
    return out;
  }

  uint64_t cold_rows(const std::string& user) {
    uint64_t count = 0;
    std::string prefix = row_scope_prefix(schema()->table_id, user);
    EXPECT_TRUE(storage_
                    ->scan_prefix(ColumnFamily::kRows, prefix,
                                  [&](std::string_view, std::string_view value) {
                                    auto header = decode_row_header(value);
                                    if (header.is_ok() && header->cold) ++count;
                                    return true;
                                  })
                    .is_ok());
    return count;
  }

  void expect_consistent() {
    auto report = tables_->check_table(*schema());
    ASSERT_TRUE(report.is_ok()) << report.status().to_string();
    EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  }
};

TEST_F(ScopeFlushTest, RowsReadTheSameFromColdStorageThroughEveryPath) {
  insert("alice", 0, 30);
  insert("bob", 100, 110);
  const std::string alice_before = everything("alice");
  const std::string bob_before = everything("bob");
  auto outcome = flush("alice");
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_FALSE(outcome->skipped);
  EXPECT_EQ(outcome->rows, 30u);
  EXPECT_TRUE(std::filesystem::exists(dir_for("alice") + "/batch-1.parquet"));
  EXPECT_TRUE(std::filesystem::exists(dir_for("alice") + "/manifest.json"));
  EXPECT_EQ(cold_rows("alice"), 30u);
  EXPECT_EQ(cold_rows("bob"), 0u) << "a flush touches one scope";
  EXPECT_EQ(everything("alice"), alice_before);
  EXPECT_EQ(everything("bob"), bob_before);
  expect_consistent();

  // Nothing new: skipped, no second file.
  outcome = flush("alice");
  ASSERT_TRUE(outcome.is_ok());
  EXPECT_TRUE(outcome->skipped);
  EXPECT_FALSE(std::filesystem::exists(dir_for("alice") + "/batch-2.parquet"));

  // The file is ordinary Parquet with the table's columns, _seq and _deleted.
  std::string bytes;
  {
    std::ifstream in(dir_for("alice") + "/batch-1.parquet", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto reader = parquet::ParquetReader::open(bytes);
  ASSERT_TRUE(reader.is_ok());
  EXPECT_EQ((*reader)->num_rows(), 30);
  EXPECT_TRUE((*reader)->find_column("body").has_value());
  EXPECT_TRUE((*reader)->find_column("_seq").has_value());
  EXPECT_TRUE((*reader)->find_column("_deleted").has_value());
  EXPECT_GT((*reader)->row_group_count(), 1u);
}

TEST_F(ScopeFlushTest, WritesAfterAFlushAndTombstones) {
  insert("alice", 0, 20);
  ASSERT_TRUE(flush("alice").is_ok());
  // Update and delete cold rows, insert new ones; UNIQUE and PK checks still see cold rows.
  ASSERT_FALSE(run("alice", Role::kUser, "UPDATE app.msgs SET body = 'edited' WHERE id = 4").error);
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.msgs WHERE id IN (5, 6)").error);
  insert("alice", 20, 25);
  EXPECT_EQ(error_of(run("alice", Role::kUser, "INSERT INTO app.msgs (id, tag) VALUES (7, 'x')")),
            ErrorCode::kPrimaryKeyViolation);
  EXPECT_EQ(error_of(run("alice", Role::kUser, "INSERT INTO app.msgs (id, tag) VALUES (99, 'tag-alice8')")),
            ErrorCode::kPrimaryKeyViolation);
  const std::string before = everything("alice");
  EXPECT_EQ(select("alice", "SELECT body FROM app.msgs WHERE id = 4").at(0).at(0), Value("edited"));
  EXPECT_TRUE(select("alice", "SELECT id FROM app.msgs WHERE id = 5").empty());

  auto second = flush("alice");
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->rows, 8u);  // 1 update + 2 tombstones + 5 inserts
  EXPECT_EQ(second->tombstones, 2u);
  EXPECT_TRUE(std::filesystem::exists(dir_for("alice") + "/batch-2.parquet"));
  EXPECT_EQ(everything("alice"), before);
  EXPECT_EQ(cold_rows("alice"), 23u);  // 20 - 2 deleted + 5 new
  expect_consistent();

  // Deleting a cold row and inserting its key again.
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.msgs WHERE id = 0").error);
  insert("alice", 0, 1);
  EXPECT_EQ(select("alice", "SELECT count(*) FROM app.msgs WHERE id = 0").at(0).at(0), Value(int64_t{1}));
  expect_consistent();
}

TEST_F(ScopeFlushTest, TombstonesStayHotUntilTheirRetentionThenArePurged) {
  insert("alice", 0, 10);
  ASSERT_TRUE(flush("alice").is_ok());
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.msgs WHERE id < 4").error);
  auto second = flush("alice");
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->tombstones, 4u);
  // Within DELETED_RETENTION_HOURS (168 by default) the tombstones stay, without cells,
  // with their _seq entries: a reader of changes since a _seq still sees the deletes.
  auto tombstones = [&] {
    uint64_t count = 0;
    EXPECT_TRUE(storage_
                    ->scan_prefix(ColumnFamily::kRows, row_scope_prefix(schema()->table_id, "alice"),
                                  [&](std::string_view, std::string_view value) {
                                    auto row = decode_row(value);
                                    if (row.is_ok() && row->deleted) {
                                      EXPECT_TRUE(row->cells.empty());
                                      ++count;
                                    }
                                    return true;
                                  })
                    .is_ok());
    return count;
  };
  EXPECT_EQ(tombstones(), 4u);
  expect_consistent();
  auto none = tables_->purge_tombstones(*schema(), now_unix_micros() - 3'600'000'000LL);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(*none, 0u) << "younger than the cutoff";
  auto purged = tables_->purge_tombstones(*schema(), now_unix_micros() + 1'000'000);
  ASSERT_TRUE(purged.is_ok());
  EXPECT_EQ(*purged, 4u);
  EXPECT_EQ(tombstones(), 0u);
  expect_consistent();  // their _seq entries went with them
  EXPECT_EQ(select("alice", "SELECT count(*) FROM app.msgs").at(0).at(0), Value(int64_t{6}));
  // A third flush has nothing new, and the rows read the same.
  auto third = flush("alice");
  ASSERT_TRUE(third.is_ok());
  EXPECT_TRUE(third->skipped);
}

TEST_F(ScopeFlushTest, TheRetentionJobPurgesByEachTablesRetention) {
  insert("alice", 0, 10);
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.msgs WHERE id < 3").error);
  ASSERT_TRUE(flush("alice").is_ok());  // the tombstones stay hot: 168 hours by default
  JobManager jobs(*storage_, JobManagerOptions{});
  ColdStorageJobs cold_jobs(*tables_, *registry_, *users_, jobs, config_);
  cold_jobs.register_executors();
  ASSERT_TRUE(jobs.open().is_ok());
  jobs.start();
  auto first = cold_jobs.request_retention();
  ASSERT_TRUE(first.is_ok());
  auto kept = jobs.wait(first->job_id, std::chrono::seconds(10));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->status, JobStatus::kSkipped);
  ASSERT_FALSE(run("root", Role::kSystem, "ALTER TABLE app.msgs SET (DELETED_RETENTION_HOURS = 0)").error);
  auto second = cold_jobs.request_retention();
  ASSERT_TRUE(second.is_ok());
  auto purged = jobs.wait(second->job_id, std::chrono::seconds(10));
  ASSERT_TRUE(purged.has_value());
  EXPECT_EQ(purged->status, JobStatus::kCompleted);
  EXPECT_EQ(purged->message, "purged 3 tombstone(s) from 1 table(s)");
  jobs.stop(std::chrono::seconds(5));
  expect_consistent();
}

TEST_F(ScopeFlushTest, ADroppedTableIsNotFlushedAndLeavesNothingBehind) {
  insert("alice", 0, 10);
  std::shared_ptr<const TableSchema> dropped = schema();
  ASSERT_FALSE(run("root", Role::kSystem, "DROP TABLE app.msgs").error);
  TableStore::FlushRequest request;
  request.schema = dropped;
  request.scope = "alice";
  request.directory = dir_for("alice");
  auto outcome = tables_->flush_scope(request);
  EXPECT_EQ(outcome.status().code(), ErrorCode::kNotFoundTable);
  EXPECT_FALSE(std::filesystem::exists(dir_for("alice")));
  auto segments = tables_->cold().segments_of_table(dropped->table_id);
  ASSERT_TRUE(segments.is_ok());
  EXPECT_TRUE(segments->empty());
}

TEST_F(ScopeFlushTest, RowsFlushedUnderAnOlderSchemaReadByColumnId) {
  insert("alice", 0, 10);
  ASSERT_TRUE(flush("alice").is_ok());
  ASSERT_FALSE(
      run("root", Role::kSystem,
          "ALTER TABLE app.msgs ADD COLUMN score INT DEFAULT 7; ALTER TABLE app.msgs DROP COLUMN body; "
          "ALTER TABLE app.msgs RENAME COLUMN room TO channel")
          .error);
  auto rows = select("alice", "SELECT id, channel, score FROM app.msgs WHERE id = 4");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], Value("room1"));
  EXPECT_EQ(rows[0][2], Value(int64_t{7}));
  // A flush under the new schema writes the new columns.
  ASSERT_FALSE(run("alice", Role::kUser, "UPDATE app.msgs SET score = 9 WHERE id = 5").error);
  ASSERT_TRUE(flush("alice").is_ok());
  rows = select("alice", "SELECT id, channel, score FROM app.msgs WHERE id IN (4, 5) ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][2], Value(int64_t{7}));
  EXPECT_EQ(rows[1][2], Value(int64_t{9}));
  expect_consistent();
}

TEST_F(ScopeFlushTest, ColdRowsSurviveARestart) {
  insert("alice", 0, 15);
  ASSERT_TRUE(flush("alice").is_ok());
  const std::string before = everything("alice");
  reopen();
  ASSERT_TRUE(tables_->open_cold_tier().is_ok());
  EXPECT_EQ(everything("alice"), before);
  expect_consistent();
}

TEST_F(ScopeFlushTest, AnInterruptedFlushIsFinishedAtStartUp) {
  insert("alice", 0, 12);
  const std::string before = everything("alice");
  // Simulate a crash after the registration: the intent is still there and no row points
  // at the segment yet. Start-up must finish the job.
  auto outcome = flush("alice");
  ASSERT_TRUE(outcome.is_ok());
  auto segments = tables_->cold().segments_of(schema()->table_id, "alice");
  ASSERT_TRUE(segments.is_ok());
  ASSERT_EQ(segments->size(), 1u);
  {
    // Turn the pointers back into hot rows, as they were before the pointer batches.
    std::vector<std::pair<std::string, StoredRow>> hot;
    ScanSpec all;
    auto cursor = tables_->open_cursor(ReadView{}, ScopeRef::of(schema(), "alice"), all);
    ASSERT_TRUE(cursor.is_ok());
    while ((*cursor)->valid()) {
      hot.emplace_back((*cursor)->key(), (*cursor)->row());
      ASSERT_TRUE((*cursor)->next().is_ok());
    }
    WriteBatch batch;
    for (const auto& [key, row] : hot) batch.put(ColumnFamily::kRows, key, encode_row(row));
    ColdSegments::put_intent(batch, segments->front());
    ASSERT_TRUE(storage_->write(batch).is_ok());
  }
  EXPECT_EQ(cold_rows("alice"), 0u);
  reopen();
  ASSERT_TRUE(tables_->open_cold_tier().is_ok());
  EXPECT_EQ(cold_rows("alice"), 12u);
  EXPECT_EQ(everything("alice"), before);
  expect_consistent();
}

TEST_F(ScopeFlushTest, AnUncommittedFlushIsUndoneAtStartUp) {
  insert("alice", 0, 5);
  // An intent for a segment that never got registered, with its file written.
  SegmentInfo ghost;
  ghost.segment_id = 424242;
  ghost.table_id = schema()->table_id;
  ghost.table_name = "app.msgs";
  ghost.scope = "alice";
  ghost.directory = dir_for("alice");
  ghost.file_name = "batch-1.parquet";
  std::filesystem::create_directories(ghost.directory);
  std::ofstream(ghost.path()) << "PAR1 partial";
  std::ofstream(ghost.directory + "/manifest.json") << "{\"segments\": [\"ghost\"]}";
  WriteBatch batch;
  ColdSegments::put_intent(batch, ghost);
  ASSERT_TRUE(storage_->write(batch).is_ok());
  reopen();
  ASSERT_TRUE(tables_->open_cold_tier().is_ok());
  EXPECT_FALSE(std::filesystem::exists(ghost.path()));
  EXPECT_FALSE(std::filesystem::exists(ghost.directory + "/manifest.json"))
      << "no registered segment: no manifest";
  auto outcome = flush("alice");
  ASSERT_TRUE(outcome.is_ok());
  EXPECT_EQ(outcome->rows, 5u);
  EXPECT_EQ(select("alice", "SELECT count(*) FROM app.msgs").at(0).at(0), Value(int64_t{5}));
}

}  // namespace
}  // namespace kalam
