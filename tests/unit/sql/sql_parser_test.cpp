// Tests of statement splitting, tokenizing, classification and our statement parsers.
#include "sql/parser/sql_parser.h"

#include <gtest/gtest.h>

#include "sql/parser/statement_splitter.h"

namespace kalam {
namespace {

TEST(StatementSplitterTest, SplitsAtTopLevelSemicolonsOnly) {
  auto pieces = split_statements(
      "CREATE NAMESPACE a; SELECT 'x;y', \"we;ird\" -- c;omment\n FROM t; /* a;b */ SHOW NAMESPACES;;  ");
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].text, "CREATE NAMESPACE a");
  EXPECT_NE(pieces[1].text.find("'x;y'"), std::string::npos);
  EXPECT_NE(pieces[1].text.find("FROM t"), std::string::npos);
  EXPECT_NE(pieces[2].text.find("SHOW NAMESPACES"), std::string::npos);
}

TEST(StatementSplitterTest, DropsEmptyAndCommentOnlyStatements) {
  EXPECT_TRUE(split_statements("  ;; -- nothing\n /* here */ ;").empty());
  EXPECT_TRUE(split_statements("").empty());
}

TEST(StatementSplitterTest, EscapedQuotesDoNotEndStrings) {
  auto pieces = split_statements("SELECT 'it''s; fine'; SELECT 2");
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].text, "SELECT 'it''s; fine'");
}

TEST(StatementSplitterTest, TracksLineAndColumnOfEachStatement) {
  auto pieces = split_statements("SHOW USERS;\n  CREATE NAMESPACE x");
  ASSERT_EQ(pieces.size(), 2u);
  auto parsed = parse_statement(pieces[1].text, pieces[1].start);
  ASSERT_TRUE(parsed.is_ok());
  auto bad = parse_statement("CREATE NAMESPACE", SourcePosition{3, 5});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(std::get<int64_t>(*bad.status().detail("line")), 3);
  EXPECT_EQ(std::get<int64_t>(*bad.status().detail("column")), 21);
}

