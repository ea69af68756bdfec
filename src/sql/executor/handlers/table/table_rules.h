// Rules shared by the table handlers: name resolution, the table kind of a
// statement, ownership checks and the not-found error.
#pragma once

#include <string>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/executor/models/execution_context.h"
#include "sql/parser/statements.h"

namespace kalam {

// The namespace a table reference means: its own, else the request's default.
// Empty → NOT_FOUND_TABLE (an unqualified name with no default namespace).
Result<std::string> resolve_table_namespace(const TableRef& ref, const ExecutionContext& ctx);

// NOT_FOUND_TABLE naming `ns.table`.
Status table_not_found(std::string_view namespace_id, std::string_view table_name);

// ALTER/DROP: dba and system any table; others only USER/STREAM tables they created.
Status check_may_change_table(const ExecutionContext& ctx, const TableDef& table, std::string_view operation);

}  // namespace kalam
