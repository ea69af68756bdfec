// The `system.audit_log` record format and its persistence in the `system` column
// family. Rows are appended to a caller's WriteBatch so that an audited change and
// its audit row are written atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/storage_engine.h"

namespace kalam {

struct AuditEntry {
  int64_t audit_id = 0;  // snowflake; orders the log
  int64_t timestamp_us = 0;
  std::string actor_user_id;
  std::string subject_user_id;
  std::string action;               // CREATE_NAMESPACE, LOGIN, LOGIN_FAILED, AUTHORIZATION_DENIED …
  std::string target;               // object the action is about, e.g. "namespace:chat"
  std::string details_json = "{}";  // secrets are masked before they get here
  std::string ip_address;
  std::string request_id;
  bool success = true;
};

// Adds `entry` to `batch` (REQUIRES: entry.audit_id set and unique).
void append_audit_entry(WriteBatch& batch, const AuditEntry& entry);

// Visits the audit entries with first_id <= audit_id <= last_id in audit_id order
// (descending when `reverse`); `visit` returns false to stop.
Status scan_audit_log_range(const StorageEngine& storage, int64_t first_id, int64_t last_id, bool reverse,
                            const std::function<bool(const AuditEntry&)>& visit);

// Visits audit entries in audit_id order; `visit` returns false to stop.
Status scan_audit_log(const StorageEngine& storage, const std::function<bool(const AuditEntry&)>& visit);

// The highest audit id written so far (0 for an empty log). At start-up the id
// generator is advanced past it, so a clock that went back never reuses an id.
Result<int64_t> last_audit_id(const StorageEngine& storage);

std::string encode_audit_entry(const AuditEntry& entry);
Result<AuditEntry> decode_audit_entry(std::string_view json);

}  // namespace kalam
