// DROP STORAGE: the built-in `local` storage and storages used by tables stay.
#include "sql/executor/handlers/storage/drop_storage_handler.h"

#include "catalog/schema_registry.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/storage/storage_rules.h"

namespace kalam {

Status DropStorageHandler::check_authorization(const ExecutionContext& ctx, const DropStorageStmt&) const {
  return require_role(ctx, Role::kDba, "DROP STORAGE");
}

Result<ExecutionResult> DropStorageHandler::execute(ExecutionContext& ctx, const DropStorageStmt& stmt) {
  if (stmt.storage_id == kLocalStorageId) {
    return Status(ErrorCode::kInvalidArgument, "the built-in storage 'local' cannot be dropped")
        .with_detail("argument", std::string("storage"));
  }
  CatalogChange change = services_.schema_registry->begin_change();
  if (change.current().find_storage(stmt.storage_id) == nullptr) {
    if (stmt.if_exists)
      return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' does not exist", 0});
    return storage_not_found(stmt.storage_id);
  }
  auto tables = change.current().tables_using_storage(stmt.storage_id);
  if (!tables.empty()) {
    std::vector<std::string> names;
    for (const TableDef* table : tables) names.push_back(table->qualified_name());
    return Status(ErrorCode::kDependencyExists, "storage '" + stmt.storage_id + "' is used by " +
                                                    std::to_string(names.size()) + " table(s)")
        .with_detail("tables", std::move(names));
  }
  change.remove_storage(stmt.storage_id);
  log_ddl_operation(change.batch(), ctx, services_, "DROP_STORAGE", "storage:" + stmt.storage_id);
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP STORAGE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' dropped", 1});
}

}  // namespace kalam
