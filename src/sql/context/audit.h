// Audit helpers: build `system.audit_log` rows from the ExecutionContext and add
// them to the batch of the change they describe (model.md § Audit log).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/services.h"
#include "storage/audit_log.h"
#include "storage/storage_engine.h"

namespace kalam {

AuditEntry make_audit_entry(const ExecutionContext& ctx, ExecutorServices& services, std::string_view action,
                            std::string_view target, std::string details_json, bool success);

// A DDL or user-management change; `details_json` must already have secrets masked.
void log_ddl_operation(WriteBatch& batch, const ExecutionContext& ctx, ExecutorServices& services,
                       std::string_view action, std::string_view target, std::string details_json = "{}");

// A DML statement (skipped when `[audit] log_dml = false`).
void log_dml_operation(WriteBatch& batch, const ExecutionContext& ctx, ExecutorServices& services,
                       std::string_view action, std::string_view target, uint64_t rows_affected);

// Events with no data change of their own (authorization denials, EXECUTE AS …):
// written in a batch of their own.
Status log_auth_event(const ExecutionContext& ctx, ExecutorServices& services, std::string_view action,
                      std::string_view target, std::string details_json, bool success);

// "CREATE NAMESPACE" → "CREATE_NAMESPACE".
std::string audit_action_name(std::string_view statement_name);

}  // namespace kalam
