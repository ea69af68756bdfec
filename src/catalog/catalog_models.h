// Catalog objects: namespaces, storages and table definitions as persisted in the
// `system` column family and held in SchemaRegistry snapshots.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kalam {

struct TableSchema;

enum class StorageType : uint8_t { kFilesystem, kS3 };

std::string_view storage_type_name(StorageType type);

struct NamespaceDef {
  std::string namespace_id;
  std::string options_json = "{}";  // JSON object of ALTER NAMESPACE … SET OPTIONS
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

inline constexpr std::string_view kLocalStorageId = "local";
inline constexpr std::string_view kDefaultSharedTemplate = "{namespace}/{tableName}";
inline constexpr std::string_view kDefaultUserTemplate = "{namespace}/{tableName}/{userId}";

struct StorageDef {
  std::string storage_id;
  std::string storage_name;
  std::string description;
  StorageType storage_type = StorageType::kFilesystem;
  std::string base_directory;
  std::string shared_tables_template{kDefaultSharedTemplate};
  std::string user_tables_template{kDefaultUserTemplate};
  std::string region;
  std::string endpoint;
  std::string sealed_credentials;  // AES-256-GCM sealed, base64; empty when none
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

inline constexpr std::string_view kViewTableType = "VIEW";

// A table definition as the registry keys, persists and counts it; `schema` is the
// parsed TableSchema (catalog/table_schema.h) of `definition_json`. A view is a
// definition of type VIEW with its query and no schema, storage or rows: it shares the
// namespace's names with tables and indexes.
struct TableDef {
  uint64_t table_id = 0;
  std::string namespace_id;
  std::string table_name;
  std::string table_type;                     // USER | SHARED | STREAM | VIEW
  std::string storage_id{kLocalStorageId};    // empty for a view
  std::string definition_json = "{}";         // columns, options, schema history (TableSchema JSON)
  std::shared_ptr<const TableSchema> schema;  // null for a view (and a definition without columns)
  std::string view_sql;                       // VIEW: the query as written (`SELECT …`)
  std::vector<std::string> view_columns;      // VIEW: the column names given, if any
  std::string created_by;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;

  std::string qualified_name() const { return namespace_id + "." + table_name; }
  bool is_view() const { return table_type == kViewTableType; }
};

}  // namespace kalam
