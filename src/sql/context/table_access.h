// Who may read and write a table (model.md § Table kinds, SHARED access levels).
#pragma once

#include <string_view>

#include "auth/role.h"
#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/context/execution_context.h"

namespace kalam {

// USER/STREAM tables: every role (rows are scoped to the caller). SHARED tables:
// PUBLIC any role, PRIVATE service and above, RESTRICTED dba and above.
bool may_read_table(const TableSchema& schema, Role role);
// USER/STREAM tables: every role. SHARED: PUBLIC/PRIVATE service and above, RESTRICTED dba and above.
bool may_write_table(const TableSchema& schema, Role role);

// What a statement does to a table's rows.
enum class TableAction : uint8_t { kRead, kInsert, kUpdate, kDelete };

// The one decision on a statement's access to a table's rows, for every path a
// statement takes (SQLite's authorizer, the upsert and RETURNING of the engine):
// NOT_FOUND_TABLE when the caller may not read it (a caller never learns that such a
// table exists), INVALID_ARGUMENT for an UPDATE of a STREAM table (append-only),
// AUTH_INSUFFICIENT_ROLE for a write to a table the caller may read but not write.
// `name` is the table as written, for the messages.
Status authorize_table_action(const ExecutionContext& ctx, const TableSchema& schema, TableAction action,
                              std::string_view name);

}  // namespace kalam
