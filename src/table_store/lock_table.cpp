// KeyLockTable: sharded map of key → lock entry; an entry exists only while held or
// waited for.
#include "table_store/lock_table.h"

#include <functional>

namespace kalam {

KeyLockTable::KeyLockTable() : shards_(new Shard[kShards]) {}
KeyLockTable::~KeyLockTable() = default;

KeyLockTable::Shard& KeyLockTable::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

void KeyLockTable::lock_all(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    Shard& shard = shard_of(key);
    std::unique_lock<std::mutex> lock(shard.mutex);
    auto& slot = shard.entries[key];
    if (slot == nullptr) slot = std::make_unique<Entry>();
    Entry* entry = slot.get();  // stable: entries are erased only when free and unwaited
    if (entry->held) {
      ++entry->waiters;
      entry->released.wait(lock, [entry] { return !entry->held; });
      --entry->waiters;
    }
    entry->held = true;
  }
}

void KeyLockTable::unlock_all(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    Shard& shard = shard_of(key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(key);
    if (it == shard.entries.end()) continue;
    Entry* entry = it->second.get();
    entry->held = false;
    if (entry->waiters > 0) {
      entry->released.notify_one();
    } else {
      shard.entries.erase(it);
    }
  }
}

size_t KeyLockTable::size() const {
  size_t total = 0;
  for (size_t idx = 0; idx < kShards; ++idx) {
    std::lock_guard<std::mutex> lock(shards_[idx].mutex);
    total += shards_[idx].entries.size();
  }
  return total;
}

}  // namespace kalam
