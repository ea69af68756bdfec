// The WHERE of a subscription, compiled by SQLite and evaluated against one row at a
// time: the row is offered to SQLite through a one-row virtual table declared exactly as
// the `kalam_table` module declares the table (same types, so the same affinity; time
// columns with the same collation), so a live filter means what the same WHERE means
// in a SELECT. The connection is sandboxed: SQLite's deterministic scalar functions and
// KalamDB's time functions only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "common/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kalam {

// One row as filters and encoders see it: the values of the subscription schema's
// current columns in order (SQL form, TableStore::column_value), then _seq.
using RowValues = std::vector<Value>;

class FilterEngine;

// A compiled condition on rows of one table schema. Belongs to the FilterEngine's thread.
class RowFilter {
 public:
  ~RowFilter();
  RowFilter(const RowFilter&) = delete;
  RowFilter& operator=(const RowFilter&) = delete;

  // Whether `row` satisfies the condition (NULL and errors: no).
  bool matches(const RowValues& row);

  // Top-level `column = literal` or `column IN (literals)` conjuncts that can index the
  // subscription (see LiveQueryService): the column and the canonical keys of the values
  // (index_key). Empty when the condition has none usable.
  struct Equality {
    std::string column;
    std::vector<std::string> keys;
  };
  const std::optional<Equality>& equality() const { return equality_; }

 private:
  friend class FilterEngine;
  RowFilter() = default;
  FilterEngine* engine_ = nullptr;
  int slot_ = 0;  // 0: no SQLite statement (an equality alone)
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<Equality> equality_;
  size_t column_ = 0;  // without a statement: the equality's column and type
  DataType column_type_ = DataType::kText;
};

// The canonical key of a value for equality indexing: only integers (for integer columns)
// and text (for TEXT/UUID columns) are indexed; nullopt otherwise.
std::optional<std::string> index_key(const Value& value, DataType type);
// The same key from the value alone (an integer or a text), for looking a change's value
// up among keys made by index_key.
std::optional<std::string> value_index_key(const Value& value);

class FilterEngine {
 public:
  static Result<std::unique_ptr<FilterEngine>> open();
  ~FilterEngine();
  FilterEngine(const FilterEngine&) = delete;
  FilterEngine& operator=(const FilterEngine&) = delete;

  // Compiles `where` (SQL text; empty = every row, then nullptr is returned) over the
  // current columns of `schema` and its `_seq`. Errors: INVALID_SQL_SYNTAX (unknown
  // column, syntax), UNSUPPORTED (a function that is not deterministic or not available
  // here, subqueries).
  Result<std::unique_ptr<RowFilter>> compile(std::shared_ptr<const TableSchema> schema,
                                             const std::string& where);

  // ---- used by the virtual table ----
  struct Slot {
    std::shared_ptr<const TableSchema> schema;
    const RowValues* row = nullptr;
    size_t users = 0;  // filters compiled against it
  };
  Slot* slot(int number);

 private:
  friend class RowFilter;
  FilterEngine() = default;
  void release(int slot);

  sqlite3* db_ = nullptr;
  int next_slot_ = 1;
  std::map<int, Slot> slots_;
  std::map<const TableSchema*, int> by_schema_;  // the slot (virtual table) of a schema
  bool compiling_ = false;                       // the authorizer admits only what a filter may do
  std::string compiling_table_;                  // the one table a filter being compiled may read
  int selects_ = 0;                              // SELECTs seen while compiling (more than one: a subquery)
  std::string denied_;                           // what the authorizer refused last
};

}  // namespace kalam
