// DROP NAMESPACE: refuses a namespace with tables unless CASCADE, which removes
// every table definition in the same atomic change.
#include "sql/executor/handlers/namespace/drop_namespace_handler.h"

#include "catalog/schema_registry.h"
#include "common/json_builder.h"
#include "jobs/cold_storage_jobs.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"
#include "table_store/table_store.h"

namespace kalam {

Status DropNamespaceHandler::check_authorization(const ExecutionContext& ctx,
                                                 const DropNamespaceStmt&) const {
  return require_role(ctx, Role::kDba, "DROP NAMESPACE");
}

Result<ExecutionResult> DropNamespaceHandler::execute(ExecutionContext& ctx, const DropNamespaceStmt& stmt) {
  CatalogChange change = services_.schema_registry->begin_change();
  if (change.current().find_namespace(stmt.name) == nullptr) {
    if (stmt.if_exists)
      return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' does not exist", 0});
    return namespace_not_found(stmt.name);
  }
  std::vector<const TableDef*> tables = change.current().tables_in(stmt.name);
  if (!tables.empty() && !stmt.cascade) {
    std::vector<std::string> names;
    for (const TableDef* table : tables) names.push_back(table->qualified_name());
    return Status(ErrorCode::kDependencyExists, "namespace '" + stmt.name + "' still has " +
                                                    std::to_string(names.size()) +
                                                    " table(s); drop them first or use CASCADE")
        .with_detail("tables", std::move(names));
  }
  std::vector<std::pair<std::string, std::string>> dropped;
  std::vector<uint64_t> table_ids;
  std::vector<std::string> qualified_names;
  for (const TableDef* table : tables) {
    dropped.emplace_back(table->namespace_id, table->table_name);
    table_ids.push_back(table->table_id);
    qualified_names.push_back(table->qualified_name());
    // The tables' data goes in the same batch (range deletes per table id).
    TableStore::delete_table(change.batch(), table->table_id);
  }
  for (const auto& [namespace_id, table_name] : dropped) change.remove_table(namespace_id, table_name);
  change.remove_namespace(stmt.name);
  log_ddl_operation(change.batch(), ctx, services_, "DROP_NAMESPACE", "namespace:" + stmt.name,
                    JsonObjectBuilder()
                        .add("cascade", stmt.cascade)
                        .add("tables_dropped", static_cast<int64_t>(dropped.size()))
                        .build());
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("DROP NAMESPACE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  for (uint64_t table_id : table_ids) {
    if (services_.live != nullptr) services_.live->table_dropped(table_id);
  }
  for (uint64_t table_id : table_ids) KALAM_RETURN_IF_ERROR(services_.tables->purge_table(table_id));
  for (size_t idx = 0; idx < table_ids.size() && services_.cold_jobs != nullptr; ++idx) {
    auto cleanup = services_.cold_jobs->request_cleanup(table_ids[idx], qualified_names[idx], ctx.user_id);
    if (!cleanup.is_ok()) return std::move(cleanup).status();
  }
  if (ctx.default_namespace == stmt.name) ctx.default_namespace.clear();
  return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' dropped", 1});
}

}  // namespace kalam
