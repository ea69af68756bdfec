// KILL JOB: a queued job is cancelled at once, a running one at its next checkpoint;
// a finished job → INVALID_ARGUMENT with its status. A job the caller may not see (not
// theirs, below dba) is NOT_FOUND_JOB, as in system.jobs. SHOW JOBS reads system.jobs.
#include "sql/executor/handlers/job/kill_job_handler.h"

#include "jobs/job_manager.h"
#include "sql/context/authorization.h"
#include "sql/engine/system_tables.h"

namespace kalam {

Status KillJobHandler::check_authorization(const ExecutionContext&, const KillJobStmt&) const {
  return Status::ok();  // per job, in execute: others' jobs look missing
}

Result<ExecutionResult> KillJobHandler::execute(ExecutionContext& ctx, const KillJobStmt& stmt) {
  auto not_found = [&] {
    return Status(ErrorCode::kNotFoundJob, "Job '" + stmt.job_id + "' not found")
        .with_detail("name", stmt.job_id);
  };
  if (services_.jobs == nullptr) return not_found();
  std::optional<JobRecord> job = services_.jobs->find(stmt.job_id);
  if (!job || (!role_at_least(ctx.role, Role::kDba) && job->created_by != ctx.user_id)) return not_found();
  KALAM_ASSIGN_OR_RETURN(JobRecord killed, services_.jobs->kill(stmt.job_id));
  JobKilledResult result;
  result.job_id = killed.job_id;
  result.message = killed.status == JobStatus::kRunning
                       ? "Job " + killed.job_id + " will stop at its next checkpoint"
                       : "Job " + killed.job_id + " cancelled";
  return ExecutionResult(std::move(result));
}

Status ShowJobsHandler::check_authorization(const ExecutionContext&, const ShowJobsStmt&) const {
  return Status::ok();  // everyone sees the jobs they may see
}

Result<ExecutionResult> ShowJobsHandler::execute(ExecutionContext& ctx, const ShowJobsStmt&) {
  KALAM_ASSIGN_OR_RETURN(RowsResult rows, read_system_table("jobs", ctx, services_));
  return ExecutionResult(std::move(rows));
}

}  // namespace kalam
