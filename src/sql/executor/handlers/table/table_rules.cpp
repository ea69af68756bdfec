// Shared table-handler rules.
#include "sql/executor/handlers/table/table_rules.h"

#include "common/string_util.h"
#include "sql/context/authorization.h"
#include "sql/context/table_access.h"

namespace kalam {

Result<std::string> resolve_table_namespace(const TableRef& ref, const ExecutionContext& ctx) {
  if (!ref.namespace_id.empty()) return ref.namespace_id;
  if (!ctx.default_namespace.empty()) return ctx.default_namespace;
  return Status(ErrorCode::kNotFoundTable,
                "table '" + ref.table_name + "' is not qualified and the request has no namespace_id or USE")
      .with_detail("name", ref.table_name);
}

Status table_not_found(std::string_view namespace_id, std::string_view table_name) {
  std::string name = std::string(namespace_id) + "." + std::string(table_name);
  return Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name);
}

Result<const TableDef*> find_readable_table(const CatalogSnapshot& snapshot, const TableRef& ref,
                                            const ExecutionContext& ctx) {
  KALAM_ASSIGN_OR_RETURN(std::string namespace_id, resolve_table_namespace(ref, ctx));
  const TableDef* table = snapshot.find_table(namespace_id, ref.table_name);
  if (table == nullptr || !table->schema || !may_read_table(*table->schema, ctx.role)) {
    return table_not_found(namespace_id, ref.table_name);
  }
  return table;
}

Status check_may_change_table(const ExecutionContext& ctx, const TableDef& table,
                              std::string_view operation) {
  if (ctx.is_admin()) return Status::ok();
  // A table the caller cannot read is reported as missing, never as forbidden.
  if (table.schema && !may_read_table(*table.schema, ctx.role)) {
    return table_not_found(table.namespace_id, table.table_name);
  }
  bool own = table.created_by == ctx.user_id && table.table_type != "SHARED";
  if (own) return Status::ok();
  return insufficient_role(ctx, Role::kDba, operation);
}

Status check_may_change_table(const ExecutionContext& ctx, const SchemaRegistry& registry,
                              const TableRef& ref, std::string_view operation) {
  auto namespace_id = resolve_table_namespace(ref, ctx);
  if (!namespace_id.is_ok()) return Status::ok();
  auto catalog = registry.snapshot();  // keeps `table` alive
  const TableDef* table = catalog->find_table(*namespace_id, ref.table_name);
  if (table == nullptr) return Status::ok();
  return check_may_change_table(ctx, *table, operation);
}

Status view_is_not_a_table(const TableDef& view, std::string_view statement) {
  std::string hint = statement == "DROP TABLE" ? ": use DROP VIEW" : "";
  return Status(ErrorCode::kInvalidArgument, "'" + view.qualified_name() + "' is a view, not a table (" +
                                                 std::string(statement) + ")" + hint)
      .with_detail("argument", std::string("table"));
}

Status invalid_table_argument(std::string message, std::string argument) {
  return Status(ErrorCode::kInvalidArgument, std::move(message)).with_detail("argument", std::move(argument));
}

namespace {

Result<int64_t> int_option(const Value& value, const std::string& key, int64_t minimum) {
  const auto* number = std::get_if<int64_t>(&value);
  if (number == nullptr || *number < minimum) {
    return invalid_table_argument(
        "option " + to_upper(key) + " must be an integer >= " + std::to_string(minimum), key);
  }
  return *number;
}

Status apply_flush_policy(const Value& value, TableOptions& options) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr || text->empty())
    return invalid_table_argument("FLUSH_POLICY must be like 'rows:1000,interval:60'", "flush_policy");
  size_t start = 0;
  while (start <= text->size()) {
    size_t comma = text->find(',', start);
    std::string part = text->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = part.find(':');
    std::string kind = colon == std::string::npos ? std::string() : part.substr(0, colon);
    std::string number = colon == std::string::npos ? std::string() : part.substr(colon + 1);
    if (!number.empty() && number.back() == 's' && kind == "interval") number.pop_back();
    bool digits =
        !number.empty() && number.size() <= 12 && number.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(number) < 1 || (kind != "rows" && kind != "interval")) {
      return invalid_table_argument(
          "FLUSH_POLICY must be like 'rows:1000', 'interval:60' or 'rows:1000,interval:60'", "flush_policy");
    }
    (kind == "rows" ? options.flush_row_limit : options.flush_interval_seconds) = std::stoll(number);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status::ok();
}

}  // namespace

