// CREATE NAMESPACE: validates the name, persists the namespace and its audit row atomically.
#include "sql/executor/handlers/namespace/create_namespace_handler.h"

#include "catalog/schema_registry.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"

namespace kalam {

Status CreateNamespaceHandler::check_authorization(const ExecutionContext& ctx,
                                                   const CreateNamespaceStmt&) const {
  return require_role(ctx, Role::kDba, "CREATE NAMESPACE");
}

Result<ExecutionResult> CreateNamespaceHandler::execute(ExecutionContext& ctx,
                                                        const CreateNamespaceStmt& stmt) {
  KALAM_RETURN_IF_ERROR(check_namespace_not_reserved(stmt.name));
  CatalogChange change = services_.schema_registry->begin_change();
  if (change.current().find_namespace(stmt.name) != nullptr) {
    if (stmt.if_not_exists) {
      return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' already exists", 0});
    }
    return Status(ErrorCode::kAlreadyExists, "namespace '" + stmt.name + "' already exists")
        .with_detail("object_type", std::string("namespace"))
        .with_detail("name", stmt.name);
  }
  NamespaceDef def;
  def.namespace_id = stmt.name;
  def.created_at_us = def.updated_at_us = ctx.timestamp_us;
  change.put_namespace(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "CREATE_NAMESPACE", "namespace:" + stmt.name);
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE NAMESPACE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' created", 1});
}

}  // namespace kalam
