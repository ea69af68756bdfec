// REINDEX [[ns.]name]: `name` is an index (that index) or a table (all its indexes);
// without one, every index of the request's namespace (dba and system). Each index is
// rebuilt as a new copy maintained and filled next to the old one, which keeps
// answering queries and enforcing UNIQUE until the copy takes its place.
#include "sql/executor/handlers/index/reindex_handler.h"

#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/context/table_access.h"
#include "sql/executor/handlers/index/index_rules.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "sql/executor/helpers/index_builds.h"

namespace kalam {
namespace {

// The tables a REINDEX statement names, with the index ids to rebuild in each.
struct Target {
  const TableDef* table = nullptr;
  std::vector<uint32_t> index_ids;
};

Result<std::vector<Target>> targets_of(const CatalogSnapshot& snapshot, const ReindexStmt& stmt,
                                       const ExecutionContext& ctx) {
  std::vector<Target> targets;
  std::string namespace_id = stmt.namespace_id.empty() ? ctx.default_namespace : stmt.namespace_id;
  if (namespace_id.empty()) {
    return Status(ErrorCode::kNotFoundIndex,
                  "REINDEX needs a namespace: qualify the name or set namespace_id")
        .with_detail("name", stmt.name);
  }
  // A table the caller may not read is answered like a missing one (never named).
  auto visible = [&](const TableDef* table) {
    return table != nullptr && table->schema && (ctx.is_admin() || may_read_table(*table->schema, ctx.role));
  };
  auto all_of = [](const TableDef* table) {
    Target target{table, {}};
    for (const IndexDef& index : table->schema->indexes) {
      if (index.replaces_index_id == 0 && index.state == IndexState::kReady)
        target.index_ids.push_back(index.index_id);
    }
    return target;
  };
  if (stmt.name.empty()) {
    for (const TableDef* table : snapshot.tables_in(namespace_id)) {
      if (table->schema) targets.push_back(all_of(table));
    }
    return targets;
  }
  if (const TableDef* table = snapshot.find_table_of_index(namespace_id, stmt.name); visible(table)) {
    targets.push_back(Target{table, {table->schema->find_index(stmt.name)->index_id}});
    return targets;
  }
  if (const TableDef* table = snapshot.find_table(namespace_id, stmt.name); visible(table)) {
    targets.push_back(all_of(table));
    return targets;
  }
  return index_not_found(namespace_id, stmt.name);
}

}  // namespace

Status ReindexHandler::check_authorization(const ExecutionContext& ctx, const ReindexStmt& stmt) const {
  if (stmt.name.empty()) return require_role(ctx, Role::kDba, "REINDEX");
  auto catalog = services_.schema_registry->snapshot();  // keeps the targets' tables alive
  auto targets = targets_of(*catalog, stmt, ctx);
  if (!targets.is_ok()) return Status::ok();  // reported by execute
  for (const Target& target : *targets)
    KALAM_RETURN_IF_ERROR(check_may_change_table(ctx, *target.table, "REINDEX"));
  return Status::ok();
}

Result<ExecutionResult> ReindexHandler::execute(ExecutionContext& ctx, const ReindexStmt& stmt) {
  auto catalog = services_.schema_registry->snapshot();  // keeps the targets' tables alive
  KALAM_ASSIGN_OR_RETURN(std::vector<Target> targets, targets_of(*catalog, stmt, ctx));
  int64_t rebuilt = 0;
  for (const Target& target : targets) {
    if (target.index_ids.empty()) continue;
    std::vector<uint32_t> copies;
    uint64_t table_id = target.table->table_id;
    {
      CatalogChange change = services_.schema_registry->begin_change();
      const TableDef* table = change.current().find_table_by_id(table_id);
      if (table == nullptr || !table->schema) continue;
      TableSchema schema = *table->schema;
      for (uint32_t index_id : target.index_ids) {
        const IndexDef* old = schema.find_index(index_id);
        if (old == nullptr) continue;
        for (const IndexDef& other : schema.indexes) {
          if (other.replaces_index_id != index_id) continue;
          std::string name = table->namespace_id + "." + old->name;
          return Status(
                     ErrorCode::kTransactionConflict,
                     "a REINDEX of index '" + name + "' is still running; run it again when it has finished")
              .with_detail("index", name)
              .with_detail("reason", std::string("reindex_running"));
        }
        IndexDef copy = *old;
        copy.index_id = schema.next_index_id++;
        copy.state = IndexState::kBuilding;
        copy.replaces_index_id = old->index_id;
        copy.created_at_us = ctx.timestamp_us;
        copies.push_back(copy.index_id);
        schema.indexes.push_back(std::move(copy));
      }
      if (copies.empty()) continue;
      schema.index_epoch++;
      std::string qualified = schema.qualified_name();
      put_table_schema(change, *table, std::move(schema), ctx.timestamp_us);
      log_ddl_operation(change.batch(), ctx, services_, "REINDEX", "table:" + qualified,
                        JsonObjectBuilder().add("indexes", static_cast<int64_t>(copies.size())).build());
      KALAM_RETURN_IF_ERROR(ctx.check_deadline("REINDEX"));
      KALAM_RETURN_IF_ERROR(change.commit());
    }
    KALAM_RETURN_IF_ERROR(complete_index_builds(services_, ctx, table_id, copies, "REINDEX"));
    rebuilt += static_cast<int64_t>(copies.size());
  }
  return ExecutionResult(
      SuccessResult{std::to_string(rebuilt) + " index(es) rebuilt", static_cast<uint64_t>(rebuilt)});
}

}  // namespace kalam
