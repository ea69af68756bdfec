// CREATE TABLE: builds the TableSchema (types and aliases, defaults, primary key,
// auto-increment injection, options of both syntaxes) and persists it with its
// audit row.
#include "sql/executor/handlers/table/create_table_handler.h"

#include <set>

#include "catalog/table_schema.h"
#include "common/json_builder.h"
#include "common/string_util.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {
namespace {

Status invalid(std::string message, std::string argument) {
  return invalid_table_argument(std::move(message), std::move(argument));
}

// The table kind: the keyword before TABLE, the TYPE option, or SHARED.
Result<TableType> table_type_of(const CreateTableStmt& stmt) {
  std::optional<TableType> from_keyword;
  if (stmt.kind_keyword) from_keyword = parse_table_type(*stmt.kind_keyword);
  std::optional<TableType> from_option;
  for (const auto& [key, value] : stmt.options) {
    if (key != "type") continue;
    const auto* text = std::get_if<std::string>(&value);
    from_option = text != nullptr ? parse_table_type(*text) : std::nullopt;
    if (!from_option) return invalid("TYPE must be 'USER', 'SHARED' or 'STREAM'", "type");
  }
  if (from_keyword && from_option && *from_keyword != *from_option) {
    return invalid("the table kind keyword contradicts the TYPE option", "type");
  }
  return from_keyword.value_or(from_option.value_or(TableType::kShared));
}

}  // namespace

Status CreateTableHandler::check_authorization(const ExecutionContext& ctx,
                                               const CreateTableStmt& stmt) const {
  auto type = table_type_of(stmt);
  if (type.is_ok() && *type == TableType::kShared)
    return require_role(ctx, Role::kService, "CREATE SHARED TABLE");
  return Status::ok();  // USER and STREAM tables: any role (an invalid kind is reported by execute)
}

