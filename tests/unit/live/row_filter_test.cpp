// Live filters: SQLite's meaning of a WHERE over one row (affinity, NULL, LIKE/ILIKE,
// functions), what is refused, and the equality conjuncts that index a subscription.
#include "live/row_filter.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

std::shared_ptr<const TableSchema> chat_schema() {
  auto schema = std::make_shared<TableSchema>();
  schema->table_id = 7;
  schema->namespace_id = "chat";
  schema->table_name = "messages";
  SchemaVersion version;
  uint32_t next_id = 1;
  for (auto [name, type] : std::vector<std::pair<std::string, DataType>>{{"id", DataType::kBigInt},
                                                                         {"conv", DataType::kText},
                                                                         {"n", DataType::kInt},
                                                                         {"score", DataType::kDouble}}) {
    ColumnDef column;
    column.column_id = next_id++;
    column.name = name;
    column.type = type;
    column.pk_position = name == "id" ? 0 : -1;
    version.columns.push_back(column);
  }
  schema->versions.push_back(version);
  schema->next_column_id = next_id;
  return schema;
}

RowValues row(int64_t id, Value conv, Value n, Value score = Value()) {
  return {Value(id), std::move(conv), std::move(n), std::move(score), Value(int64_t{100} + id)};
}

class RowFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = FilterEngine::open();
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    engine_ = std::move(opened).value();
  }
  std::unique_ptr<RowFilter> compile(const std::string& where) {
    auto compiled = engine_->compile(schema_, where);
    EXPECT_TRUE(compiled.is_ok()) << where << ": " << compiled.status().to_string();
    return compiled.is_ok() ? std::move(compiled).value() : nullptr;
  }
  ErrorCode refusal(const std::string& where) {
    auto compiled = engine_->compile(schema_, where);
    return compiled.is_ok() ? ErrorCode::kOk : compiled.status().code();
  }
  std::shared_ptr<const TableSchema> schema_ = chat_schema();
  std::unique_ptr<FilterEngine> engine_;
};

TEST_F(RowFilterTest, EveryOperatorOfLiveMd) {
  RowValues a = row(1, Value(std::string("c-42")), Value(int64_t{5}), Value(2.5));
  RowValues b = row(2, Value(std::string("Other")), Value(), Value());
  struct Case {
    const char* where;
    bool a, b;
  };
  for (const Case& c : std::vector<Case>{{"n = 5", true, false},
                                         {"n != 5", false, false},  // NULL is not unequal
                                         {"n <> 4 AND conv = 'c-42'", true, false},
                                         {"n < 6 OR conv = 'Other'", true, true},
                                         {"NOT (n >= 5)", false, false},
                                         {"n IN (1, 5)", true, false},
                                         {"n BETWEEN 5 AND 7", true, false},
                                         {"n IS NULL", false, true},
                                         {"score IS NOT NULL", true, false},
                                         {"conv LIKE 'c-%'", true, false},
                                         {"conv ILIKE 'OTH%'", false, true},
                                         {"conv LIKE 'oth%'", false, true},
                                         {"upper(conv) = 'C-42' AND length(conv) = 4", true, false},
                                         {"n = '5'", true, false},  // INTEGER affinity, as in a SELECT
                                         {"_seq > 101", false, true},
                                         {"coalesce(n, 0) = 0", false, true}}) {
    auto filter = compile(c.where);
    ASSERT_NE(filter, nullptr);
    EXPECT_EQ(filter->matches(a), c.a) << c.where;
    EXPECT_EQ(filter->matches(b), c.b) << c.where;
  }
}

TEST_F(RowFilterTest, RefusedConditions) {
  EXPECT_EQ(refusal("random() > 0"), ErrorCode::kUnsupported);
  EXPECT_EQ(refusal("n > changes()"), ErrorCode::kUnsupported);
  EXPECT_EQ(refusal("now() > 0"), ErrorCode::kUnsupported);
  EXPECT_EQ(refusal("n IN (SELECT 1)"), ErrorCode::kUnsupported);
  EXPECT_EQ(refusal("n IN (SELECT name FROM sqlite_master)"), ErrorCode::kUnsupported);
  EXPECT_EQ(refusal("nope = 1"), ErrorCode::kInvalidSqlSyntax);
  EXPECT_EQ(refusal("n = 1; DROP TABLE x"), ErrorCode::kInvalidSqlSyntax);
}

TEST_F(RowFilterTest, EqualityConjunctsIndexTheSubscription) {
  auto exact = compile("conv = 'c-42'");
  ASSERT_TRUE(exact->equality());
  EXPECT_EQ(exact->equality()->column, "conv");
  EXPECT_EQ(exact->equality()->keys, (std::vector<std::string>{"sc-42"}));
  EXPECT_TRUE(exact->matches(row(1, Value(std::string("c-42")), Value())));
  EXPECT_FALSE(exact->matches(row(1, Value(std::string("C-42")), Value())));
  EXPECT_FALSE(exact->matches(row(1, Value(), Value())));

  auto in_list = compile("n IN (3, -4) AND conv LIKE 'x%'");
  ASSERT_TRUE(in_list->equality());
  EXPECT_EQ(in_list->equality()->keys, (std::vector<std::string>{"i3", "i-4"}));
  EXPECT_TRUE(in_list->matches(row(1, Value(std::string("xy")), Value(int64_t{-4}))));
  EXPECT_FALSE(in_list->matches(row(1, Value(std::string("yy")), Value(int64_t{3}))));

  // Not an index: an OR at the top, a literal of another kind, a REAL column, COLLATE.
  for (const char* where :
       {"conv = 'a' OR n = 1", "n = '5'", "score = 1", "conv = 'a' COLLATE NOCASE", "n BETWEEN 1 AND 2"}) {
    auto filter = compile(where);
    ASSERT_NE(filter, nullptr);
    EXPECT_FALSE(filter->equality()) << where;
  }
  EXPECT_EQ(index_key(Value(int64_t{7}), DataType::kBigInt), "i7");
  EXPECT_EQ(index_key(Value(std::string("7")), DataType::kInt), std::nullopt);
  EXPECT_EQ(index_key(Value(2.0), DataType::kDouble), std::nullopt);
}

TEST_F(RowFilterTest, FiltersOfOneSchemaShareTheirTableAndOutliveEachOther) {
  auto first = compile("n > 1");
  auto second = compile("n < 10");
  first.reset();  // releases its use of the shared virtual table, not the table
  EXPECT_TRUE(second->matches(row(1, Value(), Value(int64_t{3}))));
  EXPECT_EQ(compile(""), nullptr);  // no condition: every row, no filter
}

}  // namespace
}  // namespace kalam
