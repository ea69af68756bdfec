// CREATE STORAGE: validates type, base directory and templates; seals credentials.
#include "sql/executor/handlers/storage/create_storage_handler.h"

#include "catalog/schema_registry.h"
#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/storage/storage_rules.h"

namespace kalam {

Status CreateStorageHandler::check_authorization(const ExecutionContext& ctx,
                                                 const CreateStorageStmt&) const {
  return require_role(ctx, Role::kDba, "CREATE STORAGE");
}

Result<ExecutionResult> CreateStorageHandler::execute(ExecutionContext& ctx, const CreateStorageStmt& stmt) {
  StorageDef def;
  def.storage_id = stmt.storage_id;
  def.storage_type = stmt.storage_type;
  def.storage_name = stmt.storage_name.value_or(stmt.storage_id);
  def.description = stmt.description.value_or("");
  def.base_directory = stmt.base_directory.value_or("");
  if (stmt.shared_tables_template) def.shared_tables_template = *stmt.shared_tables_template;
  if (stmt.user_tables_template) def.user_tables_template = *stmt.user_tables_template;
  def.region = stmt.region.value_or("");
  def.endpoint = stmt.endpoint.value_or("");
  def.created_at_us = def.updated_at_us = ctx.timestamp_us;
  KALAM_RETURN_IF_ERROR(validate_storage_def(def));
  if (def.storage_type == StorageType::kFilesystem && services_.config != nullptr) {
    KALAM_RETURN_IF_ERROR(check_storage_path(def.base_directory, *services_.config));
  }
  if (stmt.credentials) {
    KALAM_ASSIGN_OR_RETURN(def.sealed_credentials,
                           seal_storage_credentials(*stmt.credentials, services_.secrets_key));
  }

  CatalogChange change = services_.schema_registry->begin_change();
  if (change.current().find_storage(stmt.storage_id) != nullptr) {
    if (stmt.if_not_exists) {
      return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' already exists", 0});
    }
    return Status(ErrorCode::kAlreadyExists, "storage '" + stmt.storage_id + "' already exists")
        .with_detail("object_type", std::string("storage"))
        .with_detail("name", stmt.storage_id);
  }
  std::string details = JsonObjectBuilder()
                            .add("storage_type", storage_type_name(def.storage_type))
                            .add("base_directory", def.base_directory)
                            .add("credentials", def.sealed_credentials.empty() ? "" : "***")
                            .build();
  change.put_storage(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "CREATE_STORAGE", "storage:" + stmt.storage_id,
                    std::move(details));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE STORAGE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Storage '" + stmt.storage_id + "' created", 1});
}

}  // namespace kalam
