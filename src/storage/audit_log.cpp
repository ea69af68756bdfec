// Audit log records: JSON values under `au:` + big-endian audit id.
#include "storage/audit_log.h"

#include <boost/json.hpp>
#include <cstdint>

#include "common/json_builder.h"
#include "storage/json_fields.h"
#include "storage/key_encoding.h"
#include "storage/system_keys.h"

namespace kalam {
namespace json = boost::json;
namespace {

std::string audit_key(int64_t audit_id) {
  std::string key(system_keys::kAudit);
  auto id = static_cast<uint64_t>(audit_id);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((id >> shift) & 0xFF));
  return key;
}

}  // namespace

std::string encode_audit_entry(const AuditEntry& entry) {
  // Written once per audited statement (every DML statement by default): built by hand.
  return JsonObjectBuilder()
      .add("audit_id", entry.audit_id)
      .add("timestamp", entry.timestamp_us)
      .add("actor_user_id", entry.actor_user_id)
      .add("subject_user_id", entry.subject_user_id)
      .add("action", entry.action)
      .add("target", entry.target)
      .add("details", entry.details_json)
      .add("ip_address", entry.ip_address)
      .add("request_id", entry.request_id)
      .add("success", entry.success)
      .build();
}

Result<AuditEntry> decode_audit_entry(std::string_view text) {
  KALAM_ASSIGN_OR_RETURN(json::object obj, json_fields::parse_record(text, "audit"));
  auto str = [&](std::string_view key) { return json_fields::get_string(obj, key); };
  auto num = [&](std::string_view key) { return json_fields::get_int(obj, key); };
  AuditEntry entry;
  entry.audit_id = num("audit_id");
  entry.timestamp_us = num("timestamp");
  entry.actor_user_id = str("actor_user_id");
  entry.subject_user_id = str("subject_user_id");
  entry.action = str("action");
  entry.target = str("target");
  entry.details_json = str("details");
  entry.ip_address = str("ip_address");
  entry.request_id = str("request_id");
  entry.success = json_fields::get_bool(obj, "success");
  return entry;
}

void append_audit_entry(WriteBatch& batch, const AuditEntry& entry) {
  batch.put(ColumnFamily::kSystem, audit_key(entry.audit_id), encode_audit_entry(entry));
}

Result<int64_t> last_audit_id(const StorageEngine& storage) {
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> key,
                         storage.last_key_with_prefix(ColumnFamily::kSystem, system_keys::kAudit));
  if (!key || key->size() != system_keys::kAudit.size() + 8) return int64_t{0};
  uint64_t id = 0;
  for (size_t idx = system_keys::kAudit.size(); idx < key->size(); ++idx) {
    id = (id << 8) | static_cast<unsigned char>((*key)[idx]);
  }
  return static_cast<int64_t>(id);
}

Status scan_audit_log_range(const StorageEngine& storage, int64_t first_id, int64_t last_id, bool reverse,
                            const std::function<bool(const AuditEntry&)>& visit) {
  if (first_id > last_id) return Status::ok();
  std::string begin = audit_key(first_id);
  // The key after last_id's (none past the largest id: the end of the prefix).
  std::string end = last_id == INT64_MAX ? prefix_successor(system_keys::kAudit) : audit_key(last_id + 1);
  Status decode_status;
  KALAM_RETURN_IF_ERROR(storage.scan_range(
      ColumnFamily::kSystem, begin, end,
      [&](std::string_view, std::string_view value) {
        auto entry = decode_audit_entry(value);
        if (!entry.is_ok()) {
          decode_status = entry.status();
          return false;
        }
        return visit(*entry);
      },
      reverse));
  return decode_status;
}

Status scan_audit_log(const StorageEngine& storage, const std::function<bool(const AuditEntry&)>& visit) {
  return scan_audit_log_range(storage, 0, INT64_MAX, false, visit);
}

}  // namespace kalam
