// Index builds after their catalog change (see index_builds.h).
#include "sql/executor/helpers/index_builds.h"

#include <algorithm>
#include <chrono>

#include "common/json_builder.h"
#include "sql/context/audit.h"
#include "table_store/table_store.h"

namespace kalam {

void put_table_schema(CatalogChange& change, const TableDef& table, TableSchema schema, int64_t now_us) {
  TableDef def = table;
  def.updated_at_us = now_us;
  def.definition_json = encode_table_schema(schema);
  def.schema = std::make_shared<const TableSchema>(std::move(schema));
  change.put_table(std::move(def));
}

namespace {

// Removes the index from the catalog (a failed build) and purges its entries; the
// removal is audited as DROP_INDEX with the reason.
Status drop_failed_index(ExecutorServices& services, const ExecutionContext& ctx, uint64_t table_id,
                         uint32_t index_id, const Status& reason) {
  int64_t now_us = ctx.timestamp_us;
  {
    CatalogChange change = services.schema_registry->begin_change();
    const TableDef* table = change.current().find_table_by_id(table_id);
    if (table == nullptr || !table->schema) return Status::ok();
    TableSchema schema = *table->schema;
    auto it = std::find_if(schema.indexes.begin(), schema.indexes.end(),
                           [&](const IndexDef& index) { return index.index_id == index_id; });
    if (it == schema.indexes.end()) return Status::ok();
    std::string target = "index:" + table->namespace_id + "." + it->name;
    schema.indexes.erase(it);
    schema.index_epoch++;
    TableStore::delete_index(change.batch(), table_id, index_id);
    put_table_schema(change, *table, std::move(schema), now_us);
    log_ddl_operation(change.batch(), ctx, services, "DROP_INDEX", target,
                      JsonObjectBuilder().add("reason", "build failed: " + reason.message()).build());
    KALAM_RETURN_IF_ERROR(change.commit());
  }
  return services.tables->purge_index(table_id, index_id);
}

bool index_exists(const SchemaRegistry& registry, uint64_t table_id, uint32_t index_id) {
  auto catalog = registry.snapshot();
  const TableDef* table = catalog->find_table_by_id(table_id);
  return table != nullptr && table->schema && table->schema->find_index(index_id) != nullptr;
}

}  // namespace

Status complete_index_builds(ExecutorServices& services, const ExecutionContext& ctx, uint64_t table_id,
                             const std::vector<uint32_t>& index_ids, std::string_view statement) {
  if (index_ids.empty()) return Status::ok();
  // Commits derived from the catalog before the indexes existed must be written first:
  // the build reads what they wrote.
  services.tables->wait_for_commits_in_flight();
  std::vector<uint32_t> built;
  for (uint32_t index_id : index_ids) {
    auto catalog = services.schema_registry->snapshot();
    const TableDef* table = catalog->find_table_by_id(table_id);
    if (table == nullptr || !table->schema || table->schema->find_index(index_id) == nullptr) continue;
    std::string name = table->namespace_id + "." + table->schema->find_index(index_id)->name;
    // Checked before every batch: the deadline, the client, and whether the index (its
    // table, its column) was dropped meanwhile.
    Status status = services.tables->build_index(*table->schema, index_id, kIndexBuildBatchRows, [&] {
      return ctx.should_stop() || !index_exists(*services.schema_registry, table_id, index_id);
    });
    // On failure every index of this statement goes again, built or not (a REINDEX copy
    // left `building` would block the next REINDEX of its index).
    auto drop_all = [&](const Status& reason) {
      for (uint32_t other : index_ids) {
        drop_failed_index(services, ctx, table_id, other, reason).permit_unchecked();
      }
    };
    if (!index_exists(*services.schema_registry, table_id, index_id)) {
      // Dropped while it was built (the index, its table or its column): the drop purged
      // the entries then, but a batch of the build may have been written after that.
      KALAM_RETURN_IF_ERROR(services.tables->purge_index(table_id, index_id));
      Status dropped =
          Status(ErrorCode::kNotFoundIndex, "index '" + name + "' was dropped while it was built")
              .with_detail("index", name);
      drop_all(dropped);
      return dropped;
    }
    if (!status.is_ok()) {
      drop_all(status);
      if (status.code() == ErrorCode::kTimeoutHandlerExecution) return ctx.check_deadline(statement);
      return status;
    }
    built.push_back(index_id);
  }
  CatalogChange change = services.schema_registry->begin_change();
  const TableDef* table = change.current().find_table_by_id(table_id);
  if (table == nullptr || !table->schema) return Status::ok();
  TableSchema schema = *table->schema;
  bool changed = false;
  std::vector<uint32_t> replaced;  // REINDEX: the old copies the new ones take over from
  std::vector<uint32_t> orphans;   // REINDEX copies whose old index is gone meanwhile
  for (IndexDef& index : schema.indexes) {
    if (std::find(built.begin(), built.end(), index.index_id) == built.end() ||
        index.state != IndexState::kBuilding)
      continue;
    changed = true;
    if (index.replaces_index_id != 0 && schema.find_index(index.replaces_index_id) == nullptr) {
      orphans.push_back(index.index_id);
      continue;
    }
    index.state = IndexState::kReady;
    if (index.replaces_index_id != 0) replaced.push_back(index.replaces_index_id);
    index.replaces_index_id = 0;
  }
  if (!changed) return Status::ok();
  replaced.insert(replaced.end(), orphans.begin(), orphans.end());
  if (!replaced.empty()) {
    std::erase_if(schema.indexes, [&](const IndexDef& index) {
      return std::find(replaced.begin(), replaced.end(), index.index_id) != replaced.end();
    });
    schema.index_epoch++;
    for (uint32_t index_id : replaced) TableStore::delete_index(change.batch(), table_id, index_id);
  }
  put_table_schema(change, *table, std::move(schema), ctx.timestamp_us);
  KALAM_RETURN_IF_ERROR(change.commit());
  for (uint32_t index_id : replaced) KALAM_RETURN_IF_ERROR(services.tables->purge_index(table_id, index_id));
  return Status::ok();
}

}  // namespace kalam
