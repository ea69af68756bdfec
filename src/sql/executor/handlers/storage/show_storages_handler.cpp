// SHOW STORAGES: the rows of system.storages (never credentials, only has_credentials).
#include "sql/executor/handlers/storage/show_storages_handler.h"

#include "sql/engine/system_tables.h"

namespace kalam {

Status ShowStoragesHandler::check_authorization(const ExecutionContext&, const ShowStoragesStmt&) const {
  return Status::ok();  // any authenticated role
}

Result<ExecutionResult> ShowStoragesHandler::execute(ExecutionContext& ctx, const ShowStoragesStmt&) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, read_system_table("storages", ctx, services_));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
