// SELECT through the SQL engine: system tables, role filters, parameters,
// refused operations, deadline and result-size limits.
#include "executor_test_fixture.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

const RowsResult& rows_of(const BatchOutcome& outcome) {
  static const RowsResult kEmpty;
  if (outcome.error || outcome.results.empty()) return kEmpty;
  const RowsResult* rows = result_rows(outcome.results.back().result);
  return rows == nullptr ? kEmpty : *rows;
}

TEST_F(ExecutorTest, SelectExpressionsAndParameters) {
  ExecutionContext ctx = context("alice", Role::kUser);
  ctx.params = {ParamValue(int64_t{40}), ParamValue(std::string("hi"))};
  auto outcome =
      executor_->execute_batch(ctx, "SELECT $1 + 2 AS answer, $2 || '!' AS greeting, current_user()");
  ASSERT_FALSE(outcome.error) << outcome.error->to_string();
  const RowsResult& rows = rows_of(outcome);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.schema[0].name, "answer");
  EXPECT_EQ(std::get<int64_t>(rows.rows[0][0]), 42);
  EXPECT_EQ(std::get<std::string>(rows.rows[0][1]), "hi!");
  EXPECT_EQ(std::get<std::string>(rows.rows[0][2]), "alice");
  EXPECT_EQ(outcome.results[0].metadata.kind, StatementKind::kSelect);
}

TEST_F(ExecutorTest, RepeatedStatementsComeFromTheParseCacheAndStillRunTheirChecks) {
  const std::string sql = "SELECT $1 + 1 AS next, current_user() AS who";
  auto run_as = [&](const std::string& user, Role role, std::vector<ParamValue> params) {
    ExecutionContext ctx = context(user, role);
    ctx.params = std::move(params);
    return executor_->execute_batch(ctx, sql);
  };
  auto first = run_as("alice", Role::kUser, {ParamValue(int64_t{1})});
  ASSERT_FALSE(first.error) << first.error->to_string();
  const uint64_t hits = SqlExecutor::parse_cache_hits();
  // The same text again: from the cache, with its own parameters and caller.
  auto second = run_as("bob", Role::kUser, {ParamValue(int64_t{41})});
  ASSERT_FALSE(second.error) << second.error->to_string();
  EXPECT_EQ(SqlExecutor::parse_cache_hits(), hits + 1);
  EXPECT_EQ(std::get<int64_t>(rows_of(second).rows[0][0]), 42);
  EXPECT_EQ(std::get<std::string>(rows_of(second).rows[0][1]), "bob");
  // Parameter validation still runs on a cache hit.
  auto missing = run_as("bob", Role::kUser, {});
  EXPECT_EQ(error_of(missing), ErrorCode::kParamCountMismatch);
  // Authorization too: a statement the caller may not run is refused every time.
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(error_of(run("alice", Role::kUser, "SELECT * FROM system.audit_log")),
              ErrorCode::kAuthInsufficientRole);
  }
  // DDL is parsed every time (never cached; some statements carry secrets).
  const uint64_t before_ddl = SqlExecutor::parse_cache_hits();
  run("root", Role::kSystem, "CREATE NAMESPACE cached_ns");
  run("root", Role::kSystem, "CREATE NAMESPACE IF NOT EXISTS cached_ns");
  run("root", Role::kSystem, "CREATE NAMESPACE IF NOT EXISTS cached_ns");
  EXPECT_EQ(SqlExecutor::parse_cache_hits(), before_ddl);
}

TEST_F(ExecutorTest, SystemNamespacesReflectTheCatalog) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE chat; CREATE NAMESPACE app").error);
  auto outcome =
      run("alice", Role::kUser, "SELECT namespace_id, table_count FROM system.namespaces ORDER BY 1");
  ASSERT_FALSE(outcome.error) << outcome.error->to_string();
  const RowsResult& rows = rows_of(outcome);
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(rows.rows[0][0]), "app");
  EXPECT_EQ(rows.schema[0].data_type, DataType::kText);
  EXPECT_EQ(rows.schema[1].data_type, DataType::kInt);
}

TEST_F(ExecutorTest, SystemUsersShowsOthersOnlyToAdmins) {
  add_user("alice", Role::kUser);
  add_user("bob", Role::kUser);
  auto own = run("alice", Role::kUser, "SELECT user_id FROM system.users");
  ASSERT_FALSE(own.error);
  ASSERT_EQ(rows_of(own).rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows_of(own).rows[0][0]), "alice");
  auto all = run("admin", Role::kDba, "SELECT count(*) FROM system.users");
  EXPECT_EQ(std::get<int64_t>(rows_of(all).rows[0][0]), 2);
  auto sneaky = run("alice", Role::kUser, "SELECT user_id FROM system.users WHERE user_id = 'bob'");
  EXPECT_TRUE(rows_of(sneaky).rows.empty());
  for (const auto& column : rows_of(all).schema) EXPECT_EQ(column.name.find("hash"), std::string::npos);
}

