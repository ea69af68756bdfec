// The system tables of model.md readable with SQL: their columns and the row
// producers that apply each table's per-role filter.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/execution_result.h"
#include "sql/context/services.h"

namespace kalam {

struct SystemTableDef {
  std::string name;  // without the "system." prefix
  std::vector<ResultColumn> columns;
  Role min_role = Role::kUser;  // below it, reading the table is AUTH_INSUFFICIENT_ROLE
  // All rows the caller may see, in the table's natural order.
  std::function<Result<std::vector<ResultRow>>(const ExecutionContext&, ExecutorServices&)> produce;
};

// Every system table that exists in this version.
const std::vector<SystemTableDef>& system_table_defs();
const SystemTableDef* find_system_table(std::string_view name);

// Reads a system table as the caller may see it (SHOW statements are these reads).
// `columns` selects and orders columns by name; empty = all. REQUIRES: the table and
// columns exist (programmer error otherwise: INTERNAL_ERROR).
Result<RowsResult> read_system_table(std::string_view name, const ExecutionContext& ctx,
                                     ExecutorServices& services,
                                     const std::vector<std::string_view>& columns = {});

// A read of system.audit_log narrowed by the engine (audit_id bounds, order, LIMIT and
// OFFSET pushed down by SQLite): rows with first_id <= audit_id <= last_id in audit_id
// order (descending when `descending`), skipping `offset` rows, at most `limit` rows
// (-1 = all). The role is checked as for read_system_table.
struct AuditLogRange {
  int64_t first_id = 0;
  int64_t last_id = INT64_MAX;
  bool descending = false;
  int64_t offset = 0;
  int64_t limit = -1;
};
Result<std::vector<ResultRow>> read_audit_log(const ExecutionContext& ctx, ExecutorServices& services,
                                              const AuditLogRange& range);

}  // namespace kalam
