// SchemaRegistry: the in-memory catalog (namespaces, storages, tables) persisted in
// the `system` column family. Readers get an immutable snapshot with one atomic
// load; writers serialize through a CatalogChange that commits the persisted
// records (plus anything else in its batch, e.g. the audit row) atomically and then
// publishes a new snapshot.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog_models.h"
#include "common/status.h"
#include "storage/storage_engine.h"

namespace kalam {

// Transparent hashing so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename V>
using NameMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class CatalogSnapshot {
 public:
  const NamespaceDef* find_namespace(std::string_view namespace_id) const;
  const StorageDef* find_storage(std::string_view storage_id) const;
  const TableDef* find_table(std::string_view namespace_id, std::string_view table_name) const;
  // Tables of one namespace, sorted by name.
  std::vector<const TableDef*> tables_in(std::string_view namespace_id) const;
  size_t table_count(std::string_view namespace_id) const;
  // The table with this id; nullptr when there is none (dropped, or never created).
  const TableDef* find_table_by_id(uint64_t table_id) const;
  // The table of namespace `namespace_id` that has an index named `index_name`.
  const TableDef* find_table_of_index(std::string_view namespace_id, std::string_view index_name) const;
  // Tables using a storage.
  std::vector<const TableDef*> tables_using_storage(std::string_view storage_id) const;

  // All objects sorted by id (for SHOW and system tables).
  std::vector<const NamespaceDef*> namespaces() const;
  std::vector<const StorageDef*> storages() const;

  uint64_t version() const { return version_; }
  // Views of every namespace (0 lets a query skip looking for view names).
  size_t view_count() const { return view_count_; }
  // Every table, sorted by qualified name.
  std::vector<const TableDef*> tables() const;

 private:
  friend class SchemaRegistry;
  friend class CatalogChange;
  void count_views();
  NameMap<NamespaceDef> namespaces_;
  NameMap<StorageDef> storages_;
  NameMap<TableDef> tables_;                                    // key: "ns.table"
  std::unordered_map<uint64_t, std::string> table_keys_by_id_;  // table id → "ns.table"
  uint64_t version_ = 0;
  size_t view_count_ = 0;
  uint64_t next_table_id_ = 1;  // table ids are never reused
};

class SchemaRegistry;

// An exclusive, in-progress catalog change. REQUIRES: used by one thread.
class CatalogChange {
 public:
  CatalogChange(CatalogChange&&) = default;
  const CatalogSnapshot& current() const { return *next_; }
  WriteBatch& batch() { return batch_; }

  void put_namespace(NamespaceDef def);
  void remove_namespace(std::string_view namespace_id);
  void put_storage(StorageDef def);
  void remove_storage(std::string_view storage_id);
  void put_table(TableDef def);
  void remove_table(std::string_view namespace_id, std::string_view table_name);
  // A new table id, persisted with the change (ids are never reused, even after DROP).
  uint64_t allocate_table_id();

  // Writes the batch atomically and publishes the new snapshot. Without a
  // successful commit nothing of the change is visible.
  Status commit();

 private:
  friend class SchemaRegistry;
  CatalogChange(SchemaRegistry& registry, std::unique_lock<std::mutex> lock,
                std::shared_ptr<CatalogSnapshot> next);
  SchemaRegistry* registry_;
  std::unique_lock<std::mutex> lock_;
  std::shared_ptr<CatalogSnapshot> next_;
  WriteBatch batch_;
};

class SchemaRegistry {
 public:
  explicit SchemaRegistry(StorageEngine& storage);

  // Loads every catalog record from the `system` family; creates the built-in
  // `local` storage on first start (base `{data_path}/storage`).
  Status load(const std::string& data_path);

  // Lock-free read of the current immutable snapshot. Thread-safe.
  std::shared_ptr<const CatalogSnapshot> snapshot() const {
    return snapshot_.load(std::memory_order_acquire);
  }

  // Starts an exclusive change (blocks other writers until commit or destruction).
  CatalogChange begin_change();

 private:
  friend class CatalogChange;
  StorageEngine& storage_;
  std::mutex write_mutex_;
  std::atomic<std::shared_ptr<const CatalogSnapshot>> snapshot_;
};

}  // namespace kalam