TEST_F(ExecutorTest, AuditLogIsReadableByAdminsOnly) {
  ASSERT_TRUE(error_of(run("alice", Role::kUser, "CREATE NAMESPACE x")) == ErrorCode::kAuthInsufficientRole);
  auto denied = run("alice", Role::kUser, "SELECT * FROM system.audit_log");
  ASSERT_EQ(error_of(denied), ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(error_of(run("svc", Role::kService, "SELECT count(*) FROM (SELECT * FROM system.audit_log)")),
            ErrorCode::kAuthInsufficientRole);
  auto seen = run("admin", Role::kDba,
                  "SELECT action, actor_user_id, success, target FROM system.audit_log WHERE action = "
                  "'AUTHORIZATION_DENIED' "
                  "ORDER BY audit_id");
  ASSERT_FALSE(seen.error) << seen.error->to_string();
  // the DDL denial and both refused reads of the audit log are audited
  ASSERT_EQ(rows_of(seen).rows.size(), 3u);
  EXPECT_EQ(std::get<std::string>(rows_of(seen).rows[0][1]), "alice");
  EXPECT_EQ(std::get<std::string>(rows_of(seen).rows[0][3]), "CREATE_NAMESPACE");
  EXPECT_EQ(std::get<std::string>(rows_of(seen).rows[1][3]), "SELECT");
  EXPECT_EQ(std::get<std::string>(rows_of(seen).rows[2][1]), "svc");
  EXPECT_EQ(rows_of(seen).schema[2].data_type, DataType::kBoolean);
}

TEST_F(ExecutorTest, SelectRefusesWritesAndUnknownTables) {
  EXPECT_EQ(error_of(run("root", Role::kSystem, "SELECT * FROM chat.messages")), ErrorCode::kNotFoundTable);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "SELECT * FROM")), ErrorCode::kInvalidSqlSyntax);
  // A data-modifying CTE form is not a read: SQLite refuses it at prepare time or we do.
  EXPECT_NE(error_of(run("root", Role::kSystem, "WITH x AS (SELECT 1) DELETE FROM system.users")),
            ErrorCode::kOk);
  EXPECT_NE(error_of(run("root", Role::kSystem, "SELECT load_extension('x')")), ErrorCode::kOk);
  auto still_there = run("root", Role::kSystem, "SELECT count(*) FROM system.storages");
  EXPECT_EQ(std::get<int64_t>(rows_of(still_there).rows[0][0]), 1);
}

TEST_F(ExecutorTest, RunawayQueryIsInterruptedAtTheDeadline) {
  ExecutorLimits limits;
  limits.handler_timeout_seconds = 1;
  SqlExecutor executor(services_, *handlers_, limits);
  ExecutionContext ctx = context("alice", Role::kUser);
  auto started = std::chrono::steady_clock::now();
  auto outcome = executor.execute_batch(
      ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(error_of(outcome), ErrorCode::kTimeoutHandlerExecution);
  EXPECT_EQ(std::get<std::string>(*outcome.error->detail("statement_type")), "SELECT");
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(ExecutorTest, OversizedResultsFailCleanly) {
  config_.limits.max_result_bytes = 4096;
  auto outcome = run("alice", Role::kUser,
                     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) "
                     "SELECT x, printf('%050d', x) FROM c");
  ASSERT_EQ(error_of(outcome), ErrorCode::kInvalidArgument);
  EXPECT_NE(outcome.error->message().find("max_result_bytes"), std::string::npos);
}

TEST_F(ExecutorTest, AlterWithoutChangeReportsZeroRowsAffected) {
  add_user("alice", Role::kUser);
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE chat").error);
  auto first = run("root", Role::kSystem, "ALTER NAMESPACE chat SET OPTIONS (retention_days = 3)");
  EXPECT_EQ(rows_affected(first.results[0].result), 1u);
  auto same = run("root", Role::kSystem, "ALTER NAMESPACE chat SET OPTIONS (retention_days = 3)");
  EXPECT_EQ(rows_affected(same.results[0].result), 0u);
  auto role_same = run("root", Role::kSystem, "ALTER USER alice SET ROLE user");
  EXPECT_EQ(rows_affected(role_same.results[0].result), 0u);
  auto role_new = run("root", Role::kSystem, "ALTER USER alice SET ROLE service");
  EXPECT_EQ(rows_affected(role_new.results[0].result), 1u);
  auto storage_same = run("root", Role::kSystem, "ALTER STORAGE local SET NAME 'Local filesystem'");
  EXPECT_EQ(rows_affected(storage_same.results[0].result), 0u);
}

TEST_F(ExecutorTest, UserNamesAreCaseInsensitiveInEveryForm) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE USER \"MixedCase\" WITH PASSWORD 'password1'").error);
  EXPECT_TRUE(users_->find("mixedcase").has_value());
  EXPECT_EQ(error_of(run("root", Role::kSystem, "CREATE USER MIXEDCASE WITH PASSWORD 'password1'")),
            ErrorCode::kAlreadyExists);
}

