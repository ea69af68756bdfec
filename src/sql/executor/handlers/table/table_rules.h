// Rules shared by the table handlers: name resolution, the table kind of a
// statement, ownership checks and the not-found error.
#pragma once

#include <string>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/parser/statements.h"

namespace kalam {

// The namespace a table reference means: its own, else the request's default.
// Empty → NOT_FOUND_TABLE (an unqualified name with no default namespace).
Result<std::string> resolve_table_namespace(const TableRef& ref, const ExecutionContext& ctx);

// NOT_FOUND_TABLE naming `ns.table`.
Status table_not_found(std::string_view namespace_id, std::string_view table_name);

// The table `ref` names in `snapshot` when the caller's role may read it; otherwise
// NOT_FOUND_TABLE (a table the caller may not read looks missing).
Result<const TableDef*> find_readable_table(const CatalogSnapshot& snapshot, const TableRef& ref,
                                            const ExecutionContext& ctx);

// ALTER/DROP: dba and system any table; others only USER/STREAM tables they created.
Status check_may_change_table(const ExecutionContext& ctx, const TableDef& table, std::string_view operation);
// The same for the table `ref` names, when it exists (a name that does not resolve is
// left for the handler's execute to report).
Status check_may_change_table(const ExecutionContext& ctx, const SchemaRegistry& registry,
                              const TableRef& ref, std::string_view operation);

// INVALID_ARGUMENT for `statement` (ALTER TABLE, DROP TABLE, CREATE INDEX …) naming a view.
Status view_is_not_a_table(const TableDef& view, std::string_view statement);

// INVALID_ARGUMENT naming `argument`.
Status invalid_table_argument(std::string message, std::string argument);

// Applies one table option (flush_policy, deleted_retention_hours, ttl_seconds,
// access_level) of CREATE TABLE … WITH (…) or ALTER TABLE … SET (…).
Status apply_table_option(const std::string& key, const Value& value, TableType table_type,
                          TableOptions& options);

// The column a ColumnSpec declares (type and aliases, length, precision, NOT NULL,
// UNIQUE, AUTO_INCREMENT → BIGINT DEFAULT SNOWFLAKE_ID(), normalized DEFAULT).
Result<ColumnDef> column_from_spec(const ColumnSpec& spec, uint32_t column_id);

}  // namespace kalam
