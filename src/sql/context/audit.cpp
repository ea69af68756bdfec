// Audit row construction from the execution context.
#include "sql/context/audit.h"

#include "common/ids.h"
#include "common/json_builder.h"
#include "config/server_config.h"

namespace kalam {

AuditEntry make_audit_entry(const ExecutionContext& ctx, ExecutorServices& services, std::string_view action,
                            std::string_view target, std::string details_json, bool success) {
  AuditEntry entry;
  entry.audit_id = services.ids->next();
  entry.timestamp_us = ctx.timestamp_us;
  entry.actor_user_id = ctx.user_id;
  entry.subject_user_id = ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
  entry.action = std::string(action);
  entry.target = std::string(target);
  entry.details_json = std::move(details_json);
  entry.ip_address = ctx.ip_address;
  entry.request_id = ctx.request_id;
  entry.success = success;
  return entry;
}

void log_ddl_operation(WriteBatch& batch, const ExecutionContext& ctx, ExecutorServices& services,
                       std::string_view action, std::string_view target, std::string details_json) {
  append_audit_entry(batch, make_audit_entry(ctx, services, action, target, std::move(details_json), true));
}

void log_dml_operation(WriteBatch& batch, const ExecutionContext& ctx, ExecutorServices& services,
                       std::string_view action, std::string_view target, uint64_t rows_affected) {
  if (services.config != nullptr && !services.config->audit.log_dml) return;
  std::string details = JsonObjectBuilder().add("rows_affected", static_cast<int64_t>(rows_affected)).build();
  append_audit_entry(batch, make_audit_entry(ctx, services, action, target, std::move(details), true));
}

Status log_auth_event(const ExecutionContext& ctx, ExecutorServices& services, std::string_view action,
                      std::string_view target, std::string details_json, bool success) {
  WriteBatch batch;
  append_audit_entry(batch,
                     make_audit_entry(ctx, services, action, target, std::move(details_json), success));
  return services.storage->write(batch);
}

std::string audit_action_name(std::string_view statement_name) {
  std::string action(statement_name);
  for (char& ch : action) {
    if (ch == ' ') ch = '_';
  }
  return action;
}

}  // namespace kalam
