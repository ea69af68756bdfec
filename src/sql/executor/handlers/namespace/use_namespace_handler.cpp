// USE: sets the default namespace for the rest of the request.
#include "sql/executor/handlers/namespace/use_namespace_handler.h"

#include "catalog/schema_registry.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"

namespace kalam {

Status UseNamespaceHandler::check_authorization(const ExecutionContext&, const UseNamespaceStmt&) const {
  return Status::ok();  // any authenticated role
}

Result<ExecutionResult> UseNamespaceHandler::execute(ExecutionContext& ctx, const UseNamespaceStmt& stmt) {
  if (stmt.name != "system" && services_.schema_registry->snapshot()->find_namespace(stmt.name) == nullptr) {
    return namespace_not_found(stmt.name);
  }
  ctx.default_namespace = stmt.name;
  return ExecutionResult(SuccessResult{"Using namespace '" + stmt.name + "'", 0});
}

}  // namespace kalam
