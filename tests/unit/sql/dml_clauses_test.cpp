// Splitting RETURNING and ON CONFLICT clauses off DML statements.
#include "sql/engine/dml_clauses.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(DmlClausesTest, PlainStatementsPassThrough) {
  auto plain = parse_dml_clauses("SELECT 1");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_TRUE(plain->action.empty());
  EXPECT_EQ(plain->base_sql, "SELECT 1");
  auto insert = parse_dml_clauses("INSERT INTO t (a) VALUES (1)");
  ASSERT_TRUE(insert.is_ok());
  EXPECT_EQ(insert->action, "INSERT");
  EXPECT_EQ(insert->base_sql, "INSERT INTO t (a) VALUES (1)");
  EXPECT_FALSE(insert->returning);
  EXPECT_FALSE(insert->upsert);
}

TEST(DmlClausesTest, ReturningIsSplitOffAtDepthZero) {
  auto update = parse_dml_clauses("UPDATE Chat.Msgs AS m SET a = (SELECT 1) WHERE b = 2 RETURNING a, b + 1;");
  ASSERT_TRUE(update.is_ok());
  EXPECT_EQ(update->action, "UPDATE");
  EXPECT_EQ(update->target, "Chat.Msgs");
  EXPECT_EQ(update->target_ns, "chat");
  EXPECT_EQ(update->target_name, "msgs");
  EXPECT_EQ(update->alias, "m");
  EXPECT_EQ(update->base_sql, "UPDATE Chat.Msgs AS m SET a = (SELECT 1) WHERE b = 2");
  ASSERT_TRUE(update->returning);
  EXPECT_EQ(*update->returning, "a, b + 1");
  auto del = parse_dml_clauses(
      "WITH x AS (SELECT 1 AS k) DELETE FROM \"T\" WHERE k IN (SELECT k FROM x) RETURNING *");
  ASSERT_TRUE(del.is_ok());
  EXPECT_EQ(del->action, "DELETE");
  EXPECT_EQ(del->target_name, "T");
  EXPECT_EQ(del->alias, "T");
  EXPECT_EQ(*del->returning, "*");
  for (const char* bad :
       {"INSERT INTO t VALUES (1) RETURNING", "DELETE FROM t RETURNING a FROM u",
        "UPDATE t SET a = 1 RETURNING a ORDER BY a", "DELETE FROM t RETURNING a; DROP TABLE u"}) {
    auto parsed = parse_dml_clauses(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidSqlSyntax) << bad;
  }
}

TEST(DmlClausesTest, DoNothingBecomesInsertOrIgnore) {
  auto parsed = parse_dml_clauses("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING RETURNING a");
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->base_sql, "INSERT OR IGNORE INTO t (a) VALUES (1)");
  EXPECT_FALSE(parsed->upsert);
  EXPECT_EQ(*parsed->returning, "a");
}

TEST(DmlClausesTest, DoUpdateIsTakenApart) {
  auto parsed = parse_dml_clauses(
      "WITH s(x) AS (VALUES (1)) INSERT OR ABORT INTO ns.t AS old (a, \"B\") SELECT x, x FROM s WHERE true "
      "ON CONFLICT (a, \"B\") DO UPDATE SET a = excluded.a, b = (SELECT 1 WHERE 1) WHERE old.a > 0 RETURNING "
      "a");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  ASSERT_TRUE(parsed->upsert);
  const UpsertClause& upsert = *parsed->upsert;
  EXPECT_EQ(upsert.with_prefix, "WITH s(x) AS (VALUES (1))");
  EXPECT_EQ(upsert.or_clause, "OR ABORT ");
  EXPECT_EQ(upsert.columns, "(a, \"B\")");
  EXPECT_EQ(upsert.source, "SELECT x, x FROM s WHERE true");
  EXPECT_EQ(upsert.conflict_columns, (std::vector<std::string>{"a", "B"}));
  EXPECT_EQ(upsert.assignments, "a = excluded.a, b = (SELECT 1 WHERE 1)");
  EXPECT_EQ(upsert.condition, "old.a > 0");
  EXPECT_EQ(parsed->alias, "old");
  EXPECT_EQ(*parsed->returning, "a");

  auto defaults = parse_dml_clauses("INSERT INTO t DEFAULT VALUES ON CONFLICT DO UPDATE SET n = n + 1");
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_TRUE(defaults->upsert->source.empty());
  EXPECT_TRUE(defaults->upsert->conflict_columns.empty());
  EXPECT_TRUE(defaults->upsert->condition.empty());

  EXPECT_EQ(parse_dml_clauses("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT DO NOTHING")
                .status()
                .code(),
            ErrorCode::kNotImplemented);
  EXPECT_EQ(
      parse_dml_clauses("INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE a > 1 DO NOTHING").status().code(),
      ErrorCode::kNotImplemented);
  for (const char* bad :
       {"INSERT INTO t VALUES (1) ON CONFLICT DO", "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE",
        "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET",
        "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 1 FROM u",
        "INSERT INTO t VALUES (1) ON CONFLICT () DO NOTHING"}) {
    auto result = parse_dml_clauses(bad);
    ASSERT_FALSE(result.is_ok()) << bad;
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidSqlSyntax) << bad;
  }
}

TEST(DmlClausesTest, ExcludedReferencesBecomeParameters) {
  auto replaced = replace_excluded("a = excluded.a + EXCLUDED.\"B\", c = t.excluded.a, d = 'excluded.a'",
                                   {"a", "b"}, 100);
  ASSERT_TRUE(replaced.is_ok());
  EXPECT_EQ(*replaced, "a = $100 + $101, c = t.excluded.a, d = 'excluded.a'");
  auto unknown = replace_excluded("a = excluded.z", {"a"}, 1);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidSqlSyntax);
}

TEST(DmlClausesTest, ParameterPlacementsNameTheirColumns) {
  auto insert = parse_dml_clauses("INSERT INTO t (a, \"B\", c) VALUES ($1, $2 + 1, 'x'), ($3, $4, ($5))");
  ASSERT_TRUE(insert.is_ok());
  EXPECT_TRUE(insert->params.known);
  EXPECT_EQ(insert->params.by_name,
            (std::vector<std::pair<std::string, int64_t>>{{"a", 1}, {"a", 3}, {"B", 4}}));
  auto positional = parse_dml_clauses("INSERT INTO t VALUES ($2, f($1), $1)");
  ASSERT_TRUE(positional.is_ok());
  EXPECT_EQ(positional->params.by_position, (std::vector<std::pair<size_t, int64_t>>{{0, 2}, {2, 1}}));
  auto update = parse_dml_clauses("UPDATE t SET a = $1, b = (SELECT $2), c = $3 WHERE d = $4 RETURNING $5");
  ASSERT_TRUE(update.is_ok());
  EXPECT_TRUE(update->params.known);
  EXPECT_EQ(update->params.by_name, (std::vector<std::pair<std::string, int64_t>>{{"a", 1}, {"c", 3}}));
  auto upsert = parse_dml_clauses("INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT DO UPDATE SET w = $3");
  ASSERT_TRUE(upsert.is_ok());
  EXPECT_EQ(upsert->params.by_name,
            (std::vector<std::pair<std::string, int64_t>>{{"k", 1}, {"v", 2}, {"w", 3}}));
  auto select = parse_dml_clauses("INSERT INTO t (a) SELECT $1");
  ASSERT_TRUE(select.is_ok());
  EXPECT_FALSE(select->params.known);
}

}  // namespace
}  // namespace kalam