Status apply_table_option(const std::string& key, const Value& value, TableType table_type,
                          TableOptions& options) {
  if (key == "flush_policy") return apply_flush_policy(value, options);
  if (key == "deleted_retention_hours") {
    KALAM_ASSIGN_OR_RETURN(options.deleted_retention_hours, int_option(value, key, 0));
    return Status::ok();
  }
  if (key == "ttl_seconds") {
    if (table_type != TableType::kStream)
      return invalid_table_argument("TTL_SECONDS applies to STREAM tables only", key);
    KALAM_ASSIGN_OR_RETURN(options.ttl_seconds, int_option(value, key, 1));
    return Status::ok();
  }
  if (key == "access_level") {
    if (table_type != TableType::kShared) {
      return invalid_table_argument("ACCESS_LEVEL applies to SHARED tables only", key);
    }
    const auto* text = std::get_if<std::string>(&value);
    auto level = text != nullptr ? parse_access_level(*text) : std::nullopt;
    if (!level)
      return invalid_table_argument("ACCESS_LEVEL must be 'PUBLIC', 'PRIVATE' or 'RESTRICTED'", key);
    options.access_level = *level;
    return Status::ok();
  }
  return invalid_table_argument("unknown table option " + to_upper(key), key);
}

Result<ColumnDef> column_from_spec(const ColumnSpec& spec, uint32_t column_id) {
  if (is_system_column_name(spec.name)) {
    return invalid_table_argument("'" + spec.name + "' is a system column and cannot be declared", "column");
  }
  ColumnDef column;
  column.column_id = column_id;
  column.name = spec.name;
  column.unique = spec.unique;
  if (spec.type_name.empty())
    return invalid_table_argument("column '" + spec.name + "' needs a type", "column");
  auto type = parse_data_type(spec.type_name);
  if (!type || *type == DataType::kAny) {
    return invalid_table_argument("unknown type '" + spec.type_name + "' for column '" + spec.name + "'",
                                  "type");
  }
  column.type = *type;
  if (spec.length > 0 && column.type != DataType::kText) {
    return invalid_table_argument("a length applies to VARCHAR/CHAR only (column '" + spec.name + "')",
                                  "type");
  }
  column.max_length = spec.length;
  if (spec.precision > 0) {
    if (column.type != DataType::kDecimal)
      return invalid_table_argument("precision applies to DECIMAL only", "type");
    if (spec.precision > 38 || spec.scale > spec.precision) {
      return invalid_table_argument("DECIMAL(p,s) needs 1 <= p <= 38 and s <= p", "type");
    }
    column.precision = spec.precision;
    column.scale = spec.scale;
  }
  column.nullable = !spec.not_null.value_or(false);
  if (spec.auto_increment) {
    if (column.type != DataType::kBigInt && column.type != DataType::kInt) {
      return invalid_table_argument("AUTO_INCREMENT needs a BIGINT column ('" + spec.name + "')", "column");
    }
    column.type = DataType::kBigInt;
    if (spec.default_sql)
      return invalid_table_argument("AUTO_INCREMENT columns cannot have a DEFAULT", "default");
    column.default_expr = "SNOWFLAKE_ID()";
  }
  if (spec.default_sql) {
    KALAM_ASSIGN_OR_RETURN(std::string normalized, normalize_default(*spec.default_sql, column));
    column.default_expr = std::move(normalized);
  }
  return column;
}

}  // namespace kalam