TEST_F(ExecutorTest, RequestLevelErrorsCarryNoStatementIndex) {
  std::string many;
  for (int idx = 0; idx < 1001; ++idx) many += "SHOW USERS;";
  auto outcome = run("root", Role::kSystem, many);
  ASSERT_EQ(error_of(outcome), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(outcome.error_statement_index.has_value());
  auto password = run("root", Role::kSystem, "CREATE USER a WITH PASSWORD 'short'");
  ASSERT_EQ(error_of(password), ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::get<std::string>(*password.error->detail("argument")), "password");
}

}  // namespace
}  // namespace kalam

namespace kalam {
namespace {

using testing::ExecutorTest;

TEST_F(ExecutorTest, ParametersBindByNumberNotByAppearance) {
  ExecutionContext ctx = context("alice", Role::kUser);
  ctx.params = {ParamValue(int64_t{1}), ParamValue(int64_t{2})};
  auto outcome = executor_->execute_batch(ctx, "SELECT $2 AS b, $1 AS a");
  ASSERT_FALSE(outcome.error) << outcome.error->to_string();
  const RowsResult* rows = result_rows(outcome.results[0].result);
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][0]), 2);
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][1]), 1);
}

TEST_F(ExecutorTest, AuditLogCannotBeCountedWithoutReadingAColumn) {
  for (const char* sql : {"SELECT count(*) FROM audit_log", "SELECT 1 FROM system.audit_log",
                          "SELECT count(*) FROM SYSTEM.audit_log"}) {
    EXPECT_EQ(error_of(run("alice", Role::kUser, sql)), ErrorCode::kAuthInsufficientRole) << sql;
  }
  EXPECT_FALSE(run("admin", Role::kDba, "SELECT count(*) FROM audit_log").error);
}

TEST_F(ExecutorTest, EverySystemTableRowMatchesItsSchema) {
  add_user("alice", Role::kUser);
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE NAMESPACE chat; CREATE STORAGE s3x TYPE s3 BASE_DIRECTORY 's3://b/p' REGION 'r' "
                   "CREDENTIALS '{}'")
                   .error);
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE TABLE chat.t (id INT PRIMARY KEY, v TEXT)").error);
  for (const char* table : {"namespaces", "storages", "users", "audit_log", "stats", "tables", "columns"}) {
    auto outcome = run("root", Role::kSystem, std::string("SELECT * FROM system.") + table);
    ASSERT_FALSE(outcome.error) << table << ": " << outcome.error->to_string();
    const RowsResult* rows = result_rows(outcome.results[0].result);
    ASSERT_FALSE(rows->rows.empty()) << table;
    for (const auto& row : rows->rows) EXPECT_EQ(row.size(), rows->schema.size()) << table;
  }
  auto storages =
      run("root", Role::kSystem,
          "SELECT region, has_credentials, typeof(created_at) FROM system.storages WHERE storage_id = 's3x'");
  const RowsResult* rows = result_rows(storages.results[0].result);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "r");
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][1]), 1);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][2]), "text");  // ISO-8601, as KalamDB tables give it
}

}  // namespace
}  // namespace kalam

namespace kalam {
namespace {

using testing::ExecutorTest;

TEST_F(ExecutorTest, SystemTablesAndColumnsShowOnlyReadableTables) {
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE NAMESPACE app; CREATE TABLE app.pub (id INT PRIMARY KEY, v TEXT DEFAULT 'x') WITH "
                   "(ACCESS_LEVEL = 'PUBLIC'); CREATE TABLE app.hidden (id INT PRIMARY KEY) WITH "
                   "(ACCESS_LEVEL = 'RESTRICTED'); CREATE STREAM TABLE app.ticks (v INT) TTL 30")
                   .error);
  auto as_user =
      run("alice", Role::kUser, "SELECT table_name, access_level, ttl_seconds FROM system.tables ORDER BY 1");
  ASSERT_FALSE(as_user.error) << as_user.error->to_string();
  const RowsResult* rows = result_rows(as_user.results[0].result);
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "pub");
  EXPECT_EQ(std::get<std::string>(rows->rows[0][1]), "PUBLIC");
  EXPECT_EQ(std::get<int64_t>(rows->rows[1][2]), 30);
  auto columns = run("alice", Role::kUser,
                     "SELECT column_name, data_type, default_value, primary_key FROM system.columns "
                     "WHERE table_name = 'pub' ORDER BY ordinal");
  const RowsResult* column_rows = result_rows(columns.results[0].result);
  ASSERT_EQ(column_rows->rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(column_rows->rows[1][2]), "'x'");
  EXPECT_EQ(std::get<int64_t>(column_rows->rows[0][3]), 1) << "id is the primary key";
  EXPECT_EQ(
      std::get<int64_t>(result_rows(run("alice", Role::kUser,
                                        "SELECT COUNT(*) FROM system.columns WHERE table_name = 'hidden'")
                                        .results[0]
                                        .result)
                            ->rows[0][0]),
      0);
  EXPECT_EQ(std::get<int64_t>(
                result_rows(run("admin", Role::kDba, "SELECT COUNT(*) FROM system.tables").results[0].result)
                    ->rows[0][0]),
            3);
}

}  // namespace
}  // namespace kalam