TEST(TokenizerTest, UnterminatedStringReportsPosition) {
  auto tokens = tokenize_sql("SELECT\n  'abc");
  ASSERT_FALSE(tokens.is_ok());
  EXPECT_EQ(tokens.status().code(), ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(std::get<int64_t>(*tokens.status().detail("line")), 2);
  EXPECT_EQ(std::get<int64_t>(*tokens.status().detail("column")), 3);
}

TEST(TokenizerTest, UnterminatedCommentIsAnError) {
  EXPECT_FALSE(tokenize_sql("SHOW USERS /* open").is_ok());
}

TEST(TokenizerTest, ParametersAndQuotedIdentifiers) {
  auto tokens = tokenize_sql("SELECT \"Weird\"\"Name\" FROM t WHERE a = $12");
  ASSERT_TRUE(tokens.is_ok());
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ((*tokens)[1].text, "Weird\"Name");
  EXPECT_EQ((*tokens)[7].kind, TokenKind::kParameter);
  EXPECT_EQ((*tokens)[7].text, "12");
}

struct ClassifyCase {
  const char* sql;
  StatementKind kind;
};

TEST(ClassifierTest, EveryStatementFormMapsToItsKind) {
  const ClassifyCase cases[] = {
      {"SELECT 1", StatementKind::kSelect},
      {"WITH x AS (SELECT 1) SELECT * FROM x", StatementKind::kSelect},
      {"INSERT INTO t VALUES (1)", StatementKind::kInsert},
      {"UPDATE t SET a = 1", StatementKind::kUpdate},
      {"DELETE FROM t", StatementKind::kDelete},
      {"EXECUTE AS USER 'bob' (SELECT 1)", StatementKind::kExecuteAsUser},
      {"EXPLAIN SELECT 1", StatementKind::kExplain},
      {"CREATE NAMESPACE chat", StatementKind::kCreateNamespace},
      {"ALTER NAMESPACE chat SET OPTIONS (retention_days = 3)", StatementKind::kAlterNamespace},
      {"DROP NAMESPACE chat CASCADE", StatementKind::kDropNamespace},
      {"SHOW NAMESPACES", StatementKind::kShowNamespaces},
      {"USE chat", StatementKind::kUseNamespace},
      {"SET NAMESPACE chat", StatementKind::kUseNamespace},
      {"CREATE STORAGE s TYPE filesystem BASE_DIRECTORY '/tmp'", StatementKind::kCreateStorage},
      {"ALTER STORAGE s SET NAME 'x'", StatementKind::kAlterStorage},
      {"DROP STORAGE s", StatementKind::kDropStorage},
      {"SHOW STORAGES", StatementKind::kShowStorages},
      {"STORAGE CHECK s", StatementKind::kCheckStorage},
      {"CREATE TABLE t (a INT)", StatementKind::kCreateTable},
      {"CREATE USER TABLE t (a INT)", StatementKind::kCreateTable},
      {"CREATE STREAM TABLE t (a INT) TTL 10", StatementKind::kCreateTable},
      {"ALTER TABLE t ADD COLUMN b INT", StatementKind::kAlterTable},
      {"DROP SHARED TABLE t", StatementKind::kDropTable},
      {"SHOW TABLES", StatementKind::kShowTables},
      {"DESCRIBE TABLE t", StatementKind::kDescribeTable},
      {"SHOW STATS FOR TABLE t", StatementKind::kShowStats},
      {"CREATE UNIQUE INDEX i ON t (a)", StatementKind::kCreateIndex},
      {"DROP INDEX i", StatementKind::kDropIndex},
      {"CREATE VIEW v AS SELECT 1", StatementKind::kCreateView},
      {"DROP VIEW IF EXISTS ns.v", StatementKind::kDropView},
      {"STORAGE FLUSH TABLE t", StatementKind::kFlushTable},
      {"FLUSH ALL TABLES", StatementKind::kFlushAll},
      {"KILL JOB 'FL-1'", StatementKind::kKillJob},
      {"SHOW JOBS", StatementKind::kShowJobs},
      {"SUBSCRIBE TO chat.messages", StatementKind::kSubscribe},
      {"KILL LIVE QUERY 'x'", StatementKind::kKillLiveQuery},
      {"SHOW LIVE QUERIES", StatementKind::kShowLiveQueries},
      {"CREATE USER alice WITH PASSWORD 'secret123'", StatementKind::kCreateUser},
      {"ALTER USER alice SET ROLE dba", StatementKind::kAlterUser},
      {"DROP USER alice", StatementKind::kDropUser},
      {"SHOW USERS", StatementKind::kShowUsers},
      {"BEGIN", StatementKind::kBeginTransaction},
      {"START TRANSACTION", StatementKind::kBeginTransaction},
      {"COMMIT", StatementKind::kCommitTransaction},
      {"ROLLBACK", StatementKind::kRollbackTransaction},
  };
  for (const auto& test_case : cases) {
    auto parsed = parse_statement(test_case.sql);
    ASSERT_TRUE(parsed.is_ok()) << test_case.sql << ": " << parsed.status().to_string();
    EXPECT_EQ(parsed->kind, test_case.kind) << test_case.sql;
  }
}

TEST(ClassifierTest, UnknownStatementNamesItsKeywords) {
  auto parsed = parse_statement("TRUNCATE TABLE t");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidSqlSyntax);
  EXPECT_NE(parsed.status().message().find("TRUNCATE TABLE"), std::string::npos);
}

TEST(NamespaceParserTest, CreateAlterDropUse) {
  auto create = parse_statement("create namespace if not exists Chat");
  ASSERT_TRUE(create.is_ok());
  const auto& create_stmt = std::get<CreateNamespaceStmt>(create->body);
  EXPECT_EQ(create_stmt.name, "chat");  // bare identifiers are lower-cased
  EXPECT_TRUE(create_stmt.if_not_exists);

  auto quoted = parse_statement("CREATE NAMESPACE \"Chat\"");
  ASSERT_TRUE(quoted.is_ok());
  EXPECT_EQ(std::get<CreateNamespaceStmt>(quoted->body).name, "Chat");

  auto alter =
      parse_statement("ALTER NAMESPACE chat SET OPTIONS (description = 'chat app', retention_days = 30)");
  ASSERT_TRUE(alter.is_ok());
  const auto& options = std::get<AlterNamespaceStmt>(alter->body).options;
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(std::get<std::string>(options[0].second), "chat app");
  EXPECT_EQ(std::get<int64_t>(options[1].second), 30);

  auto drop = parse_statement("DROP NAMESPACE IF EXISTS chat CASCADE");
  ASSERT_TRUE(drop.is_ok());
  EXPECT_TRUE(std::get<DropNamespaceStmt>(drop->body).if_exists);
  EXPECT_TRUE(std::get<DropNamespaceStmt>(drop->body).cascade);

  for (const char* sql : {"USE chat", "USE NAMESPACE chat", "SET NAMESPACE chat"}) {
    auto use = parse_statement(sql);
    ASSERT_TRUE(use.is_ok()) << sql;
    EXPECT_EQ(std::get<UseNamespaceStmt>(use->body).name, "chat");
  }
}

