// The SQL engine's write path: transactions (read-your-writes, atomic commit,
// conflicts), change events handed to the LiveQueryManager, EXECUTE AS USER.
#include <set>

#include "executor_test_fixture.h"
#include "live/live_query_manager.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

class RecordingLiveQueries final : public LiveQueryManager {
 public:
  void publish(const std::vector<RowChange>& changes) override { batches.push_back(changes); }
  std::vector<std::vector<RowChange>> batches;
};

class EngineDmlTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    services_.live = &live_;
    ASSERT_FALSE(
        run("root", Role::kSystem,
            "CREATE NAMESPACE app; CREATE SHARED TABLE app.acct (id INT PRIMARY KEY, balance INT NOT NULL); "
            "CREATE USER TABLE app.notes (id INT PRIMARY KEY, body TEXT)")
            .error);
  }
  int64_t scalar(const std::string& user, Role role, const std::string& sql) {
    auto outcome = run(user, role, sql);
    EXPECT_FALSE(outcome.error) << outcome.error->to_string();
    if (outcome.error) return -1;
    const RowsResult* rows = result_rows(outcome.results.back().result);
    return std::get<int64_t>(rows->rows.at(0).at(0));
  }
  RecordingLiveQueries live_;
};

TEST_F(EngineDmlTest, TransactionReadsItsOwnWritesAndCommitsAtomically) {
  ExecutionContext ctx = context("root", Role::kSystem);
  auto outcome = executor_->execute_batch(
      ctx,
      "BEGIN; INSERT INTO app.acct (id, balance) VALUES (1, 10), (2, 20); "
      "SELECT COUNT(*) FROM app.acct; UPDATE app.acct SET balance = 11 WHERE id = 1; "
      "SELECT balance FROM app.acct WHERE id = 1");
  // the request ends with the transaction open: rolled back and reported
  ASSERT_EQ(error_of(outcome), ErrorCode::kInvalidArgument);
  ASSERT_EQ(outcome.results.size(), 5u);
  EXPECT_EQ(std::get<int64_t>(result_rows(outcome.results[2].result)->rows[0][0]), 2);
  EXPECT_EQ(std::get<int64_t>(result_rows(outcome.results[4].result)->rows[0][0]), 11);
  EXPECT_EQ(scalar("root", Role::kSystem, "SELECT COUNT(*) FROM app.acct"), 0);
  EXPECT_TRUE(live_.batches.empty()) << "nothing is published for a rolled-back transaction";

  ASSERT_FALSE(run("root", Role::kSystem,
                   "BEGIN; INSERT INTO app.acct (id, balance) VALUES (1, 10), (2, 20); "
                   "UPDATE app.acct SET balance = balance + 1; COMMIT")
                   .error);
  EXPECT_EQ(scalar("root", Role::kSystem, "SELECT SUM(balance) FROM app.acct"), 32);
  ASSERT_EQ(live_.batches.size(), 1u) << "one publication per commit";
  EXPECT_EQ(live_.batches[0].size(), 4u);
  EXPECT_EQ(live_.batches[0][0].kind, ChangeKind::kInsert);
  EXPECT_EQ(live_.batches[0][2].kind, ChangeKind::kUpdate);
  EXPECT_LT(live_.batches[0][0].seq, live_.batches[0][3].seq) << "changes keep their _seq order";
}

TEST_F(EngineDmlTest, ConcurrentWriteToTheSameRowFailsTheLaterCommit) {
  ASSERT_FALSE(run("root", Role::kSystem, "INSERT INTO app.acct (id, balance) VALUES (1, 10)").error);
  ExecutionContext tx_ctx = context("root", Role::kSystem);
  auto started = executor_->execute_batch(tx_ctx, "BEGIN; UPDATE app.acct SET balance = 99 WHERE id = 1");
  // (the batch ended with the transaction open and rolled it back; drive it statement by statement instead)
  ASSERT_EQ(error_of(started), ErrorCode::kInvalidArgument);
  size_t failed = 0;
  auto statements =
      executor_->prepare("BEGIN; UPDATE app.acct SET balance = 99 WHERE id = 1; COMMIT", {}, &failed);
  ASSERT_TRUE(statements.is_ok());
  ASSERT_TRUE(executor_->execute_statement(tx_ctx, (*statements)[0]).is_ok());
  ASSERT_TRUE(executor_->execute_statement(tx_ctx, (*statements)[1]).is_ok());
  // another session commits a change to the same row first
  ASSERT_FALSE(run("root", Role::kSystem, "UPDATE app.acct SET balance = 50 WHERE id = 1").error);
  auto commit = executor_->execute_statement(tx_ctx, (*statements)[2]);
  ASSERT_FALSE(commit.is_ok());
  EXPECT_EQ(commit.status().code(), ErrorCode::kTransactionConflict);
  EXPECT_EQ(scalar("root", Role::kSystem, "SELECT balance FROM app.acct WHERE id = 1"), 50);
}

