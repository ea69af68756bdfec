// CHECK TABLE: one row with what TableStore::check_table counted and found: `status`
// is 'ok' when every index entry and _seq entry has its row and every row its entries,
// else 'inconsistent' with the first problems in `problems` (a JSON array of text).
#include "sql/executor/handlers/table/check_table_handler.h"

#include <boost/json.hpp>

#include "sql/context/authorization.h"
#include "sql/executor/handlers/table/table_rules.h"
#include "table_store/table_store.h"

namespace kalam {

Status CheckTableHandler::check_authorization(const ExecutionContext& ctx, const CheckTableStmt&) const {
  return require_role(ctx, Role::kDba, "CHECK TABLE");
}

Result<ExecutionResult> CheckTableHandler::execute(ExecutionContext& ctx, const CheckTableStmt& stmt) {
  auto catalog = services_.schema_registry->snapshot();  // keeps `table` alive
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*catalog, stmt.table, ctx));
  KALAM_ASSIGN_OR_RETURN(ConsistencyReport report, services_.tables->check_table(*table->schema));
  boost::json::array problems;
  for (const std::string& problem : report.problems) problems.emplace_back(problem);
  RowsResult result;
  result.schema = {{"namespace_id", DataType::kText, {"nn"}},  {"table_name", DataType::kText, {"nn"}},
                   {"status", DataType::kText, {"nn"}},        {"rows", DataType::kBigInt, {"nn"}},
                   {"live_rows", DataType::kBigInt, {"nn"}},   {"index_entries", DataType::kBigInt, {"nn"}},
                   {"seq_entries", DataType::kBigInt, {"nn"}}, {"problems", DataType::kJson, {"nn"}}};
  result.rows.push_back(
      {Value(table->namespace_id), Value(table->table_name),
       Value(std::string(report.problems.empty() ? "ok" : "inconsistent")),
       Value(static_cast<int64_t>(report.rows)), Value(static_cast<int64_t>(report.live_rows)),
       Value(static_cast<int64_t>(report.index_entries)), Value(static_cast<int64_t>(report.seq_entries)),
       Value(boost::json::serialize(problems))});
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
