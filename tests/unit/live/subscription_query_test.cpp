// The SQL of a subscription: the two forms, EXECUTE AS, options, and what is refused.
#include "live/subscription_query.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

ErrorCode code_of(std::string_view sql) {
  auto parsed = parse_subscription(sql);
  return parsed.is_ok() ? ErrorCode::kOk : parsed.status().code();
}

TEST(SubscriptionQueryTest, SelectFormKeepsColumnsTableAndConditionText) {
  auto parsed =
      parse_subscription("SELECT id, Content, \"Body\" FROM chat.messages WHERE conv = 'c-42' AND (n > 1);");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const SubscriptionQuery& query = parsed.value();
  EXPECT_EQ(query.namespace_id, "chat");
  EXPECT_EQ(query.table_name, "messages");
  EXPECT_EQ(query.columns, (std::vector<std::string>{"id", "content", "Body"}));
  EXPECT_EQ(query.where, "conv = 'c-42' AND (n > 1)");
  EXPECT_FALSE(query.execute_as);
}

TEST(SubscriptionQueryTest, SubscribeFormWithOptionsAndExecuteAs) {
  auto parsed = parse_subscription(
      "EXECUTE AS USER 'bob' (SUBSCRIBE TO messages WHERE body = 'OPTIONS (x)' OPTIONS (last_rows = 10, "
      "batch_size = "
      "'20'))");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const SubscriptionQuery& query = parsed.value();
  EXPECT_FALSE(query.namespace_id);
  EXPECT_EQ(query.table_name, "messages");
  EXPECT_TRUE(query.columns.empty());
  EXPECT_EQ(query.where, "body = 'OPTIONS (x)'");
  EXPECT_EQ(query.execute_as, "bob");
  EXPECT_EQ(query.options.last_rows, 10u);
  EXPECT_EQ(query.options.batch_size, 20u);
  EXPECT_EQ(query.options.to_json(), "{\"last_rows\":10,\"batch_size\":20}");

  auto resume = parse_subscription("SUBSCRIBE TO t OPTIONS (from = 312960612395257856)");
  ASSERT_TRUE(resume.is_ok());
  EXPECT_EQ(resume.value().options.from, 312960612395257856);
  EXPECT_TRUE(resume.value().where.empty());
}

TEST(SubscriptionQueryTest, WhatALiveQueryCannotBeIsUnsupported) {
  for (const char* sql :
       {"SELECT * FROM a JOIN b ON a.id = b.id", "SELECT * FROM a, b", "SELECT * FROM a x",
        "SELECT count(*) FROM a", "SELECT id + 1 FROM a", "SELECT * FROM a ORDER BY id",
        "SELECT * FROM a LIMIT 3", "SELECT * FROM a GROUP BY id",
        "SELECT * FROM a WHERE id IN (SELECT id FROM b)", "SELECT * FROM a WHERE id = $1",
        "SELECT * FROM (SELECT 1)", "SELECT * FROM a WHERE max(id) > 1", "SELECT * FROM a; SELECT 1"}) {
    EXPECT_EQ(code_of(sql), ErrorCode::kUnsupported) << sql;
  }
}

TEST(SubscriptionQueryTest, SyntaxErrorsAndBadOptions) {
  for (const char* sql : {"SELECT * FROM", "SELECT * FROM a WHERE", "DELETE FROM a", "SUBSCRIBE a",
                          "SELECT * FROM a WHERE (n > 1", "SELECT * FROM a WHERE n > 1)",
                          "EXECUTE AS USER 'bob' (SELECT * FROM a"}) {
    EXPECT_EQ(code_of(sql), ErrorCode::kInvalidSqlSyntax) << sql;
  }
  EXPECT_EQ(code_of("   "), ErrorCode::kEmptySql);
  for (const char* sql :
       {"SUBSCRIBE TO a OPTIONS (batch_size = 0)", "SUBSCRIBE TO a OPTIONS (last_rows = 1000000)",
        "SUBSCRIBE TO a OPTIONS (from = 5, last_rows = 2)", "SUBSCRIBE TO a OPTIONS (speed = 1)",
        "SUBSCRIBE TO a OPTIONS (from = 'soon')", "SUBSCRIBE TO a OPTIONS (from = 0)"}) {
    EXPECT_EQ(code_of(sql), ErrorCode::kInvalidArgument) << sql;
  }
}

}  // namespace
}  // namespace kalam
