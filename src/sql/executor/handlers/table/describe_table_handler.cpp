// DESCRIBE: one row per column (column_name, data_type, nullable, default,
// primary_key, ordinal, system, indexes), the system columns last; HISTORY: one row
// per column of every schema version (without `indexes`).
#include "sql/executor/handlers/table/describe_table_handler.h"

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {

Status DescribeTableHandler::check_authorization(const ExecutionContext&, const DescribeTableStmt&) const {
  return Status::ok();  // a table the caller may not read is reported as not found
}

Result<ExecutionResult> DescribeTableHandler::execute(ExecutionContext& ctx, const DescribeTableStmt& stmt) {
  auto snapshot = services_.schema_registry->snapshot();
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*snapshot, stmt.table, ctx));
  const TableSchema& schema = *table->schema;
  RowsResult result;
  std::vector<ResultColumn> columns = {
      {"column_name", DataType::kText, {"nn"}},    {"data_type", DataType::kText, {"nn"}},
      {"nullable", DataType::kBoolean, {"nn"}},    {"default", DataType::kText, {}},
      {"primary_key", DataType::kBoolean, {"nn"}}, {"ordinal", DataType::kInt, {"nn"}},
      {"system", DataType::kBoolean, {"nn"}}};
  auto add_version = [&](const SchemaVersion& version, bool with_version) {
    int64_t ordinal = 1;
    for (const ColumnDef& column : version.columns) {
      ResultRow row;
      if (with_version) {
        row.emplace_back(static_cast<int64_t>(version.version));
        row.emplace_back(version.created_at_us);
      }
      row.insert(row.end(), {Value(column.name), Value(column_type_sql(column)), Value(column.nullable),
                             column.default_expr ? Value(*column.default_expr) : Value(),
                             Value(column.pk_position >= 0), Value(ordinal++), Value(false)});
      result.rows.push_back(std::move(row));
    }
    for (const char* name : {"_seq", "_deleted"}) {
      ResultRow row;
      if (with_version) {
        row.emplace_back(static_cast<int64_t>(version.version));
        row.emplace_back(version.created_at_us);
      }
      row.insert(row.end(),
                 {Value(std::string(name)), Value(std::string(name[1] == 's' ? "BIGINT" : "BOOLEAN")),
                  Value(false), Value(), Value(false), Value(ordinal++), Value(true)});
      result.rows.push_back(std::move(row));
    }
  };
  if (stmt.history) {
    result.schema = {{"schema_version", DataType::kInt, {"nn"}},
                     {"created_at", DataType::kTimestamp, {"nn"}}};
    result.schema.insert(result.schema.end(), columns.begin(), columns.end());
    for (const SchemaVersion& version : schema.versions) add_version(version, true);
  } else {
    result.schema = columns;
    add_version(schema.current(), false);
    // `indexes`: the indexes each column belongs to ("idx_email, users_email_key (unique)").
    result.schema.push_back({"indexes", DataType::kText, {}});
    const auto& current = schema.current().columns;
    for (size_t row_idx = 0; row_idx < result.rows.size(); ++row_idx) {
      std::string names;
      if (row_idx < current.size()) {
        for (const IndexDef& index : schema.indexes) {
          if (index.replaces_index_id != 0) continue;
          bool uses = false;
          for (uint32_t column_id : index.column_ids) uses = uses || column_id == current[row_idx].column_id;
          if (!uses) continue;
          names += (names.empty() ? "" : ", ") + index.name + (index.unique ? " (unique)" : "");
        }
      }
      result.rows[row_idx].push_back(names.empty() ? Value() : Value(names));
    }
  }
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
