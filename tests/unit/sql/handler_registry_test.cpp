// Every StatementKind has exactly one handler, registered once.
#include "sql/executor/handler_registry.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

TEST(HandlerRegistryTest, EveryStatementKindHasExactlyOneHandler) {
  ExecutorServices services;
  HandlerRegistry registry;
  register_all_handlers(registry, services);
  EXPECT_EQ(registry.conflicts(), 0u) << "a kind was registered twice";
  for (size_t kind_idx = 0; kind_idx < kStatementKindCount; ++kind_idx) {
    auto kind = static_cast<StatementKind>(kind_idx);
    EXPECT_NE(registry.get(kind), nullptr) << "no handler for " << statement_kind_name(kind);
  }
  EXPECT_EQ(registry.size(), kStatementKindCount);
}

TEST(HandlerRegistryTest, SecondRegistrationIsRefusedAndCounted) {
  ExecutorServices services;
  HandlerRegistry registry;
  register_all_handlers(registry, services);
  StatementHandler* before = registry.get(StatementKind::kShowUsers);
  register_all_handlers(registry, services);
  EXPECT_EQ(registry.conflicts(), kStatementKindCount);
  EXPECT_EQ(registry.get(StatementKind::kShowUsers), before);
}

TEST(StatementKindTest, NamesAndOperationsAreDefinedForEveryKind) {
  for (size_t kind_idx = 0; kind_idx < kStatementKindCount; ++kind_idx) {
    auto kind = static_cast<StatementKind>(kind_idx);
    EXPECT_FALSE(statement_kind_name(kind).empty());
    EXPECT_FALSE(statement_kind_operation(kind).empty());
  }
  EXPECT_EQ(statement_kind_name(StatementKind::kCreateNamespace), "CREATE NAMESPACE");
  EXPECT_EQ(statement_kind_operation(StatementKind::kShowUsers), "show");
  EXPECT_TRUE(statement_kind_accepts_params(StatementKind::kSelect));
  EXPECT_FALSE(statement_kind_accepts_params(StatementKind::kCreateUser));
}

}  // namespace
}  // namespace kalam
