// What a subscription asks for (live.md § Subscribing): one table, an optional column
// list and WHERE, and options. Parsed from either form the `sql` field accepts:
//   SELECT cols FROM [ns.]t [WHERE cond]
//   SUBSCRIBE TO [ns.]t [WHERE cond] [OPTIONS (last_rows = 10, batch_size = 100, from = 123)]
// each optionally wrapped as EXECUTE AS USER 'bob' ( … ).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam {

struct SubscriptionOptions {
  std::optional<uint64_t> last_rows;   // only the n matching rows with the highest _seq
  std::optional<uint64_t> batch_size;  // rows per initial_data message (default kDefaultBatchSize)
  std::optional<int64_t> from;         // resume: changes with _seq > from, no snapshot

  static constexpr uint64_t kDefaultBatchSize = 500;
  static constexpr uint64_t kMaxBatchSize = 10'000;
  static constexpr uint64_t kMaxLastRows = 100'000;

  // Checks the ranges (INVALID_ARGUMENT naming the option): last_rows 1..kMaxLastRows,
  // batch_size 1..kMaxBatchSize, from > 0, and last_rows together with from.
  Status validate() const;
  // Values given in `other` replace these.
  void merge(const SubscriptionOptions& other);
  // {"last_rows":…, …} with the options set (system.live's `options`).
  std::string to_json() const;
};

struct SubscriptionQuery {
  std::optional<std::string> namespace_id;  // as written; empty = the default namespace
  std::string table_name;
  std::vector<std::string> columns;       // as written (resolved names); empty = every column
  std::string where;                      // the condition's SQL text; empty = every row
  std::optional<std::string> execute_as;  // EXECUTE AS USER target
  SubscriptionOptions options;            // from an OPTIONS clause
};

// Errors: INVALID_SQL_SYNTAX (with line/column), UNSUPPORTED for what a subscription
// cannot be (joins, several tables, aggregates, GROUP BY, ORDER BY, LIMIT, subqueries,
// expressions in the column list), INVALID_ARGUMENT for a bad option.
Result<SubscriptionQuery> parse_subscription(std::string_view sql);

}  // namespace kalam
