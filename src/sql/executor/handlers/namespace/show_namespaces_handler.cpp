// SHOW NAMESPACES: namespace_id, table_count, created_at, options.
#include "sql/executor/handlers/namespace/show_namespaces_handler.h"

#include "catalog/schema_registry.h"

namespace kalam {

Status ShowNamespacesHandler::check_authorization(const ExecutionContext&, const ShowNamespacesStmt&) const {
  return Status::ok();  // any authenticated role
}

Result<ExecutionResult> ShowNamespacesHandler::execute(ExecutionContext&, const ShowNamespacesStmt&) {
  auto snapshot = services_.schema_registry->snapshot();
  RowsResult result;
  result.schema = {{"namespace_id", DataType::kText, {"pk", "nn"}},
                   {"table_count", DataType::kInt, {"nn"}},
                   {"created_at", DataType::kTimestamp, {"nn"}},
                   {"options", DataType::kJson, {}}};
  for (const NamespaceDef* def : snapshot->namespaces()) {
    result.rows.push_back({Value(def->namespace_id),
                           Value(static_cast<int64_t>(snapshot->table_count(def->namespace_id))),
                           Value(def->created_at_us), Value(def->options_json)});
  }
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
