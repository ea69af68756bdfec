// Namespace handlers through the real executor and RocksDB.
#include "executor_test_fixture.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

TEST_F(ExecutorTest, CreateNamespaceIfNotExistsReportsZeroRowsAffected) {
  auto first = run("root", Role::kSystem, "CREATE NAMESPACE chat");
  ASSERT_FALSE(first.error) << first.error->to_string();
  EXPECT_EQ(rows_affected(first.results[0].result), 1u);
  EXPECT_EQ(*result_message(first.results[0].result), "Namespace 'chat' created");

  auto again = run("root", Role::kSystem, "CREATE NAMESPACE IF NOT EXISTS chat");
  ASSERT_FALSE(again.error);
  EXPECT_EQ(rows_affected(again.results[0].result), 0u);

  auto duplicate = run("root", Role::kSystem, "CREATE NAMESPACE chat");
  ASSERT_TRUE(duplicate.error);
  EXPECT_EQ(duplicate.error->code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(std::get<std::string>(*duplicate.error->detail("object_type")), "namespace");
}

TEST_F(ExecutorTest, ReservedNamespaceNamesAreRefused) {
  for (const char* name : {"system", "SYS", "information_schema", "Default", "pg_catalog"}) {
    auto outcome = run("root", Role::kSystem, std::string("CREATE NAMESPACE ") + name);
    EXPECT_EQ(error_of(outcome), ErrorCode::kInvalidArgument) << name;
  }
}

TEST_F(ExecutorTest, UserRoleIsDeniedAndTheDenialIsAudited) {
  auto outcome = run("alice", Role::kUser, "CREATE NAMESPACE x");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kAuthInsufficientRole);
  EXPECT_EQ(std::get<std::string>(*outcome.error->detail("actual_role")), "user");
  auto required = std::get<std::vector<std::string>>(*outcome.error->detail("required_roles"));
  EXPECT_EQ(required, (std::vector<std::string>{"dba", "system"}));
  EXPECT_EQ(registry_->snapshot()->find_namespace("x"), nullptr);
  auto audit = audit_rows();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "AUTHORIZATION_DENIED");
  EXPECT_EQ(audit[0].actor_user_id, "alice");
  EXPECT_EQ(audit[0].target, "CREATE_NAMESPACE");
  EXPECT_FALSE(audit[0].success);
  EXPECT_EQ(audit[0].request_id, "req-alice");
}

TEST_F(ExecutorTest, DdlWritesItsAuditRowAndSurvivesRestart) {
  ASSERT_FALSE(run("admin", Role::kDba,
                   "CREATE NAMESPACE chat; ALTER NAMESPACE chat SET OPTIONS "
                   "(description = 'chat app', retention_days = 30)")
                   .error);
  reopen();
  auto snapshot = registry_->snapshot();
  const NamespaceDef* chat = snapshot->find_namespace("chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_NE(chat->options_json.find("\"retention_days\":30"), std::string::npos);
  auto audit = audit_rows();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "CREATE_NAMESPACE");
  EXPECT_EQ(audit[1].action, "ALTER_NAMESPACE");
  EXPECT_EQ(audit[0].target, "namespace:chat");
  EXPECT_TRUE(audit[0].success);
}

TEST_F(ExecutorTest, AlterNamespaceRejectsUnknownAndBadOptions) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE chat").error);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "ALTER NAMESPACE chat SET OPTIONS (colour = 'red')")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "ALTER NAMESPACE chat SET OPTIONS (retention_days = -1)")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "ALTER NAMESPACE nope SET OPTIONS (retention_days = 1)")),
            ErrorCode::kNotFoundNamespace);
}

TEST_F(ExecutorTest, DropNamespaceWithTablesNeedsCascade) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE chat").error);
  {
    CatalogChange change = registry_->begin_change();
    TableDef table;
    table.table_id = 1;
    table.namespace_id = "chat";
    table.table_name = "messages";
    table.table_type = "USER";
    change.put_table(table);
    ASSERT_TRUE(change.commit().is_ok());
  }
  auto refused = run("root", Role::kSystem, "DROP NAMESPACE chat");
  ASSERT_EQ(error_of(refused), ErrorCode::kDependencyExists);
  EXPECT_EQ(std::get<std::vector<std::string>>(*refused.error->detail("tables")),
            std::vector<std::string>{"chat.messages"});
  auto dropped = run("root", Role::kSystem, "DROP NAMESPACE chat CASCADE");
  ASSERT_FALSE(dropped.error);
  EXPECT_EQ(registry_->snapshot()->find_table("chat", "messages"), nullptr);
  EXPECT_EQ(registry_->snapshot()->find_namespace("chat"), nullptr);
  reopen();
  EXPECT_EQ(registry_->snapshot()->find_table("chat", "messages"), nullptr);
}