TEST(ViewParserTest, CreateKeepsTheQueryTextAndColumns) {
  auto create =
      parse_statement("CREATE VIEW IF NOT EXISTS app.Recent (a, \"B\") AS\n  SELECT x, y FROM t -- last\n ;");
  ASSERT_TRUE(create.is_ok()) << create.status().to_string();
  const auto& stmt = std::get<CreateViewStmt>(create->body);
  EXPECT_TRUE(stmt.if_not_exists);
  EXPECT_EQ(stmt.view.namespace_id, "app");
  EXPECT_EQ(stmt.view.table_name, "recent");
  EXPECT_EQ(stmt.columns, (std::vector<std::string>{"a", "B"}));
  EXPECT_EQ(stmt.query_sql, "SELECT x, y FROM t -- last");

  for (const char* sql : {"CREATE VIEW v AS DELETE FROM t", "CREATE VIEW v SELECT 1", "CREATE VIEW v AS"}) {
    auto parsed = parse_statement(sql);
    ASSERT_FALSE(parsed.is_ok()) << sql;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidSqlSyntax) << sql;
  }
  auto with_param = parse_statement("CREATE VIEW v AS SELECT * FROM t WHERE id = $1");
  ASSERT_FALSE(with_param.is_ok());
  EXPECT_EQ(with_param.status().code(), ErrorCode::kInvalidArgument);
  auto temp = parse_statement("CREATE TEMP VIEW v AS SELECT 1");
  ASSERT_FALSE(temp.is_ok());
  EXPECT_EQ(temp.status().code(), ErrorCode::kNotImplemented);

  auto drop = parse_statement("DROP VIEW IF EXISTS app.recent");
  ASSERT_TRUE(drop.is_ok());
  EXPECT_TRUE(std::get<DropViewStmt>(drop->body).if_exists);
  EXPECT_EQ(std::get<DropViewStmt>(drop->body).view.table_name, "recent");
}

TEST(NamespaceParserTest, TrailingGarbageIsASyntaxError) {
  auto parsed = parse_statement("CREATE NAMESPACE chat extra");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(std::get<std::string>(*parsed.status().detail("token")), "extra");
}

TEST(NamespaceParserTest, InjectionInIdentifiersIsRejected) {
  auto parsed = parse_statement("CREATE NAMESPACE \"'; DROP NAMESPACE x; --\"");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  auto too_long = parse_statement("CREATE NAMESPACE " + std::string(65, 'a'));
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(parse_statement("CREATE NAMESPACE " + std::string(64, 'a')).is_ok());
}

TEST(StorageParserTest, CreateWithEveryClause) {
  auto parsed = parse_statement(
      "CREATE STORAGE archive TYPE filesystem NAME 'Archive' DESCRIPTION 'cold' BASE_DIRECTORY '/var/a' "
      "SHARED_TABLES_TEMPLATE '{namespace}/{tableName}' USER_TABLES_TEMPLATE "
      "'{namespace}/{tableName}/{userId}'");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& stmt = std::get<CreateStorageStmt>(parsed->body);
  EXPECT_EQ(stmt.storage_id, "archive");
  EXPECT_EQ(stmt.storage_type, StorageType::kFilesystem);
  EXPECT_EQ(*stmt.storage_name, "Archive");
  EXPECT_EQ(*stmt.base_directory, "/var/a");
  EXPECT_TRUE(parsed->contains_secret);

  auto s3 = parse_statement(
      "CREATE STORAGE s3prod TYPE s3 BASE_DIRECTORY 's3://b/p' REGION 'eu-west-1' CREDENTIALS "
      "'{\"k\":\"v\"}'");
  ASSERT_TRUE(s3.is_ok());
  EXPECT_EQ(std::get<CreateStorageStmt>(s3->body).storage_type, StorageType::kS3);
  EXPECT_EQ(*std::get<CreateStorageStmt>(s3->body).credentials, "{\"k\":\"v\"}");
}