TEST_F(EngineDmlTest, AutocommitPublishesChangesWithScopeAndValues) {
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.notes (id, body) VALUES (1, 'hi')").error);
  ASSERT_FALSE(run("alice", Role::kUser, "UPDATE app.notes SET body = 'hello' WHERE id = 1").error);
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.notes WHERE id = 1").error);
  ASSERT_EQ(live_.batches.size(), 3u);
  const RowChange& insert = live_.batches[0][0];
  EXPECT_EQ(insert.table, "app.notes");
  EXPECT_EQ(insert.scope, "alice");
  EXPECT_EQ(std::get<std::string>(insert.new_values[1].second), "hi");
  const RowChange& update = live_.batches[1][0];
  EXPECT_EQ(update.kind, ChangeKind::kUpdate);
  EXPECT_EQ(std::get<std::string>(update.old_values[1].second), "hi");
  EXPECT_EQ(std::get<std::string>(update.new_values[1].second), "hello");
  const RowChange& removed = live_.batches[2][0];
  EXPECT_EQ(removed.kind, ChangeKind::kDelete);
  EXPECT_GT(removed.seq, update.seq);
  // a statement that changes nothing publishes nothing
  ASSERT_FALSE(run("alice", Role::kUser, "UPDATE app.notes SET body = 'x' WHERE id = 42").error);
  EXPECT_EQ(live_.batches.size(), 3u);
}

TEST_F(EngineDmlTest, UpsertPublishesAnInsertOrAnUpdatePerRow) {
  ASSERT_FALSE(run("root", Role::kSystem, "INSERT INTO app.acct (id, balance) VALUES (1, 10)").error);
  live_.batches.clear();
  auto outcome =
      run("root", Role::kSystem,
          "INSERT INTO app.acct (id, balance) VALUES (1, 5), (2, 7) "
          "ON CONFLICT (id) DO UPDATE SET balance = acct.balance + excluded.balance RETURNING id, balance");
  ASSERT_FALSE(outcome.error) << outcome.error->to_string();
  const ExecutionResult& result = outcome.results[0].result;
  EXPECT_EQ(rows_affected(result), 2u);
  ASSERT_EQ(row_count(result), 2u);
  EXPECT_EQ(result_rows(result)->rows[0], (ResultRow{Value(int64_t{1}), Value(int64_t{15})}));
  EXPECT_EQ(result_rows(result)->rows[1], (ResultRow{Value(int64_t{2}), Value(int64_t{7})}));
  ASSERT_EQ(live_.batches.size(), 1u);
  ASSERT_EQ(live_.batches[0].size(), 2u);
  EXPECT_EQ(live_.batches[0][0].kind, ChangeKind::kUpdate);
  EXPECT_EQ(live_.batches[0][1].kind, ChangeKind::kInsert);
  // a conflicting row that the WHERE leaves alone is neither written nor published
  live_.batches.clear();
  outcome = run("root", Role::kSystem,
                "INSERT INTO app.acct (id, balance) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET balance = 0 "
                "WHERE excluded.balance > 1");
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(rows_affected(outcome.results[0].result), 0u);
  EXPECT_TRUE(live_.batches.empty());
  EXPECT_EQ(scalar("root", Role::kSystem, "SELECT balance FROM app.acct WHERE id = 1"), 15);
}

TEST_F(EngineDmlTest, QuotedInternalNameNeverReusesACachedStatement) {
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.notes (id, body) VALUES (1, 'mine')").error);
  // `app.notes` resolves to the virtual table "app.notes"; the same text written by the
  // client names nothing, even though the connection has that statement cached.
  EXPECT_EQ(scalar("alice", Role::kUser, "SELECT COUNT(*) FROM app.notes WHERE id = 1"), 1);
  auto quoted = run("bob", Role::kUser, "SELECT COUNT(*) FROM \"app.notes\" WHERE id = 1");
  ASSERT_TRUE(quoted.error);
  EXPECT_EQ(quoted.error->code(), ErrorCode::kNotFoundTable);
}

