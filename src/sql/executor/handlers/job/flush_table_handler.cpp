// Flush statements: each table gets its flush job (or the one already queued or running,
// or a `skipped` job when it has nothing to flush); the result has one row per table:
// job_id, table, status.
#include "sql/executor/handlers/job/flush_table_handler.h"

#include "jobs/cold_storage_jobs.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"
#include "sql/executor/handlers/table/table_rules.h"

namespace kalam {
namespace {

RowsResult flush_rows() {
  RowsResult rows;
  rows.schema = {{"job_id", DataType::kText, {"nn"}},
                 {"table", DataType::kText, {"nn"}},
                 {"status", DataType::kText, {"nn"}}};
  return rows;
}

void add_row(RowsResult& rows, const JobRecord& job, const TableSchema& schema) {
  rows.rows.push_back(
      {Value(job.job_id), Value(schema.qualified_name()), Value(std::string(job_status_name(job.status)))});
}

Status jobs_unavailable() {
  return Status(ErrorCode::kServiceUnavailable, "background jobs are not running in this process");
}

}  // namespace

Status FlushTableHandler::check_authorization(const ExecutionContext& ctx, const FlushTableStmt&) const {
  return require_role(ctx, Role::kService, "STORAGE FLUSH TABLE");
}

Result<ExecutionResult> FlushTableHandler::execute(ExecutionContext& ctx, const FlushTableStmt& stmt) {
  if (services_.cold_jobs == nullptr) return jobs_unavailable();
  auto catalog = services_.schema_registry->snapshot();
  KALAM_ASSIGN_OR_RETURN(const TableDef* table, find_readable_table(*catalog, stmt.table, ctx));
  if (!table->schema) return view_is_not_a_table(*table, "STORAGE FLUSH TABLE");
  KALAM_ASSIGN_OR_RETURN(auto flush, services_.cold_jobs->request_flush(*table->schema, ctx.user_id));
  FlushedResult result;
  result.rows = flush_rows();
  add_row(result.rows, flush.job, *table->schema);
  result.jobs_created = 1;
  const std::string name = table->schema->qualified_name();
  if (flush.job.status == JobStatus::kSkipped) {
    result.message = "Nothing to flush in " + name + " (job " + flush.job.job_id + " skipped)";
  } else if (flush.existing) {
    result.message = "Flush job " + flush.job.job_id + " already " +
                     std::string(job_status_name(flush.job.status)) + " for " + name;
  } else {
    result.message = "Flush job " + flush.job.job_id + " created for " + name;
  }
  return ExecutionResult(std::move(result));
}

Status FlushAllHandler::check_authorization(const ExecutionContext& ctx, const FlushAllStmt&) const {
  return require_role(ctx, Role::kService, "STORAGE FLUSH ALL");
}

Result<ExecutionResult> FlushAllHandler::execute(ExecutionContext& ctx, const FlushAllStmt& stmt) {
  if (services_.cold_jobs == nullptr) return jobs_unavailable();
  auto catalog = services_.schema_registry->snapshot();
  if (!stmt.namespace_id.empty() && catalog->find_namespace(stmt.namespace_id) == nullptr) {
    return namespace_not_found(stmt.namespace_id);
  }
  FlushedResult result;
  result.rows = flush_rows();
  for (const TableDef* table : catalog->tables()) {
    if (!table->schema || table->schema->table_type == TableType::kStream) continue;  // views, STREAM tables
    if (!stmt.namespace_id.empty() && table->namespace_id != stmt.namespace_id) continue;
    KALAM_ASSIGN_OR_RETURN(auto flush, services_.cold_jobs->request_flush(*table->schema, ctx.user_id));
    add_row(result.rows, flush.job, *table->schema);
    if (flush.job.status != JobStatus::kSkipped && !flush.existing) ++result.jobs_created;
  }
  result.message = std::to_string(result.jobs_created) + " flush job(s) created" +
                   (stmt.namespace_id.empty() ? std::string() : " in " + stmt.namespace_id);
  return ExecutionResult(std::move(result));
}

}  // namespace kalam
