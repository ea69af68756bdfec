// UserStore persistence (JSON records under the `us:` prefix) and index.
#include "auth/user_store.h"

#include <boost/json.hpp>

#include "storage/json_fields.h"
#include "storage/system_keys.h"

namespace kalam {
namespace json = boost::json;

std::string encode_user(const UserRecord& record) {
  json::object obj;
  obj["user_id"] = record.user_id;
  obj["password_hash"] = record.password_hash;
  obj["role"] = role_name(record.role);
  obj["email"] = record.email;
  obj["auth_type"] = record.auth_type;
  obj["created_at"] = record.created_at_us;
  obj["updated_at"] = record.updated_at_us;
  obj["last_login_at"] = record.last_login_at_us;
  obj["failed_login_attempts"] = record.failed_login_attempts;
  obj["locked_until"] = record.locked_until_us;
  obj["deleted_at"] = record.deleted_at_us;
  obj["token_generation"] = record.token_generation;
  return json::serialize(obj);
}

Result<UserRecord> decode_user(std::string_view text) {
  KALAM_ASSIGN_OR_RETURN(json::object obj, json_fields::parse_record(text, "user"));
  auto str = [&](std::string_view key) { return json_fields::get_string(obj, key); };
  auto num = [&](std::string_view key) { return json_fields::get_int(obj, key); };
  UserRecord record;
  record.user_id = str("user_id");
  record.password_hash = str("password_hash");
  auto role = parse_role(str("role"));
  if (!role) return Status(ErrorCode::kInternalStorageError, "corrupt user record: bad role");
  record.role = *role;
  record.email = str("email");
  record.auth_type = str("auth_type");
  record.created_at_us = num("created_at");
  record.updated_at_us = num("updated_at");
  record.last_login_at_us = num("last_login_at");
  record.failed_login_attempts = num("failed_login_attempts");
  record.locked_until_us = num("locked_until");
  record.deleted_at_us = num("deleted_at");
  record.token_generation = num("token_generation");  // absent in records of older versions: 0
  return record;
}

UserStore::UserStore(StorageEngine& storage) : storage_(storage) {}

Status UserStore::load() {
  std::map<std::string, UserRecord, std::less<>> loaded;
  Status decode_status;
  KALAM_RETURN_IF_ERROR(storage_.scan_prefix(ColumnFamily::kSystem, system_keys::kUser,
                                             [&](std::string_view, std::string_view value) {
                                               auto record = decode_user(value);
                                               if (!record.is_ok()) {
                                                 decode_status = record.status();
                                                 return false;
                                               }
                                               std::string id = record->user_id;
                                               loaded.emplace(std::move(id), std::move(record).value());
                                               return true;
                                             }));
  KALAM_RETURN_IF_ERROR(decode_status);
  std::unique_lock lock(index_mutex_);
  users_ = std::move(loaded);
  return Status::ok();
}

std::optional<UserRecord> UserStore::find(std::string_view user_id) const {
  std::shared_lock lock(index_mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::vector<UserRecord> UserStore::all() const {
  std::shared_lock lock(index_mutex_);
  std::vector<UserRecord> out;
  out.reserve(users_.size());
  for (const auto& [id, record] : users_) out.push_back(record);
  return out;
}

Status UserStore::commit(WriteBatch& batch, const UserRecord& record) {
  batch.put(ColumnFamily::kSystem, system_keys::make(system_keys::kUser, record.user_id),
            encode_user(record));
  KALAM_RETURN_IF_ERROR(storage_.write(batch));
  std::unique_lock lock(index_mutex_);
  users_.insert_or_assign(record.user_id, record);
  return Status::ok();
}

}  // namespace kalam