TEST_F(EngineDmlTest, ExecuteAsUserRules) {
  add_user("alice", Role::kUser);
  add_user("svc", Role::kService);
  add_user("admin", Role::kDba);
  add_user("root2", Role::kSystem);
  ASSERT_FALSE(
      run("svc", Role::kService, "EXECUTE AS USER 'alice' (INSERT INTO app.notes (id, body) VALUES (7, 'x'))")
          .error);
  EXPECT_EQ(scalar("alice", Role::kUser, "SELECT COUNT(*) FROM app.notes"), 1);
  EXPECT_EQ(scalar("svc", Role::kService, "SELECT COUNT(*) FROM app.notes"), 0);
  EXPECT_EQ(error_of(run("svc", Role::kService, "EXECUTE AS USER 'admin' (SELECT 1)")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("admin", Role::kDba, "EXECUTE AS USER 'root2' (SELECT 1)")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_FALSE(run("admin", Role::kDba, "EXECUTE AS USER 'svc' (SELECT 1)").error);
  EXPECT_EQ(error_of(run("alice", Role::kUser, "EXECUTE AS USER 'svc' (SELECT 1)")),
            ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "EXECUTE AS USER 'ghost' (SELECT 1)")),
            ErrorCode::kNotFoundUser);
  auto as_alice = run("svc", Role::kService, "EXECUTE AS USER 'alice' (SELECT COUNT(*) FROM app.notes)");
  ASSERT_FALSE(as_alice.error);
  EXPECT_EQ(as_alice.results[0].metadata.as_user, "alice");
  int allowed = 0, denied = 0;
  for (const auto& entry : audit_rows()) {
    if (entry.action == "EXECUTE_AS_USER") ++allowed;
    if (entry.action == "AUTHORIZATION_DENIED" && entry.target == "EXECUTE_AS_USER") ++denied;
  }
  EXPECT_GE(allowed, 3);
  EXPECT_EQ(denied, 3);
}

TEST_F(EngineDmlTest, DmlIsAuditedInTheSameBatch) {
  ASSERT_FALSE(run("root", Role::kSystem, "INSERT INTO app.acct (id, balance) VALUES (1, 1), (2, 2)").error);
  bool found = false;
  for (const auto& entry : audit_rows()) {
    if (entry.action == "INSERT" && entry.target == "table:app.acct") {
      found = true;
      EXPECT_NE(entry.details_json.find("\"rows_affected\":2"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace kalam

namespace kalam {
namespace {

TEST_F(EngineDmlTest, AlterTableKeepsEveryVersionAndOldRowsReadAfterRestart) {
  ASSERT_FALSE(run("root", Role::kSystem,
                   "INSERT INTO app.acct (id, balance) VALUES (1, 10); "
                   "ALTER TABLE app.acct ADD COLUMN note TEXT DEFAULT 'n/a'; "
                   "ALTER TABLE app.acct RENAME COLUMN balance TO amount; "
                   "INSERT INTO app.acct (id, amount, note) VALUES (2, 20, 'new')")
                   .error);
  reopen();
  services_.live = &live_;
  auto history = run("root", Role::kSystem, "DESCRIBE app.acct HISTORY");
  ASSERT_FALSE(history.error) << history.error->to_string();
  const RowsResult* rows = result_rows(history.results[0].result);
  std::set<int64_t> versions;
  for (const auto& row : rows->rows) versions.insert(std::get<int64_t>(row[0]));
  EXPECT_EQ(versions, (std::set<int64_t>{1, 2, 3}));
  auto read = run("root", Role::kSystem, "SELECT id, amount, note FROM app.acct ORDER BY id");
  ASSERT_FALSE(read.error) << read.error->to_string();
  const RowsResult* data = result_rows(read.results[0].result);
  ASSERT_EQ(data->rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(data->rows[0][1]), 10);
  EXPECT_EQ(std::get<std::string>(data->rows[0][2]), "n/a");
  EXPECT_EQ(std::get<std::string>(data->rows[1][2]), "new");
}

}  // namespace
}  // namespace kalam

namespace kalam {
namespace {

TEST_F(EngineDmlTest, ShowStatsCountsLiveHotRowsOfEveryScope) {
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.notes (id, body) VALUES (1, 'a'), (2, 'b')").error);
  ASSERT_FALSE(run("bob", Role::kUser, "INSERT INTO app.notes (id, body) VALUES (1, 'c')").error);
  ASSERT_FALSE(run("alice", Role::kUser, "DELETE FROM app.notes WHERE id = 2").error);
  auto stats = run("bob", Role::kUser, "SHOW STATS FOR TABLE app.notes");
  ASSERT_FALSE(stats.error) << stats.error->to_string();
  const RowsResult* rows = result_rows(stats.results[0].result);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->schema[4].name, "hot_rows");
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][4]), 2);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][2]), "USER");
}

TEST_F(EngineDmlTest, ExplainShowsThePlanToAdminsOnly) {
  auto plan = run("admin", Role::kDba, "EXPLAIN SELECT * FROM app.acct WHERE id = 1");
  ASSERT_FALSE(plan.error) << plan.error->to_string();
  EXPECT_FALSE(result_rows(plan.results[0].result)->rows.empty());
  EXPECT_EQ(error_of(run("alice", Role::kUser, "EXPLAIN SELECT 1")), ErrorCode::kAuthInsufficientRole);
}

}  // namespace
}  // namespace kalam
