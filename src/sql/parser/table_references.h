// Where a query names tables: the items of its FROM clauses and joins, found on the
// statement's tokens (the engine rewrites view names and the names in a view's query).
#pragma once

#include <cstddef>
#include <vector>

#include "sql/parser/token.h"

namespace kalam {

struct TableReference {
  size_t first = 0;        // token index of the name (of its namespace when qualified)
  size_t last = 0;         // token index of the table name (== first when unqualified)
  bool has_alias = false;  // followed by `[AS] alias`
};

// The table names of FROM items and JOIN operands, at any depth, in token order.
// Not included: subqueries, table-valued functions (`json_each(…)`), names declared by
// the statement's WITH clause, and the targets of INSERT and UPDATE (DELETE FROM's
// target is a FROM item like any other).
std::vector<TableReference> find_table_references(const std::vector<Token>& tokens);

}  // namespace kalam
