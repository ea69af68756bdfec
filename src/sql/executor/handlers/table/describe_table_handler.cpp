// DESCRIBE: one row per column (column_name, data_type, nullable, default,
// primary_key, ordinal, system, indexes), the system columns last; HISTORY: one row
// per column of every schema version (without `indexes`). A view: the columns its query
// returns to the caller.
#include "sql/executor/handlers/table/describe_table_handler.h"

#include <algorithm>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {

namespace {

std::vector<ResultColumn> describe_columns() {
  return {{"column_name", DataType::kText, {"nn"}},    {"data_type", DataType::kText, {"nn"}},
          {"nullable", DataType::kBoolean, {"nn"}},    {"default", DataType::kText, {}},
          {"primary_key", DataType::kBoolean, {"nn"}}, {"ordinal", DataType::kInt, {"nn"}},
          {"system", DataType::kBoolean, {"nn"}}};
}

}  // namespace

Result<ExecutionResult> DescribeTableHandler::describe_view(ExecutionContext& ctx, const TableDef& view,
                                                            bool history) {
  if (history) {
    return Status(ErrorCode::kInvalidArgument,
                  "'" + view.qualified_name() + "' is a view: it has no schema history")
        .with_detail("argument", std::string("history"));
  }
  // Read as the caller: a view over tables the caller cannot read fails as reading it would.
  std::string sql = "SELECT * FROM \"" + view.namespace_id + "\".\"" + view.table_name + "\" LIMIT 0";
  KALAM_ASSIGN_OR_RETURN(RowsResult read, engine_.query(ctx, sql));
  RowsResult result;
  result.schema = describe_columns();
  result.schema.push_back({"indexes", DataType::kText, {}});
  int64_t ordinal = 1;
  for (const ResultColumn& column : read.schema) {
    bool not_null = std::find(column.flags.begin(), column.flags.end(), "nn") != column.flags.end();
    result.rows.push_back({Value(column.name), Value(std::string(data_type_name(column.data_type))),
                           Value(!not_null), Value(), Value(false), Value(ordinal++), Value(false), Value()});
  }
  return ExecutionResult(std::move(result));
}

Status DescribeTableHandler::check_authorization(const ExecutionContext&, const DescribeTableStmt&) const {
  return Status::ok();  // a table the caller may not read is reported as not found
}

Result<ExecutionResult> DescribeTableHandler::execute(ExecutionContext& ctx, const DescribeTableStmt& stmt) {
  auto snapshot = services_.schema_registry->snapshot();
  if (auto namespace_id = resolve_table_namespace(stmt.table, ctx); namespace_id.is_ok()) {
    const TableDef* view = snapshot->find_table(*namespace_id, stmt.table.table_name);
    if (view != nullptr && view->is_view()) return describe_view(ctx, *view, stmt.history);
  }
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*snapshot, stmt.table, ctx));
  const TableSchema& schema = *table->schema;
  RowsResult result;
  std::vector<ResultColumn> columns = describe_columns();
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
