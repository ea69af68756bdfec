// UserStore: the `system.users` records (persisted in the `system` column family)
// with a write-through in-memory index so that the per-request role re-read is a
// cheap lookup. Writers serialize with lock_writes() and commit through a batch
// that may also hold the audit row of the change.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/role.h"
#include "common/status.h"
#include "storage/storage_engine.h"

namespace kalam {

inline constexpr std::string_view kRootUserId = "root";

struct UserRecord {
  std::string user_id;
  std::string password_hash;  // bcrypt; empty = no password (root without one)
  Role role = Role::kUser;
  std::string email;
  std::string auth_type = "password";
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
  int64_t last_login_at_us = 0;  // 0 = never
  int64_t failed_login_attempts = 0;
  int64_t locked_until_us = 0;  // 0 = not locked
  int64_t deleted_at_us = 0;    // 0 = active
  // Raised by a password or role change: tokens and cached Basic credentials of an
  // earlier generation are refused.
  int64_t token_generation = 0;

  bool is_deleted() const { return deleted_at_us != 0; }
};

class UserStore {
 public:
  explicit UserStore(StorageEngine& storage);

  Status load();

  // Thread-safe lookups (copies). Deleted users are returned too; callers check.
  std::optional<UserRecord> find(std::string_view user_id) const;
  std::vector<UserRecord> all() const;  // sorted by user_id

  // Serializes writers (check-then-write sequences hold this lock).
  std::unique_lock<std::mutex> lock_writes() { return std::unique_lock<std::mutex>(write_mutex_); }

  // Adds the record to `batch`, writes the batch atomically, then updates the index.
  // REQUIRES: the caller holds lock_writes().
  Status commit(WriteBatch& batch, const UserRecord& record);

 private:
  StorageEngine& storage_;
  std::mutex write_mutex_;
  mutable std::shared_mutex index_mutex_;
  std::map<std::string, UserRecord, std::less<>> users_;
};

std::string encode_user(const UserRecord& record);
Result<UserRecord> decode_user(std::string_view json);

}  // namespace kalam
