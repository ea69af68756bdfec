// ALTER TABLE handler: builds the next schema version and persists it with its
// audit row. Checks that need the data (NOT NULL on a non-empty table or column)
// scan the table's rows in every scope.
#include "sql/executor/handlers/table/alter_table_handler.h"

#include <algorithm>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "common/json_builder.h"
#include "common/time_util.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "sql/executor/helpers/index_builds.h"
#include "table_store/table_store.h"

namespace kalam {
namespace {

ColumnDef* find_mutable(SchemaVersion& version, const std::string& name) {
  for (ColumnDef& column : version.columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

Status column_not_found(const TableSchema& schema, const std::string& name) {
  return invalid_table_argument("table " + schema.qualified_name() + " has no column '" + name + "'",
                                "column");
}

// ADD COLUMN … UNIQUE whose index build failed (the deadline, a dropped client): the
// column goes again in a new schema version, so that the statement that reports the
// failure leaves no column behind, least of all a UNIQUE one without its index. Values
// written to it meanwhile are dropped with it, and so is an index another session
// created on it meanwhile (audited as DROP_INDEX with the reason).
Status revert_added_column(ExecutorServices& services, const ExecutionContext& ctx, uint64_t table_id,
                           uint32_t column_id, const Status& reason) {
  CatalogChange change = services.schema_registry->begin_change();
  const TableDef* table = change.current().find_table_by_id(table_id);
  if (table == nullptr || !table->schema) return Status::ok();
  TableSchema schema = *table->schema;
  SchemaVersion next = schema.current();
  auto column = std::find_if(next.columns.begin(), next.columns.end(),
                             [&](const ColumnDef& candidate) { return candidate.column_id == column_id; });
  if (column == next.columns.end()) return Status::ok();
  std::string name = column->name;
  next.columns.erase(column);
  next.version = schema.schema_version() + 1;
  next.created_at_us = now_unix_micros();
  std::vector<uint32_t> dropped;
  std::vector<std::string> explicit_names;
  std::erase_if(schema.indexes, [&](const IndexDef& index) {
    bool uses =
        std::find(index.column_ids.begin(), index.column_ids.end(), column_id) != index.column_ids.end();
    if (uses) dropped.push_back(index.index_id);
    if (uses && !index.implicit) explicit_names.push_back(table->namespace_id + "." + index.name);
    return uses;
  });
  if (!dropped.empty()) schema.index_epoch++;
  for (uint32_t index_id : dropped) TableStore::delete_index(change.batch(), table_id, index_id);
  schema.versions.push_back(std::move(next));
  schema.updated_at_us = now_unix_micros();
  std::string qualified = schema.qualified_name();
  put_table_schema(change, *table, std::move(schema), now_unix_micros());
  log_ddl_operation(change.batch(), ctx, services, "ALTER_TABLE", "table:" + qualified,
                    JsonObjectBuilder()
                        .add("drop_column", name)
                        .add("reason", "ADD COLUMN failed: " + reason.message())
                        .build());
  for (const std::string& index_name : explicit_names) {
    log_ddl_operation(change.batch(), ctx, services, "DROP_INDEX", "index:" + index_name,
                      JsonObjectBuilder()
                          .add("table", qualified)
                          .add("reason", "its column '" + name + "' was removed: ADD COLUMN failed")
                          .build());
  }
  KALAM_RETURN_IF_ERROR(change.commit());
  for (uint32_t index_id : dropped) KALAM_RETURN_IF_ERROR(services.tables->purge_index(table_id, index_id));
  return Status::ok();
}

}  // namespace

Status AlterTableHandler::check_authorization(const ExecutionContext& ctx, const AlterTableStmt& stmt) const {
  return check_may_change_table(ctx, *services_.schema_registry, stmt.table, "ALTER TABLE");
}

Result<ExecutionResult> AlterTableHandler::execute(ExecutionContext& ctx, const AlterTableStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.table, ctx));
  CatalogChange change = services_.schema_registry->begin_change();
  const TableDef* table = change.current().find_table(namespace_id, stmt.table.table_name);
  if (table != nullptr && table->is_view()) return view_is_not_a_table(*table, "ALTER TABLE");
  if (table == nullptr || !table->schema) return table_not_found(namespace_id, stmt.table.table_name);
  TableSchema schema = *table->schema;
  SchemaVersion next = schema.current();
  next.version = schema.schema_version() + 1;
  next.created_at_us = ctx.timestamp_us;
  JsonObjectBuilder details;
  std::vector<uint32_t> dropped_indexes;  // implicit indexes of a dropped column
  uint32_t added_column_id = 0;           // ADD COLUMN
  switch (stmt.action) {
    case AlterTableAction::kAddColumn: {
      if (find_mutable(next, stmt.column.name) != nullptr) {
        return invalid_table_argument("column '" + stmt.column.name + "' already exists", "column");
      }
      if (stmt.column.primary_key)
        return invalid_table_argument("a primary key cannot be added", "primary_key");
      KALAM_ASSIGN_OR_RETURN(ColumnDef column, column_from_spec(stmt.column, schema.next_column_id));
      bool literal_default = false;
      bool non_null_literal = false;
      if (column.default_expr) {
        auto spec = parse_default(*column.default_expr, column);
        literal_default = spec.is_ok() && spec->function == DefaultFunction::kNone;
        non_null_literal = literal_default && !is_null(spec->literal);
      }
      // Existing rows read the literal default; with none (or a function default,
      // which old rows cannot have evaluated) a NOT NULL column needs an empty table,
      // and so does a UNIQUE column with a non-NULL literal (every row would hold it).
      const char* needs_empty = nullptr;
      if (!column.nullable && !literal_default) {
        needs_empty = "a NOT NULL column without a literal DEFAULT cannot be added to a table that has rows";
      } else if (column.unique && non_null_literal) {
        needs_empty =
            "a UNIQUE column with a literal DEFAULT cannot be added to a table that has rows: every row "
            "would hold the same value";
      }
      if (needs_empty != nullptr) {
        KALAM_ASSIGN_OR_RETURN(
            bool has_rows,
            services_.tables->any_live_row(schema, ctx.timestamp_us, [](const StoredRow&) { return true; }));
        if (has_rows) return invalid_table_argument(needs_empty, "column");
      }
      schema.next_column_id++;
      added_column_id = column.column_id;
      details.add("add_column", column.name);
      next.columns.push_back(std::move(column));
      break;
    }
    case AlterTableAction::kDropColumn: {
      ColumnDef* column = find_mutable(next, stmt.column_name);
      if (column == nullptr) return column_not_found(schema, stmt.column_name);
      if (column->pk_position >= 0) {
        return invalid_table_argument("primary-key column '" + column->name + "' cannot be dropped",
                                      "column");
      }
      if (next.columns.size() == 1)
        return invalid_table_argument("a table needs at least one column", "column");
      // An explicit index on the column blocks the drop; the column's own UNIQUE index
      // goes with it.
      std::vector<std::string> blocking;
      for (const IndexDef& index : schema.indexes) {
        bool uses = std::find(index.column_ids.begin(), index.column_ids.end(), column->column_id) !=
                    index.column_ids.end();
        if (uses && !index.implicit) blocking.push_back(index.name);
      }
      if (!blocking.empty()) {
        return Status(ErrorCode::kDependencyExists, "column '" + column->name + "' is used by index '" +
                                                        blocking.front() + "': drop the index first")
            .with_detail("indexes", std::move(blocking));
      }
      for (auto it = schema.indexes.begin(); it != schema.indexes.end();) {
        if (it->implicit && it->column_ids.size() == 1 && it->column_ids[0] == column->column_id) {
          dropped_indexes.push_back(it->index_id);
          it = schema.indexes.erase(it);
        } else {
          ++it;
        }
      }
      if (!dropped_indexes.empty()) schema.index_epoch++;
      details.add("drop_column", column->name);
      next.columns.erase(next.columns.begin() + (column - next.columns.data()));
      break;
    }
    case AlterTableAction::kRenameColumn: {
      ColumnDef* column = find_mutable(next, stmt.column_name);
      if (column == nullptr) return column_not_found(schema, stmt.column_name);
      if (is_system_column_name(stmt.new_name) || find_mutable(next, stmt.new_name) != nullptr) {
        return invalid_table_argument("column '" + stmt.new_name + "' already exists or is reserved",
                                      "column");
      }
      details.add("rename_column", column->name).add("to", stmt.new_name);
      column->name = stmt.new_name;
      break;
    }
    case AlterTableAction::kSetDefault:
    case AlterTableAction::kDropDefault: {
      ColumnDef* column = find_mutable(next, stmt.column_name);
      if (column == nullptr) return column_not_found(schema, stmt.column_name);
      if (stmt.action == AlterTableAction::kSetDefault) {
        KALAM_ASSIGN_OR_RETURN(std::string normalized, normalize_default(*stmt.default_sql, *column));
        column->default_expr = normalized;
        details.add("set_default", column->name).add("default", normalized);
      } else {
        column->default_expr.reset();
        details.add("drop_default", column->name);
      }
      break;
    }
    case AlterTableAction::kSetNotNull:
    case AlterTableAction::kDropNotNull: {
      ColumnDef* column = find_mutable(next, stmt.column_name);
      if (column == nullptr) return column_not_found(schema, stmt.column_name);
      if (stmt.action == AlterTableAction::kDropNotNull) {
        if (column->pk_position >= 0) {
          return invalid_table_argument("primary-key column '" + column->name + "' is always NOT NULL",
                                        "column");
        }
        column->nullable = true;
        details.add("drop_not_null", column->name);
      } else {
        uint32_t column_id = column->column_id;
        // Rows older than the column have no cell and read the literal default the
        // column was added with (if any): only a missing cell without one is NULL.
        bool missing_reads_default = false;
        for (const SchemaVersion& version : schema.versions) {
          const ColumnDef* added = nullptr;
          for (const ColumnDef& candidate : version.columns) {
            if (candidate.column_id == column_id) added = &candidate;
          }
          if (added == nullptr) continue;
          if (added->default_expr) {
            auto spec = parse_default(*added->default_expr, *added);
            missing_reads_default =
                spec.is_ok() && spec->function == DefaultFunction::kNone && !is_null(spec->literal);
          }
          break;
        }
        KALAM_ASSIGN_OR_RETURN(
            bool has_null,
            services_.tables->any_live_row(schema, ctx.timestamp_us, [&](const StoredRow& row) {
              const Value* cell = row.cell(column_id);
              return cell == nullptr ? !missing_reads_default : is_null(*cell);
            }));
        if (has_null) {
          return invalid_table_argument("column '" + column->name + "' holds NULL values", "column");
        }
        column->nullable = false;
        details.add("set_not_null", column->name);
      }
      break;
    }
    case AlterTableAction::kSetAccessLevel:
      KALAM_RETURN_IF_ERROR(
          apply_table_option("access_level", Value(stmt.access_level), schema.table_type, schema.options));
      details.add("access_level", stmt.access_level);
      break;
    case AlterTableAction::kSetOptions:
      for (const auto& [key, value] : stmt.options) {
        if (key == "access_level" || key == "storage_id" || key == "type") {
          return invalid_table_argument("option " + key + " cannot be changed with SET (…)", key);
        }
        KALAM_RETURN_IF_ERROR(apply_table_option(key, value, schema.table_type, schema.options));
        details.add("option", key);
      }
      break;
  }
  schema.versions.push_back(std::move(next));
  schema.updated_at_us = ctx.timestamp_us;
  // A new UNIQUE column gets its implicit index, filled after the change is published.
  const CatalogSnapshot& current = change.current();
  std::vector<uint32_t> new_indexes = add_implicit_unique_indexes(
      schema, IndexState::kBuilding, ctx.user_id, ctx.timestamp_us, [&](std::string_view name) {
        return current.find_table_of_index(namespace_id, name) != nullptr ||
               current.find_table(namespace_id, name) != nullptr;
      });
  for (uint32_t index_id : dropped_indexes)
    TableStore::delete_index(change.batch(), schema.table_id, index_id);
  std::string qualified = schema.qualified_name();
  uint64_t table_id = schema.table_id;
  put_table_schema(change, *table, std::move(schema), ctx.timestamp_us);
  log_ddl_operation(change.batch(), ctx, services_, "ALTER_TABLE", "table:" + qualified, details.build());
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("ALTER TABLE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  if (services_.live != nullptr) services_.live->table_altered(table_id);  // SCHEMA_CHANGED
  for (uint32_t index_id : dropped_indexes)
    KALAM_RETURN_IF_ERROR(services_.tables->purge_index(table_id, index_id));
  Status built = complete_index_builds(services_, ctx, table_id, new_indexes, "ALTER TABLE");
  if (!built.is_ok()) {
    if (added_column_id != 0) {
      revert_added_column(services_, ctx, table_id, added_column_id, built).permit_unchecked();
    }
    return built;
  }
  return ExecutionResult(SuccessResult{"Table '" + qualified + "' altered", 1});
}

}  // namespace kalam
