// find_table_references: which names of a query are FROM items (what the engine
// rewrites for views and inside a view's query).
#include "sql/parser/table_references.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kalam {
namespace {

// The FROM items of `sql` as "name", "ns.name", with "+alias" when one follows.
std::vector<std::string> items(const std::string& sql) {
  auto tokens = tokenize_sql(sql);
  EXPECT_TRUE(tokens.is_ok());
  std::vector<std::string> out;
  for (const TableReference& reference : find_table_references(*tokens)) {
    std::string name = tokens->at(reference.first).text;
    if (reference.last != reference.first) name += "." + tokens->at(reference.last).text;
    out.push_back(name + (reference.has_alias ? "+alias" : ""));
  }
  return out;
}

using Names = std::vector<std::string>;

TEST(TableReferencesTest, FromItemsAndJoins) {
  EXPECT_EQ(items("SELECT a, b FROM t1"), Names({"t1"}));
  EXPECT_EQ(items("SELECT * FROM t1, ns.t2 AS x, t3 y WHERE t1.a = 1"),
            Names({"t1", "ns.t2+alias", "t3+alias"}));
  EXPECT_EQ(items("SELECT * FROM t1 LEFT OUTER JOIN t2 ON t1.a = t2.a, t3 NATURAL JOIN t4 USING (a)"),
            Names({"t1", "t2", "t3", "t4"}));
  EXPECT_EQ(items("SELECT * FROM t1 INDEXED BY i1 WHERE x"), Names({"t1"}));
  EXPECT_EQ(items("SELECT * FROM \"Quoted\" ORDER BY 1"), Names({"Quoted"}));
}

TEST(TableReferencesTest, ColumnsAndSelectListsAreNotTables) {
  // `t1` as a column, a qualifier or a function name is not a FROM item.
  EXPECT_EQ(items("SELECT t1, t1.x, t1(2), count(*) FROM t2 WHERE t1 > 0"), Names({"t2"}));
  EXPECT_EQ(items("SELECT a, b, c FROM t GROUP BY a, b HAVING c ORDER BY a, b LIMIT 1, 2"), Names({"t"}));
  EXPECT_EQ(items("SELECT CAST(a AS TEXT), b AS from_b FROM t"), Names({"t"}));
  EXPECT_EQ(items("VALUES (1, 2), (3, 4)"), Names({}));
}

TEST(TableReferencesTest, SubqueriesAtAnyDepth) {
  EXPECT_EQ(items("SELECT * FROM (SELECT * FROM inner1) AS s, t2 WHERE x IN (SELECT y FROM inner2)"),
            Names({"inner1", "t2", "inner2"}));
  EXPECT_EQ(items("SELECT (SELECT max(a) FROM t1), b FROM t2"), Names({"t1", "t2"}));
  EXPECT_EQ(items("SELECT * FROM (t1 JOIN t2 ON t1.a = t2.a)"), Names({"t1", "t2"}));
  EXPECT_EQ(items("SELECT a FROM t1 UNION ALL SELECT b FROM t2 EXCEPT SELECT c FROM t3"),
            Names({"t1", "t2", "t3"}));
}

TEST(TableReferencesTest, CteNamesAndTableFunctionsAreSkipped) {
  EXPECT_EQ(items("WITH c AS (SELECT * FROM t1), d(x) AS (SELECT 1) SELECT * FROM c, d, t2"),
            Names({"t1", "t2"}));
  EXPECT_EQ(items("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"),
            Names({}));
  EXPECT_EQ(items("SELECT value FROM json_each('[1]'), t1"), Names({"t1"}));
  EXPECT_EQ(items("SELECT * FROM t1 WINDOW w AS (ORDER BY a)"), Names({"t1"}));
}

TEST(TableReferencesTest, DmlTargets) {
  // INSERT and UPDATE targets are not FROM items; what they read is.
  EXPECT_EQ(items("INSERT INTO t1 (a) SELECT a FROM t2"), Names({"t2"}));
  EXPECT_EQ(items("UPDATE t1 SET a = (SELECT max(a) FROM t2) WHERE b IN (SELECT b FROM t3)"),
            Names({"t2", "t3"}));
  EXPECT_EQ(items("DELETE FROM t1 WHERE a IN (SELECT a FROM t2)"), Names({"t1", "t2"}));
}

}  // namespace
}  // namespace kalam
