// JSON (Boost.JSON) codec of catalog records; unknown fields are ignored so that
// newer records stay readable by this version.
#include "catalog/catalog_codec.h"

#include <boost/json.hpp>

#include "catalog/table_schema.h"
#include "storage/json_fields.h"

namespace kalam {
namespace json = boost::json;
namespace {

using json_fields::get_int;
using json_fields::get_string;
using json_fields::get_uint;

Result<json::object> parse_object(std::string_view text, std::string_view what) {
  return json_fields::parse_record(text, std::string(what) + " catalog");
}

}  // namespace

std::string_view storage_type_name(StorageType type) {
  return type == StorageType::kS3 ? "s3" : "filesystem";
}

std::string encode_namespace(const NamespaceDef& def) {
  json::object obj;
  obj["namespace_id"] = def.namespace_id;
  obj["options"] = def.options_json;
  obj["created_at"] = def.created_at_us;
  obj["updated_at"] = def.updated_at_us;
  return json::serialize(obj);
}

Result<NamespaceDef> decode_namespace(std::string_view text) {
  json::object obj;
  KALAM_ASSIGN_OR_RETURN(obj, parse_object(text, "namespace"));
  NamespaceDef def;
  def.namespace_id = get_string(obj, "namespace_id");
  def.options_json = get_string(obj, "options");
  if (def.options_json.empty()) def.options_json = "{}";
  def.created_at_us = get_int(obj, "created_at");
  def.updated_at_us = get_int(obj, "updated_at");
  return def;
}

std::string encode_storage(const StorageDef& def) {
  json::object obj;
  obj["storage_id"] = def.storage_id;
  obj["storage_name"] = def.storage_name;
  obj["description"] = def.description;
  obj["storage_type"] = storage_type_name(def.storage_type);
  obj["base_directory"] = def.base_directory;
  obj["shared_tables_template"] = def.shared_tables_template;
  obj["user_tables_template"] = def.user_tables_template;
  obj["region"] = def.region;
  obj["endpoint"] = def.endpoint;
  obj["sealed_credentials"] = def.sealed_credentials;
  obj["created_at"] = def.created_at_us;
  obj["updated_at"] = def.updated_at_us;
  return json::serialize(obj);
}

Result<StorageDef> decode_storage(std::string_view text) {
  json::object obj;
  KALAM_ASSIGN_OR_RETURN(obj, parse_object(text, "storage"));
  StorageDef def;
  def.storage_id = get_string(obj, "storage_id");
  def.storage_name = get_string(obj, "storage_name");
  def.description = get_string(obj, "description");
  def.storage_type = get_string(obj, "storage_type") == "s3" ? StorageType::kS3 : StorageType::kFilesystem;
  def.base_directory = get_string(obj, "base_directory");
  def.shared_tables_template = get_string(obj, "shared_tables_template");
  def.user_tables_template = get_string(obj, "user_tables_template");
  def.region = get_string(obj, "region");
  def.endpoint = get_string(obj, "endpoint");
  def.sealed_credentials = get_string(obj, "sealed_credentials");
  def.created_at_us = get_int(obj, "created_at");
  def.updated_at_us = get_int(obj, "updated_at");
  return def;
}

std::string encode_table(const TableDef& def) {
  json::object obj;
  obj["table_id"] = def.table_id;
  obj["namespace_id"] = def.namespace_id;
  obj["table_name"] = def.table_name;
  obj["table_type"] = def.table_type;
  obj["storage_id"] = def.storage_id;
  obj["definition"] = def.definition_json;
  if (def.is_view()) {
    obj["view_sql"] = def.view_sql;
    json::array columns;
    for (const std::string& column : def.view_columns) columns.emplace_back(column);
    obj["view_columns"] = std::move(columns);
  }
  obj["created_by"] = def.created_by;
  obj["created_at"] = def.created_at_us;
  obj["updated_at"] = def.updated_at_us;
  return json::serialize(obj);
}

Result<TableDef> decode_table(std::string_view text) {
  json::object obj;
  KALAM_ASSIGN_OR_RETURN(obj, parse_object(text, "table"));
  TableDef def;
  def.table_id = get_uint(obj, "table_id");
  def.namespace_id = get_string(obj, "namespace_id");
  def.table_name = get_string(obj, "table_name");
  def.table_type = get_string(obj, "table_type");
  def.storage_id = get_string(obj, "storage_id");
  def.definition_json = get_string(obj, "definition");
  if (!def.definition_json.empty() && def.definition_json != "{}") {
    KALAM_ASSIGN_OR_RETURN(TableSchema schema, decode_table_schema(def.definition_json));
    def.schema = std::make_shared<const TableSchema>(std::move(schema));
  }
  if (def.is_view()) {
    def.view_sql = get_string(obj, "view_sql");
    const json::value* columns = obj.if_contains("view_columns");
    if (columns != nullptr && columns->is_array()) {
      for (const json::value& column : columns->get_array()) {
        if (column.is_string()) def.view_columns.emplace_back(column.as_string());
      }
    }
  }
  def.created_by = get_string(obj, "created_by");
  def.created_at_us = get_int(obj, "created_at");
  def.updated_at_us = get_int(obj, "updated_at");
  return def;
}

}  // namespace kalam