Result<ExecutionResult> CreateTableHandler::execute(ExecutionContext& ctx, const CreateTableStmt& stmt) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(stmt.table, ctx));
  if (namespace_id == "system")
    return invalid("tables cannot be created in the system namespace", "namespace");
  KALAM_RETURN_IF_ERROR(check_not_sqlite_name(stmt.table.table_name, "table"));
  KALAM_ASSIGN_OR_RETURN(TableType table_type, table_type_of(stmt));

  TableSchema schema;
  schema.namespace_id = namespace_id;
  schema.table_name = stmt.table.table_name;
  schema.table_type = table_type;
  schema.created_by = ctx.user_id;
  schema.created_at_us = schema.updated_at_us = ctx.timestamp_us;

  // Options (WITH and trailing clauses).
  bool has_ttl = false;
  for (const auto& [key, value] : stmt.options) {
    if (key == "type") continue;
    if (key == "storage_id") {
      const auto* text = std::get_if<std::string>(&value);
      if (text == nullptr) return invalid("STORAGE_ID must be a string", key);
      schema.options.storage_id = to_lower(*text);
      continue;
    }
    KALAM_RETURN_IF_ERROR(apply_table_option(key, value, table_type, schema.options));
    has_ttl = has_ttl || key == "ttl_seconds";
  }
  if (table_type == TableType::kStream && !has_ttl) {
    return invalid("a STREAM table needs TTL_SECONDS (or TTL n)", "ttl_seconds");
  }

  // Columns.
  if (stmt.columns.empty()) return invalid("a table needs at least one column", "columns");
  SchemaVersion version;
  version.version = 1;
  version.created_at_us = ctx.timestamp_us;
  std::set<std::string> names;
  std::vector<std::string> pk_names = stmt.primary_key;
  for (const ColumnSpec& spec : stmt.columns) {
    if (!names.insert(spec.name).second)
      return invalid("column '" + spec.name + "' is declared twice", "column");
    KALAM_ASSIGN_OR_RETURN(ColumnDef column, column_from_spec(spec, schema.next_column_id++));
    if (spec.primary_key) {
      if (!stmt.primary_key.empty() || pk_names.size() > stmt.primary_key.size()) {
        return invalid("the primary key is declared more than once", "primary_key");
      }
      pk_names.push_back(spec.name);
    }
    version.columns.push_back(std::move(column));
  }
  for (size_t pk_idx = 0; pk_idx < pk_names.size(); ++pk_idx) {
    ColumnDef* found = nullptr;
    for (ColumnDef& column : version.columns) {
      if (column.name == pk_names[pk_idx]) found = &column;
    }
    if (found == nullptr)
      return invalid("PRIMARY KEY names unknown column '" + pk_names[pk_idx] + "'", "primary_key");
    if (found->pk_position >= 0)
      return invalid("PRIMARY KEY lists '" + found->name + "' twice", "primary_key");
    found->pk_position = static_cast<int32_t>(pk_idx);
    found->nullable = false;
    // Auto-increment injection: a BIGINT key without a default gets SNOWFLAKE_ID().
    if (pk_names.size() == 1 && found->type == DataType::kBigInt && !found->default_expr) {
      found->default_expr = "SNOWFLAKE_ID()";
    }
  }
  schema.hidden_primary_key = pk_names.empty();
  schema.versions.push_back(std::move(version));

  CatalogChange change = services_.schema_registry->begin_change();
  if (change.current().find_namespace(namespace_id) == nullptr) return namespace_not_found(namespace_id);
  if (change.current().find_storage(schema.options.storage_id) == nullptr) {
    return Status(ErrorCode::kNotFoundStorage, "storage '" + schema.options.storage_id + "' does not exist")
        .with_detail("name", schema.options.storage_id);
  }
  std::string qualified = namespace_id + "." + schema.table_name;
  if (change.current().find_table(namespace_id, schema.table_name) != nullptr) {
    if (stmt.if_not_exists)
      return ExecutionResult(SuccessResult{"Table '" + qualified + "' already exists", 0});
    return Status(ErrorCode::kAlreadyExists, "table '" + qualified + "' already exists")
        .with_detail("object_type", std::string("table"))
        .with_detail("name", qualified);
  }
  // Tables and indexes share a namespace's names (as in SQLite).
  if (change.current().find_table_of_index(namespace_id, schema.table_name) != nullptr) {
    return Status(ErrorCode::kAlreadyExists, "an index named '" + qualified + "' already exists")
        .with_detail("object_type", std::string("index"))
        .with_detail("name", qualified);
  }
  schema.table_id = change.allocate_table_id();
  // UNIQUE columns are enforced by implicit UNIQUE indexes (empty: ready at once).
  const CatalogSnapshot& current = change.current();
  add_implicit_unique_indexes(schema, IndexState::kReady, ctx.user_id, ctx.timestamp_us,
                              [&](std::string_view name) {
                                return current.find_table_of_index(namespace_id, name) != nullptr ||
                                       current.find_table(namespace_id, name) != nullptr;
                              });
  TableDef def;
  def.table_id = schema.table_id;
  def.namespace_id = namespace_id;
  def.table_name = schema.table_name;
  def.table_type = std::string(table_type_name(table_type));
  def.storage_id = schema.options.storage_id;
  def.created_by = ctx.user_id;
  def.created_at_us = def.updated_at_us = ctx.timestamp_us;
  def.definition_json = encode_table_schema(schema);
  def.schema = std::make_shared<const TableSchema>(std::move(schema));
  std::string details = JsonObjectBuilder()
                            .add("table_type", def.table_type)
                            .add("table_id", static_cast<int64_t>(def.table_id))
                            .add("columns", static_cast<int64_t>(def.schema->current().columns.size()))
                            .build();
  change.put_table(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "CREATE_TABLE", "table:" + qualified, std::move(details));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("CREATE TABLE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Table '" + qualified + "' created", 1});
}

}  // namespace kalam
