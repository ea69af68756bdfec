// ALTER STORAGE … SET NAME | DESCRIPTION | templates | CREDENTIALS.
#include "sql/executor/handlers/storage/alter_storage_handler.h"

#include "catalog/schema_registry.h"
#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/storage/storage_rules.h"

namespace kalam {

Status AlterStorageHandler::check_authorization(const ExecutionContext& ctx, const AlterStorageStmt&) const {
  return require_role(ctx, Role::kDba, "ALTER STORAGE");
}

Result<ExecutionResult> AlterStorageHandler::execute(ExecutionContext& ctx, const AlterStorageStmt& stmt) {
  CatalogChange change = services_.schema_registry->begin_change();
  const StorageDef* existing = change.current().find_storage(stmt.storage_id);
  if (existing == nullptr) return storage_not_found(stmt.storage_id);
  StorageDef def = *existing;
  JsonObjectBuilder details;
  if (stmt.storage_name && *stmt.storage_name != def.storage_name) {
    def.storage_name = *stmt.storage_name;
    details.add("storage_name", def.storage_name);
  }
  if (stmt.description && *stmt.description != def.description) {
    def.description = *stmt.description;
    details.add("description", def.description);
  }
  if (stmt.shared_tables_template && *stmt.shared_tables_template != def.shared_tables_template) {
    def.shared_tables_template = *stmt.shared_tables_template;
    details.add("shared_tables_template", def.shared_tables_template);
  }
  if (stmt.user_tables_template && *stmt.user_tables_template != def.user_tables_template) {
    def.user_tables_template = *stmt.user_tables_template;
    details.add("user_tables_template", def.user_tables_template);
  }
  KALAM_RETURN_IF_ERROR(validate_storage_def(def));
  if (stmt.credentials) {
    KALAM_ASSIGN_OR_RETURN(def.sealed_credentials,
                           seal_storage_credentials(*stmt.credentials, services_.secrets_key));
    details.add("credentials", "***");
  }
  std::string changes = details.build();
  if (changes == "{}")
    return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' unchanged", 0});
  def.updated_at_us = ctx.timestamp_us;
  change.put_storage(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "ALTER_STORAGE", "storage:" + stmt.storage_id,
                    std::move(changes));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("ALTER STORAGE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' altered", 1});
}

}  // namespace kalam