TEST(StorageParserTest, MissingBaseDirectoryAndDuplicateClauses) {
  EXPECT_EQ(parse_statement("CREATE STORAGE a TYPE filesystem").status().code(),
            ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(parse_statement("CREATE STORAGE a TYPE ftp BASE_DIRECTORY '/x'").status().code(),
            ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(parse_statement("CREATE STORAGE a TYPE filesystem BASE_DIRECTORY '/x' NAME 'a' NAME 'b'")
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
}

TEST(StorageParserTest, AlterSetsSeveralFields) {
  auto parsed = parse_statement("ALTER STORAGE a SET NAME 'n', SET DESCRIPTION 'd' SET CREDENTIALS '{}'");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& stmt = std::get<AlterStorageStmt>(parsed->body);
  EXPECT_EQ(*stmt.storage_name, "n");
  EXPECT_EQ(*stmt.description, "d");
  EXPECT_EQ(*stmt.credentials, "{}");
  EXPECT_FALSE(stmt.user_tables_template.has_value());
}

TEST(UserParserTest, CreateUserWithRoleAliasAndEmail) {
  auto parsed =
      parse_statement("CREATE USER IF NOT EXISTS 'Alice' WITH PASSWORD 'S3cret-pass' ROLE admin EMAIL 'a@x'");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& stmt = std::get<CreateUserStmt>(parsed->body);
  EXPECT_EQ(stmt.user_id, "alice");
  EXPECT_EQ(stmt.password, "S3cret-pass");
  EXPECT_EQ(stmt.role, Role::kDba);
  EXPECT_EQ(*stmt.email, "a@x");
  EXPECT_TRUE(stmt.if_not_exists);
}

TEST(UserParserTest, UnknownRoleIsInvalidArgument) {
  auto parsed = parse_statement("CREATE USER bob WITH PASSWORD 'password1' ROLE superuser");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
}

TEST(UserParserTest, UnquotedPasswordIsNotEchoedInTheError) {
  auto parsed = parse_statement("CREATE USER bob WITH PASSWORD hunter2secret");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().message().find("hunter2secret"), std::string::npos);
}

TEST(UserParserTest, RedactionHidesEveryLiteralOfSecretStatements) {
  auto parsed = parse_statement("ALTER USER bob SET PASSWORD 'TopSecret99'");
  ASSERT_TRUE(parsed.is_ok());
  std::string redacted = redact_sql_for_log(*parsed);
  EXPECT_EQ(redacted.find("TopSecret99"), std::string::npos);
  EXPECT_NE(redacted.find("'***'"), std::string::npos);
  auto plain = parse_statement("SHOW USERS");
  EXPECT_EQ(redact_sql_for_log(*plain), "SHOW USERS");
}

TEST(ParameterScanTest, CountsHighestAndDistinctParameters) {
  auto parsed = parse_statement("SELECT * FROM t WHERE a = $1 AND b = $3 AND c = $1");
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->max_param_index, 3u);
  EXPECT_EQ(parsed->distinct_params, 2u);
  auto quoted = parse_statement("SELECT '$1' FROM t");
  EXPECT_EQ(quoted->max_param_index, 0u);  // inside a string it is text, not a parameter
  EXPECT_EQ(parse_statement("SELECT $0").status().code(), ErrorCode::kInvalidSqlSyntax);
}

TEST(TokenizerTest, ReadsStringsNamesAndCommentsWhereSQLiteDoes) {
  // [bracketed] names are identifiers, as in SQLite: the quote inside is not a string
  auto brackets = tokenize_sql("SELECT [x'] FROM t /*'*/");
  ASSERT_TRUE(brackets.is_ok());
  EXPECT_EQ((*brackets)[1].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ((*brackets)[1].text, "x'");
  EXPECT_FALSE(tokenize_sql("SELECT [x FROM t").is_ok());
  // `$` continues a name (a$1 is one identifier)
  auto dollar = tokenize_sql("SELECT a$1 FROM t");
  ASSERT_TRUE(dollar.is_ok());
  EXPECT_EQ((*dollar)[1].text, "a$1");
  // SQLite's other parameter forms, and $n glued to more, would be read differently
  for (const char* bad : {"SELECT @a(')/*')", "SELECT :a", "SELECT #a", "SELECT ?", "SELECT ?1", "SELECT $a",
                          "SELECT $1(')", "SELECT $1x", "SELECT $1::x"}) {
    auto result = tokenize_sql(bad);
    ASSERT_FALSE(result.is_ok()) << bad;
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidSqlSyntax) << bad;
  }
  // SQLite stops at a NUL byte and does not take a vertical tab for a space
  EXPECT_FALSE(tokenize_sql(std::string("SELECT 1 --\0\n, 2", 17)).is_ok());
  EXPECT_FALSE(tokenize_sql("SELECT\v1").is_ok());
  EXPECT_TRUE(tokenize_sql("SELECT $1 + $2, ($3)").is_ok());
}

}  // namespace
}  // namespace kalam
