// Who may read and write a table (model.md § Table kinds, SHARED access levels).
#pragma once

#include "auth/role.h"
#include "catalog/table_schema.h"

namespace kalam {

// USER/STREAM tables: every role (rows are scoped to the caller). SHARED tables:
// PUBLIC any role, PRIVATE service and above, RESTRICTED dba and above.
bool may_read_table(const TableSchema& schema, Role role);
// USER/STREAM tables: every role. SHARED: PUBLIC/PRIVATE service and above, RESTRICTED dba and above.
bool may_write_table(const TableSchema& schema, Role role);

}  // namespace kalam
