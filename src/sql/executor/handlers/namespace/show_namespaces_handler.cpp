// SHOW NAMESPACES: system.namespaces as namespace_id, table_count, created_at, options (sql.md).
#include "sql/executor/handlers/namespace/show_namespaces_handler.h"

#include "sql/engine/system_tables.h"

namespace kalam {

Status ShowNamespacesHandler::check_authorization(const ExecutionContext&, const ShowNamespacesStmt&) const {
  return Status::ok();  // any authenticated role
}

Result<ExecutionResult> ShowNamespacesHandler::execute(ExecutionContext& ctx, const ShowNamespacesStmt&) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows,
                         read_system_table("namespaces", ctx, services_,
                                           {"namespace_id", "table_count", "created_at", "options"}));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
