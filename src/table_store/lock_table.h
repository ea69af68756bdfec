// KeyLockTable: exclusive locks on individual keys, held by a commit while it checks and
// writes them. Commits lock their keys in sorted order, so they cannot deadlock; commits
// on different keys never wait for each other.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kalam {

// The lock-table key of a row (all families share one space: table ids are unique).
inline std::string row_lock_key(std::string_view row_key) {
  std::string key("R");
  key.append(row_key);
  return key;
}

class KeyLockTable {
 public:
  KeyLockTable();
  ~KeyLockTable();
  KeyLockTable(const KeyLockTable&) = delete;
  KeyLockTable& operator=(const KeyLockTable&) = delete;

  // Locks every key, in the given order, waiting while another holder has one.
  // REQUIRES: `keys` sorted and free of duplicates (every caller uses the same order).
  void lock_all(const std::vector<std::string>& keys);
  // Unlocks keys locked by lock_all (any order).
  void unlock_all(const std::vector<std::string>& keys);

  // Keys currently locked or waited for (tests: the table empties after each commit).
  size_t size() const;

 private:
  struct Entry {
    bool held = false;
    int waiters = 0;
    std::condition_variable released;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::unique_ptr<Entry>> entries;
  };
  static constexpr size_t kShards = 64;
  Shard& shard_of(const std::string& key);

  std::unique_ptr<Shard[]> shards_;
};

// Locks a set of keys for the lifetime of the guard.
class KeyLockGuard {
 public:
  KeyLockGuard(KeyLockTable& table, std::vector<std::string> keys) : table_(table), keys_(std::move(keys)) {
    table_.lock_all(keys_);
  }
  ~KeyLockGuard() { table_.unlock_all(keys_); }
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;

 private:
  KeyLockTable& table_;
  std::vector<std::string> keys_;
};

}  // namespace kalam
