// SchemaRegistry: loading, copy-on-write changes and snapshot publication.
#include "catalog/schema_registry.h"

#include <algorithm>

#include "catalog/catalog_codec.h"
#include "catalog/table_schema.h"
#include "common/time_util.h"
#include "storage/system_keys.h"

namespace kalam {
namespace {

std::string table_key(std::string_view namespace_id, std::string_view table_name) {
  std::string key(namespace_id);
  key += '.';
  key.append(table_name);
  return key;
}

template <typename T>
std::vector<const T*> sorted_values(const NameMap<T>& map) {
  std::vector<std::pair<const std::string*, const T*>> entries;
  entries.reserve(map.size());
  for (const auto& [key, value] : map) entries.emplace_back(&key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::vector<const T*> out;
  out.reserve(entries.size());
  for (const auto& entry : entries) out.push_back(entry.second);
  return out;
}

}  // namespace

const NamespaceDef* CatalogSnapshot::find_namespace(std::string_view namespace_id) const {
  auto it = namespaces_.find(namespace_id);
  return it == namespaces_.end() ? nullptr : &it->second;
}

const StorageDef* CatalogSnapshot::find_storage(std::string_view storage_id) const {
  auto it = storages_.find(storage_id);
  return it == storages_.end() ? nullptr : &it->second;
}

const TableDef* CatalogSnapshot::find_table(std::string_view namespace_id,
                                            std::string_view table_name) const {
  char buffer[160];
  if (namespace_id.size() + table_name.size() + 1 <= sizeof(buffer)) {
    // Common case: build the key on the stack so that a lookup never allocates.
    std::copy(namespace_id.begin(), namespace_id.end(), buffer);
    buffer[namespace_id.size()] = '.';
    std::copy(table_name.begin(), table_name.end(), buffer + namespace_id.size() + 1);
    auto it = tables_.find(std::string_view(buffer, namespace_id.size() + table_name.size() + 1));
    return it == tables_.end() ? nullptr : &it->second;
  }
  auto it = tables_.find(table_key(namespace_id, table_name));
  return it == tables_.end() ? nullptr : &it->second;
}

const TableDef* CatalogSnapshot::find_table_by_id(uint64_t table_id) const {
  auto id = table_keys_by_id_.find(table_id);
  if (id == table_keys_by_id_.end()) return nullptr;
  auto it = tables_.find(id->second);
  return it == tables_.end() ? nullptr : &it->second;
}

const TableDef* CatalogSnapshot::find_table_of_index(std::string_view namespace_id,
                                                     std::string_view index_name) const {
  for (const auto& [key, table] : tables_) {
    if (table.namespace_id == namespace_id && table.schema && table.schema->find_index(index_name) != nullptr)
      return &table;
  }
  return nullptr;
}

std::vector<const TableDef*> CatalogSnapshot::tables_in(std::string_view namespace_id) const {
  std::vector<const TableDef*> out;
  for (const TableDef* table : sorted_values(tables_)) {
    if (table->namespace_id == namespace_id) out.push_back(table);
  }
  return out;
}

size_t CatalogSnapshot::table_count(std::string_view namespace_id) const {
  return static_cast<size_t>(std::count_if(tables_.begin(), tables_.end(), [&](const auto& entry) {
    return entry.second.namespace_id == namespace_id;
  }));
}

std::vector<const TableDef*> CatalogSnapshot::tables_using_storage(std::string_view storage_id) const {
  std::vector<const TableDef*> out;
  for (const TableDef* table : sorted_values(tables_)) {
    if (table->storage_id == storage_id) out.push_back(table);
  }
  return out;
}

std::vector<const TableDef*> CatalogSnapshot::tables() const { return sorted_values(tables_); }

void CatalogSnapshot::count_views() {
  view_count_ = static_cast<size_t>(std::count_if(tables_.begin(), tables_.end(),
                                                  [](const auto& entry) { return entry.second.is_view(); }));
}

std::vector<const NamespaceDef*> CatalogSnapshot::namespaces() const { return sorted_values(namespaces_); }

std::vector<const StorageDef*> CatalogSnapshot::storages() const { return sorted_values(storages_); }

CatalogChange::CatalogChange(SchemaRegistry& registry, std::unique_lock<std::mutex> lock,
                             std::shared_ptr<CatalogSnapshot> next)
    : registry_(&registry), lock_(std::move(lock)), next_(std::move(next)) {}

void CatalogChange::put_namespace(NamespaceDef def) {
  batch_.put(ColumnFamily::kSystem, system_keys::make(system_keys::kNamespace, def.namespace_id),
             encode_namespace(def));
  std::string id = def.namespace_id;
  next_->namespaces_.insert_or_assign(std::move(id), std::move(def));
}

void CatalogChange::remove_namespace(std::string_view namespace_id) {
  batch_.del(ColumnFamily::kSystem, system_keys::make(system_keys::kNamespace, namespace_id));
  next_->namespaces_.erase(std::string(namespace_id));
}

void CatalogChange::put_storage(StorageDef def) {
  batch_.put(ColumnFamily::kSystem, system_keys::make(system_keys::kStorage, def.storage_id),
             encode_storage(def));
  std::string id = def.storage_id;
  next_->storages_.insert_or_assign(std::move(id), std::move(def));
}

void CatalogChange::remove_storage(std::string_view storage_id) {
  batch_.del(ColumnFamily::kSystem, system_keys::make(system_keys::kStorage, storage_id));
  next_->storages_.erase(std::string(storage_id));
}

void CatalogChange::put_table(TableDef def) {
  std::string key = table_key(def.namespace_id, def.table_name);
  batch_.put(ColumnFamily::kSystem, system_keys::make(system_keys::kTable, key), encode_table(def));
  next_->table_keys_by_id_[def.table_id] = key;
  next_->tables_.insert_or_assign(std::move(key), std::move(def));
}

void CatalogChange::remove_table(std::string_view namespace_id, std::string_view table_name) {
  std::string key = table_key(namespace_id, table_name);
  batch_.del(ColumnFamily::kSystem, system_keys::make(system_keys::kTable, key));
  auto it = next_->tables_.find(key);
  if (it != next_->tables_.end()) next_->table_keys_by_id_.erase(it->second.table_id);
  next_->tables_.erase(key);
}

uint64_t CatalogChange::allocate_table_id() {
  uint64_t id = next_->next_table_id_++;
  batch_.put(ColumnFamily::kSystem, system_keys::make(system_keys::kMeta, "next_table_id"),
             std::to_string(next_->next_table_id_));
  return id;
}

Status CatalogChange::commit() {
  if (!batch_.empty()) KALAM_RETURN_IF_ERROR(registry_->storage_.write(batch_));
  next_->version_ += 1;
  next_->count_views();
  registry_->snapshot_.store(std::move(next_), std::memory_order_release);
  lock_.unlock();
  return Status::ok();
}

SchemaRegistry::SchemaRegistry(StorageEngine& storage)
    : storage_(storage), snapshot_(std::make_shared<const CatalogSnapshot>()) {}

Status SchemaRegistry::load(const std::string& data_path) {
  auto loaded = std::make_shared<CatalogSnapshot>();
  Status decode_status;
  auto load_prefix = [&](std::string_view prefix, auto&& insert) {
    return storage_.scan_prefix(ColumnFamily::kSystem, prefix, [&](std::string_view, std::string_view value) {
      decode_status = insert(value);
      return decode_status.is_ok();
    });
  };
  KALAM_RETURN_IF_ERROR(load_prefix(system_keys::kNamespace, [&](std::string_view value) -> Status {
    KALAM_ASSIGN_OR_RETURN(NamespaceDef def, decode_namespace(value));
    std::string id = def.namespace_id;
    loaded->namespaces_.emplace(std::move(id), std::move(def));
    return Status::ok();
  }));
  KALAM_RETURN_IF_ERROR(decode_status);
  KALAM_RETURN_IF_ERROR(load_prefix(system_keys::kStorage, [&](std::string_view value) -> Status {
    KALAM_ASSIGN_OR_RETURN(StorageDef def, decode_storage(value));
    std::string id = def.storage_id;
    loaded->storages_.emplace(std::move(id), std::move(def));
    return Status::ok();
  }));
  KALAM_RETURN_IF_ERROR(decode_status);
  KALAM_RETURN_IF_ERROR(load_prefix(system_keys::kTable, [&](std::string_view value) -> Status {
    KALAM_ASSIGN_OR_RETURN(TableDef def, decode_table(value));
    loaded->table_keys_by_id_[def.table_id] = def.qualified_name();
    loaded->tables_.emplace(def.qualified_name(), std::move(def));
    return Status::ok();
  }));
  KALAM_RETURN_IF_ERROR(decode_status);
  KALAM_ASSIGN_OR_RETURN(
      std::optional<std::string> next_id,
      storage_.get(ColumnFamily::kSystem, system_keys::make(system_keys::kMeta, "next_table_id")));
  if (next_id) loaded->next_table_id_ = std::max<uint64_t>(1, std::strtoull(next_id->c_str(), nullptr, 10));
  loaded->count_views();
  for (const auto& [key, table] : loaded->tables_) {
    loaded->next_table_id_ = std::max(loaded->next_table_id_, table.table_id + 1);
  }
  snapshot_.store(loaded, std::memory_order_release);

  if (loaded->find_storage(kLocalStorageId) == nullptr) {
    CatalogChange change = begin_change();
    StorageDef local;
    local.storage_id = std::string(kLocalStorageId);
    local.storage_name = "Local filesystem";
    local.description = "Built-in storage under the data directory";
    local.base_directory = data_path + "/storage";
    local.created_at_us = local.updated_at_us = now_unix_micros();
    change.put_storage(std::move(local));
    KALAM_RETURN_IF_ERROR(change.commit());
  }
  return Status::ok();
}

CatalogChange SchemaRegistry::begin_change() {
  std::unique_lock<std::mutex> lock(write_mutex_);
  auto next = std::make_shared<CatalogSnapshot>(*snapshot());
  return CatalogChange(*this, std::move(lock), std::move(next));
}

}  // namespace kalam
