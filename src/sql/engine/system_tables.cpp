// Row producers of system.namespaces, system.storages, system.users,
// system.audit_log and system.stats.
#include "sql/engine/system_tables.h"

#include <algorithm>

#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "jobs/job_manager.h"
#include "live/live_query_manager.h"
#include "sql/context/authorization.h"
#include "sql/context/table_access.h"
#include "storage/audit_log.h"

namespace kalam {
namespace {

Value optional_text(const std::string& text) { return text.empty() ? Value() : Value(text); }
Value optional_time(int64_t micros) { return micros == 0 ? Value() : Value(micros); }

Result<std::vector<ResultRow>> audit_log_rows(ExecutorServices& services, const AuditLogRange& range) {
  std::vector<ResultRow> rows;
  int64_t skipped = 0;
  int64_t first = std::max<int64_t>(range.first_id, 0);  // audit ids are positive snowflakes
  KALAM_RETURN_IF_ERROR(scan_audit_log_range(
      *services.storage, first, range.last_id, range.descending, [&](const AuditEntry& entry) {
        if (range.limit >= 0 && static_cast<int64_t>(rows.size()) >= range.limit) return false;
        if (skipped < range.offset) {
          ++skipped;
          return true;
        }
        rows.push_back({Value(entry.audit_id), Value(entry.timestamp_us), optional_text(entry.actor_user_id),
                        optional_text(entry.subject_user_id), Value(entry.action),
                        optional_text(entry.target), Value(entry.details_json),
                        optional_text(entry.ip_address), optional_text(entry.request_id),
                        Value(entry.success)});
        return true;
      }));
  return rows;
}

std::vector<SystemTableDef> build_defs() {
  std::vector<SystemTableDef> defs;
  defs.push_back(SystemTableDef{
      "namespaces",
      {{"namespace_id", DataType::kText, {"pk", "nn"}},
       {"options", DataType::kJson, {}},
       {"table_count", DataType::kInt, {"nn"}},
       {"created_at", DataType::kTimestamp, {"nn"}}},
      Role::kUser,
      [](const ExecutionContext&, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        auto snapshot = services.schema_registry->snapshot();
        std::vector<ResultRow> rows;
        for (const NamespaceDef* def : snapshot->namespaces()) {
          rows.push_back({Value(def->namespace_id), Value(def->options_json),
                          Value(static_cast<int64_t>(snapshot->table_count(def->namespace_id))),
                          Value(def->created_at_us)});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "storages",
      {{"storage_id", DataType::kText, {"pk", "nn"}},
       {"storage_name", DataType::kText, {}},
       {"storage_type", DataType::kText, {"nn"}},
       {"description", DataType::kText, {}},
       {"base_directory", DataType::kText, {"nn"}},
       {"shared_tables_template", DataType::kText, {"nn"}},
       {"user_tables_template", DataType::kText, {"nn"}},
       {"region", DataType::kText, {}},
       {"endpoint", DataType::kText, {}},
       {"has_credentials", DataType::kBoolean, {"nn"}},
       {"created_at", DataType::kTimestamp, {"nn"}}},
      Role::kUser,
      [](const ExecutionContext&, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        auto catalog = services.schema_registry->snapshot();
        for (const StorageDef* def : catalog->storages()) {
          rows.push_back({Value(def->storage_id), Value(def->storage_name),
                          Value(std::string(storage_type_name(def->storage_type))),
                          optional_text(def->description), Value(def->base_directory),
                          Value(def->shared_tables_template), Value(def->user_tables_template),
                          optional_text(def->region), optional_text(def->endpoint),
                          Value(!def->sealed_credentials.empty()), Value(def->created_at_us)});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "users",
      {{"user_id", DataType::kText, {"pk", "nn"}},
       {"role", DataType::kText, {"nn"}},
       {"email", DataType::kText, {}},
       {"auth_type", DataType::kText, {"nn"}},
       {"created_at", DataType::kTimestamp, {"nn"}},
       {"updated_at", DataType::kTimestamp, {}},
       {"last_login_at", DataType::kTimestamp, {}},
       {"failed_login_attempts", DataType::kInt, {"nn"}},
       {"locked_until", DataType::kTimestamp, {}},
       {"deleted_at", DataType::kTimestamp, {}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        bool see_all = ctx.is_admin();
        // A user sees its own row; under EXECUTE AS USER, the target's, as current_user() says.
        const std::string& self = ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
        for (const UserRecord& user : services.users->all()) {
          if (!see_all && user.user_id != self) continue;
          rows.push_back({Value(user.user_id), Value(std::string(role_name(user.role))),
                          optional_text(user.email), Value(user.auth_type), Value(user.created_at_us),
                          optional_time(user.updated_at_us), optional_time(user.last_login_at_us),
                          Value(user.failed_login_attempts), optional_time(user.locked_until_us),
                          optional_time(user.deleted_at_us)});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "audit_log",
      {{"audit_id", DataType::kBigInt, {"pk", "nn"}},
       {"timestamp", DataType::kTimestamp, {"nn"}},
       {"actor_user_id", DataType::kText, {}},
       {"subject_user_id", DataType::kText, {}},
       {"action", DataType::kText, {"nn"}},
       {"target", DataType::kText, {}},
       {"details", DataType::kJson, {}},
       {"ip_address", DataType::kText, {}},
       {"request_id", DataType::kText, {}},
       {"success", DataType::kBoolean, {"nn"}}},
      Role::kDba,
      [](const ExecutionContext&, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        return audit_log_rows(services, AuditLogRange{});
      }});
  defs.push_back(SystemTableDef{
      "tables",
      {{"namespace_id", DataType::kText, {"nn"}},
       {"table_name", DataType::kText, {"nn"}},
       {"table_type", DataType::kText, {"nn"}},
       {"storage_id", DataType::kText, {}},
       {"schema_version", DataType::kInt, {}},
       {"flush_policy", DataType::kText, {}},
       {"ttl_seconds", DataType::kBigInt, {}},
       {"access_level", DataType::kText, {}},
       {"created_by", DataType::kText, {}},
       {"created_at", DataType::kTimestamp, {"nn"}},
       {"updated_at", DataType::kTimestamp, {}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        auto catalog = services.schema_registry->snapshot();
        for (const TableDef* table : catalog->tables()) {
          if (table->is_view()) {  // listed to every caller; reading it checks each table it reads
            rows.push_back({Value(table->namespace_id), Value(table->table_name), Value(table->table_type),
                            Value(), Value(), Value(), Value(), Value(), optional_text(table->created_by),
                            Value(table->created_at_us), optional_time(table->updated_at_us)});
            continue;
          }
          if (!table->schema || !may_read_table(*table->schema, ctx.role)) continue;
          const TableSchema& schema = *table->schema;
          std::string flush;
          if (schema.options.flush_row_limit > 0)
            flush = "rows:" + std::to_string(schema.options.flush_row_limit);
          if (schema.options.flush_interval_seconds > 0) {
            flush += (flush.empty() ? "" : ",") + std::string("interval:") +
                     std::to_string(schema.options.flush_interval_seconds);
          }
          bool stream = schema.table_type == TableType::kStream;
          bool shared = schema.table_type == TableType::kShared;
          rows.push_back(
              {Value(table->namespace_id), Value(table->table_name), Value(table->table_type),
               Value(table->storage_id), Value(static_cast<int64_t>(schema.schema_version())),
               optional_text(flush), stream ? Value(schema.options.ttl_seconds) : Value(),
               shared ? Value(std::string(access_level_name(schema.options.access_level))) : Value(),
               optional_text(table->created_by), Value(table->created_at_us),
               optional_time(table->updated_at_us)});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "columns",
      {{"namespace_id", DataType::kText, {"nn"}},
       {"table_name", DataType::kText, {"nn"}},
       {"column_name", DataType::kText, {"nn"}},
       {"ordinal", DataType::kInt, {"nn"}},
       {"data_type", DataType::kText, {"nn"}},
       {"nullable", DataType::kBoolean, {"nn"}},
       {"default_value", DataType::kText, {}},
       {"primary_key", DataType::kBoolean, {"nn"}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        auto catalog = services.schema_registry->snapshot();
        for (const TableDef* table : catalog->tables()) {
          if (!table->schema || !may_read_table(*table->schema, ctx.role)) continue;
          int64_t ordinal = 1;
          for (const ColumnDef& column : table->schema->current().columns) {
            rows.push_back({Value(table->namespace_id), Value(table->table_name), Value(column.name),
                            Value(ordinal++), Value(column_type_sql(column)), Value(column.nullable),
                            column.default_expr ? Value(*column.default_expr) : Value(),
                            Value(column.pk_position >= 0)});
          }
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "indexes",
      {{"namespace_id", DataType::kText, {"nn"}},
       {"table_name", DataType::kText, {"nn"}},
       {"index_name", DataType::kText, {"nn"}},
       {"columns", DataType::kText, {"nn"}},
       {"is_unique", DataType::kBoolean, {"nn"}},
       {"origin", DataType::kText, {"nn"}},
       {"state", DataType::kText, {"nn"}},
       {"created_by", DataType::kText, {}},
       {"created_at", DataType::kTimestamp, {}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        auto catalog = services.schema_registry->snapshot();
        for (const TableDef* table : catalog->tables()) {
          if (!table->schema || !may_read_table(*table->schema, ctx.role)) continue;
          for (const IndexDef& index : table->schema->indexes) {
            if (index.replaces_index_id != 0) continue;  // a REINDEX copy being built
            rows.push_back({Value(table->namespace_id), Value(table->table_name), Value(index.name),
                            Value(index_columns_sql(*table->schema, index)), Value(index.unique),
                            Value(std::string(index.implicit ? "UNIQUE column" : "CREATE INDEX")),
                            Value(std::string(index.state == IndexState::kReady ? "ready" : "building")),
                            optional_text(index.created_by), optional_time(index.created_at_us)});
          }
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "jobs",
      {{"job_id", DataType::kText, {"pk", "nn"}},
       {"job_type", DataType::kText, {"nn"}},
       {"status", DataType::kText, {"nn"}},
       {"parameters", DataType::kJson, {"nn"}},
       {"message", DataType::kText, {}},
       {"error", DataType::kText, {}},
       {"idempotency_key", DataType::kText, {"nn"}},
       {"retry_count", DataType::kInt, {"nn"}},
       {"max_retries", DataType::kInt, {"nn"}},
       {"created_by", DataType::kText, {"nn"}},
       {"created_at", DataType::kTimestamp, {"nn"}},
       {"started_at", DataType::kTimestamp, {}},
       {"finished_at", DataType::kTimestamp, {}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        if (services.jobs == nullptr) return rows;
        const bool all = role_at_least(ctx.role, Role::kDba);
        for (const JobRecord& job : services.jobs->list()) {
          if (!all && job.created_by != ctx.user_id) continue;
          rows.push_back({Value(job.job_id), Value(std::string(job_type_name(job.type))),
                          Value(std::string(job_status_name(job.status))), Value(job.parameters_json),
                          optional_text(job.message), optional_text(job.error), Value(job.idempotency_key),
                          Value(job.retry_count), Value(job.max_retries), Value(job.created_by),
                          Value(job.created_at_us), optional_time(job.started_at_us),
                          optional_time(job.finished_at_us)});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "live",
      {{"live_id", DataType::kText, {"pk", "nn"}},
       {"connection_id", DataType::kText, {"nn"}},
       {"subscription_id", DataType::kText, {"nn"}},
       {"user_id", DataType::kText, {"nn"}},
       {"effective_user_id", DataType::kText, {"nn"}},
       {"namespace_id", DataType::kText, {"nn"}},
       {"table_name", DataType::kText, {"nn"}},
       {"query", DataType::kText, {"nn"}},
       {"options", DataType::kJson, {"nn"}},
       {"created_at", DataType::kTimestamp, {"nn"}},
       {"last_change_at", DataType::kTimestamp, {}},
       {"changes_sent", DataType::kBigInt, {"nn"}}},
      Role::kUser,
      [](const ExecutionContext& ctx, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        std::vector<ResultRow> rows;
        if (services.live == nullptr) return rows;
        const bool all = role_at_least(ctx.role, Role::kDba);
        std::vector<LiveQueryInfo> queries = services.live->live_queries();
        std::sort(queries.begin(), queries.end(), [](const LiveQueryInfo& a, const LiveQueryInfo& b) {
          return a.created_at_us < b.created_at_us;
        });
        for (const LiveQueryInfo& live : queries) {
          if (!all && live.user_id != ctx.user_id) continue;
          rows.push_back({Value(live.live_id), Value(live.connection_id), Value(live.subscription_id),
                          Value(live.user_id), Value(live.effective_user_id), Value(live.namespace_id),
                          Value(live.table_name), Value(live.query), Value(live.options),
                          Value(live.created_at_us), optional_time(live.last_change_at_us),
                          Value(static_cast<int64_t>(live.changes_sent))});
        }
        return rows;
      }});
  defs.push_back(SystemTableDef{
      "stats",
      {{"metric_name", DataType::kText, {"pk", "nn"}}, {"metric_value", DataType::kBigInt, {"nn"}}},
      Role::kUser,
      [](const ExecutionContext&, ExecutorServices& services) -> Result<std::vector<ResultRow>> {
        auto snapshot = services.schema_registry->snapshot();
        int64_t tables = 0;
        for (const NamespaceDef* ns : snapshot->namespaces()) {
          tables += static_cast<int64_t>(snapshot->table_count(ns->namespace_id));
        }
        int64_t active_users = 0;
        for (const UserRecord& user : services.users->all()) active_users += user.is_deleted() ? 0 : 1;
        return std::vector<ResultRow>{
            {Value(std::string("namespace_count")),
             Value(static_cast<int64_t>(snapshot->namespaces().size()))},
            {Value(std::string("storage_count")), Value(static_cast<int64_t>(snapshot->storages().size()))},
            {Value(std::string("table_count")), Value(tables)},
            {Value(std::string("user_count")), Value(active_users)},
            {Value(std::string("catalog_version")), Value(static_cast<int64_t>(snapshot->version()))},
        };
      }});
  return defs;
}

}  // namespace

Result<std::vector<ResultRow>> read_audit_log(const ExecutionContext& ctx, ExecutorServices& services,
                                              const AuditLogRange& range) {
  const SystemTableDef* def = find_system_table("audit_log");
  if (!role_at_least(ctx.role, def->min_role)) {
    return insufficient_role(ctx, def->min_role, "SELECT FROM system." + def->name);
  }
  return audit_log_rows(services, range);
}

const std::vector<SystemTableDef>& system_table_defs() {
  static const std::vector<SystemTableDef> defs = build_defs();
  return defs;
}

const SystemTableDef* find_system_table(std::string_view name) {
  for (const SystemTableDef& def : system_table_defs()) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

Result<RowsResult> read_system_table(std::string_view name, const ExecutionContext& ctx,
                                     ExecutorServices& services,
                                     const std::vector<std::string_view>& columns) {
  const SystemTableDef* def = find_system_table(name);
  if (def == nullptr) return Status(ErrorCode::kInternalError, "unknown system table " + std::string(name));
  std::vector<size_t> picked;
  for (std::string_view column : columns) {
    size_t idx = 0;
    while (idx < def->columns.size() && def->columns[idx].name != column) ++idx;
    if (idx == def->columns.size())
      return Status(ErrorCode::kInternalError, "unknown column " + std::string(column));
    picked.push_back(idx);
  }
  if (!role_at_least(ctx.role, def->min_role)) {
    return insufficient_role(ctx, def->min_role, "SELECT FROM system." + def->name);
  }
  KALAM_ASSIGN_OR_RETURN(std::vector<ResultRow> rows, def->produce(ctx, services));
  for (const ResultRow& row : rows) {
    if (row.size() != def->columns.size()) {
      return Status(ErrorCode::kInternalError, "system." + def->name + " produced a row of the wrong width");
    }
  }
  RowsResult result;
  if (picked.empty()) {
    result.schema = def->columns;
    result.rows = std::move(rows);
    return result;
  }
  for (size_t idx : picked) result.schema.push_back(def->columns[idx]);
  result.rows.reserve(rows.size());
  for (ResultRow& row : rows) {
    ResultRow projected;
    projected.reserve(picked.size());
    for (size_t idx : picked) projected.push_back(std::move(row[idx]));
    result.rows.push_back(std::move(projected));
  }
  return result;
}

}  // namespace kalam