TEST_F(ExecutorTest, DropIfExistsAndNotFound) {
  auto missing = run("root", Role::kSystem, "DROP NAMESPACE ghost");
  EXPECT_EQ(error_of(missing), ErrorCode::kNotFoundNamespace);
  EXPECT_EQ(std::get<std::string>(*missing.error->detail("name")), "ghost");
  auto quiet = run("root", Role::kSystem, "DROP NAMESPACE IF EXISTS ghost");
  ASSERT_FALSE(quiet.error);
  EXPECT_EQ(rows_affected(quiet.results[0].result), 0u);
}

TEST_F(ExecutorTest, ShowNamespacesListsTableCounts) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE b; CREATE NAMESPACE a").error);
  auto shown = run("alice", Role::kUser, "SHOW NAMESPACES");
  ASSERT_FALSE(shown.error);
  const RowsResult* rows = result_rows(shown.results[0].result);
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "a");
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][1]), 0);
  EXPECT_EQ(row_count(shown.results[0].result), 2u);
}

TEST_F(ExecutorTest, UseSetsTheDefaultNamespaceForLaterStatements) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE chat").error);
  ExecutionContext ctx = context("alice", Role::kUser);
  auto outcome = executor_->execute_batch(ctx, "USE chat");
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(ctx.default_namespace, "chat");
  EXPECT_EQ(error_of(executor_->execute_batch(ctx, "USE nowhere")), ErrorCode::kNotFoundNamespace);
}

TEST_F(ExecutorTest, BatchStopsAtFirstFailureKeepingEarlierEffects) {
  auto outcome = run("root", Role::kSystem, "CREATE NAMESPACE a; CREATE NAMESPACE a; CREATE NAMESPACE b");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*outcome.error_statement_index, 1u);
  EXPECT_EQ(outcome.results.size(), 1u);
  EXPECT_NE(registry_->snapshot()->find_namespace("a"), nullptr);
  EXPECT_EQ(registry_->snapshot()->find_namespace("b"), nullptr);
}

TEST_F(ExecutorTest, SyntaxErrorAnywhereMeansNothingExecutes) {
  auto outcome = run("root", Role::kSystem, "CREATE NAMESPACE a;\nCREATE NAMESPAC b");
  ASSERT_EQ(error_of(outcome), ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(*outcome.error_statement_index, 1u);
  EXPECT_EQ(std::get<int64_t>(*outcome.error->detail("line")), 2);
  EXPECT_EQ(registry_->snapshot()->find_namespace("a"), nullptr);
}

TEST_F(ExecutorTest, EmptyAndOversizedBatches) {
  EXPECT_EQ(error_of(run("root", Role::kSystem, "  ; -- nothing")), ErrorCode::kEmptySql);
  std::string many;
  for (int idx = 0; idx < 10000; ++idx) many += "SHOW USERS;";
  EXPECT_EQ(error_of(run("root", Role::kSystem, many)), ErrorCode::kInvalidArgument);
}

TEST_F(ExecutorTest, LiveQueryStatementsWithoutALiveService) {
  // No LiveQueryService (ExecutorServices::live is null): nothing to show, nothing to kill.
  auto shown = run("root", Role::kSystem, "SHOW LIVE QUERIES");
  ASSERT_FALSE(shown.error) << shown.error->to_string();
  EXPECT_EQ(row_count(shown.results[0].result), 0u);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "KILL LIVE QUERY 'conn-1-1'")),
            ErrorCode::kServiceUnavailable);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "KILL LIVE QUERY 42")), ErrorCode::kInvalidSqlSyntax);
}

// A handler that outlives the deadline: the executor must report TIMEOUT.
class SlowHandler final : public TypedStatementHandler<ShowNamespacesStmt> {
 public:
  using TypedStatementHandler::TypedStatementHandler;
  Status check_authorization(const ExecutionContext&, const ShowNamespacesStmt&) const override {
    return Status::ok();
  }
  Result<ExecutionResult> execute(ExecutionContext& ctx, const ShowNamespacesStmt&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    KALAM_RETURN_IF_ERROR(ctx.check_deadline("SHOW NAMESPACES"));
    return ExecutionResult(RowsResult{});
  }
};

TEST_F(ExecutorTest, StatementDeadlineProducesTimeoutError) {
  handlers_->replace(StatementKind::kShowNamespaces, std::make_unique<SlowHandler>(services_));
  ExecutorLimits limits;
  limits.handler_timeout_seconds = 1;
  SqlExecutor executor(services_, *handlers_, limits);
  ExecutionContext ctx = context("root", Role::kSystem);
  auto outcome = executor.execute_batch(ctx, "SHOW NAMESPACES");
  ASSERT_EQ(error_of(outcome), ErrorCode::kTimeoutHandlerExecution);
  EXPECT_EQ(std::get<int64_t>(*outcome.error->detail("timeout_seconds")), 1);
  EXPECT_GE(std::get<double>(*outcome.error->detail("elapsed_ms")), 1000.0);
}

}  // namespace
}  // namespace kalam
