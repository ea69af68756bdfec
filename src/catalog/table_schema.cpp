// Table definition model: names of its enums, lookups, the JSON codec (Boost.JSON) and
// the DEFAULT expression parser/normalizer/evaluator.
#include "catalog/table_schema.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace json = boost::json;

std::string_view table_type_name(TableType type) {
  switch (type) {
    case TableType::kUser:
      return "USER";
    case TableType::kShared:
      return "SHARED";
    case TableType::kStream:
      return "STREAM";
  }
  return "SHARED";
}

std::optional<TableType> parse_table_type(std::string_view name) {
  if (iequals(name, "USER")) return TableType::kUser;
  if (iequals(name, "SHARED")) return TableType::kShared;
  if (iequals(name, "STREAM")) return TableType::kStream;
  return std::nullopt;
}

std::string_view access_level_name(AccessLevel level) {
  switch (level) {
    case AccessLevel::kPublic:
      return "PUBLIC";
    case AccessLevel::kPrivate:
      return "PRIVATE";
    case AccessLevel::kRestricted:
      return "RESTRICTED";
  }
  return "PRIVATE";
}

std::optional<AccessLevel> parse_access_level(std::string_view name) {
  if (iequals(name, "PUBLIC")) return AccessLevel::kPublic;
  if (iequals(name, "PRIVATE")) return AccessLevel::kPrivate;
  if (iequals(name, "RESTRICTED")) return AccessLevel::kRestricted;
  return std::nullopt;
}

bool is_system_column_name(std::string_view name) {
  return iequals(name, kSeqColumnName) || iequals(name, kDeletedColumnName);
}

std::string column_type_sql(const ColumnDef& column) {
  if (column.type == DataType::kText && column.max_length > 0) {
    return "VARCHAR(" + std::to_string(column.max_length) + ")";
  }
  if (column.type == DataType::kDecimal) {
    return "DECIMAL(" + std::to_string(column.decimal_precision()) + "," +
           std::to_string(column.decimal_scale()) + ")";
  }
  return std::string(data_type_name(column.type));
}

// ---------------------------------------------------------------------------------------
// Lookups

const SchemaVersion& TableSchema::current() const {
  static const SchemaVersion kEmpty{0, {}, 0};
  return versions.empty() ? kEmpty : versions.back();
}

const ColumnDef* TableSchema::find_column(std::string_view name) const {
  for (const ColumnDef& column : current().columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

const ColumnDef* TableSchema::find_column_by_id(uint32_t column_id) const {
  for (const ColumnDef& column : current().columns) {
    if (column.column_id == column_id) return &column;
  }
  return nullptr;
}

std::vector<const ColumnDef*> TableSchema::primary_key() const {
  std::vector<const ColumnDef*> key;
  for (const ColumnDef& column : current().columns) {
    if (column.pk_position >= 0) key.push_back(&column);
  }
  std::stable_sort(key.begin(), key.end(), [](const ColumnDef* lhs, const ColumnDef* rhs) {
    return lhs->pk_position < rhs->pk_position;
  });
  return key;
}

const SchemaVersion* TableSchema::version(int32_t v) const {
  for (const SchemaVersion& entry : versions) {
    if (entry.version == v) return &entry;
  }
  return nullptr;
}

std::string index_columns_sql(const TableSchema& schema, const IndexDef& index) {
  std::string text;
  for (size_t idx = 0; idx < index.column_ids.size(); ++idx) {
    const ColumnDef* column = schema.find_column_by_id(index.column_ids[idx]);
    if (!text.empty()) text += ", ";
    text += column == nullptr ? "?" : column->name;
    if (idx < index.descending.size() && index.descending[idx]) text += " DESC";
  }
  return text;
}

std::vector<uint32_t> add_implicit_unique_indexes(TableSchema& schema, IndexState state,
                                                  std::string_view created_by, int64_t now_us,
                                                  const std::function<bool(std::string_view)>& name_taken) {
  std::vector<uint32_t> added;
  for (const ColumnDef& column : schema.current().columns) {
    if (!column.unique) continue;
    bool covered = false;
    for (const IndexDef& index : schema.indexes) {
      covered = covered ||
                (index.implicit && index.column_ids.size() == 1 && index.column_ids[0] == column.column_id);
    }
    if (covered) continue;
    // At most 64 characters (an identifier DROP INDEX and REINDEX can name), suffix included.
    constexpr size_t kMaxName = 64;
    std::string base = schema.table_name + "_" + column.name + "_key";
    std::string name = base.substr(0, kMaxName);
    for (int suffix = 1; name_taken(name) || schema.find_index(name) != nullptr; ++suffix) {
      std::string tail = "_" + std::to_string(suffix);
      name = base.substr(0, kMaxName - tail.size()) + tail;
    }
    IndexDef index;
    index.index_id = schema.next_index_id++;
    index.name = name;
    index.column_ids = {column.column_id};
    index.descending = {false};
    index.unique = true;
    index.implicit = true;
    index.state = state;
    index.created_by = std::string(created_by);
    index.created_at_us = now_us;
    added.push_back(index.index_id);
    schema.indexes.push_back(std::move(index));
  }
  if (!added.empty()) schema.index_epoch++;
  return added;
}

const IndexDef* TableSchema::find_index(uint32_t index_id) const {
  for (const IndexDef& index : indexes) {
    if (index.index_id == index_id) return &index;
  }
  return nullptr;
}

const IndexDef* TableSchema::find_index(std::string_view name) const {
  for (const IndexDef& index : indexes) {
    if (index.name == name && index.replaces_index_id == 0) return &index;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// JSON codec

namespace {

constexpr int64_t kSchemaFormat = 1;

json::object encode_column(const ColumnDef& column) {
  json::object obj;
  obj["column_id"] = column.column_id;
  obj["name"] = column.name;
  obj["type"] = data_type_name(column.type);
  obj["max_length"] = column.max_length;
  obj["precision"] = column.precision;
  obj["scale"] = column.scale;
  obj["nullable"] = column.nullable;
  if (column.default_expr) {
    obj["default"] = *column.default_expr;
  } else {
    obj["default"] = nullptr;
  }
  obj["pk_position"] = column.pk_position;
  obj["unique"] = column.unique;
  return obj;
}

// Reads fields of one JSON object; the first problem is remembered and reported once.
class FieldReader {
 public:
  FieldReader(const json::object& obj, std::string_view where) : obj_(obj), where_(where) {}

  bool ok() const { return error_.empty(); }
  Status status() const {
    return Status(ErrorCode::kInternalStorageError, "corrupt table definition in catalog: " + error_);
  }

  std::string string(std::string_view key, bool required = true) {
    const json::value* value = find(key, required);
    if (value == nullptr) return {};
    if (!value->is_string()) return fail(key, "is not a string"), std::string();
    return std::string(value->as_string());
  }
  std::optional<std::string> optional_string(std::string_view key) {
    const json::value* value = obj_.if_contains(key);
    if (value == nullptr || value->is_null()) return std::nullopt;
    if (!value->is_string()) return fail(key, "is not a string"), std::nullopt;
    return std::string(value->as_string());
  }
  int64_t int64(std::string_view key, int64_t fallback, bool required = false,
                int64_t min = std::numeric_limits<int64_t>::min(),
                int64_t max = std::numeric_limits<int64_t>::max()) {
    const json::value* value = find(key, required);
    if (value == nullptr) return fallback;
    int64_t number = 0;
    if (value->is_int64()) {
      number = value->as_int64();
    } else if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(max) && max >= 0) {
      number = static_cast<int64_t>(value->as_uint64());
    } else {
      return fail(key, "is not an integer"), fallback;
    }
    if (number < min || number > max) return fail(key, "is out of range"), fallback;
    return number;
  }
  uint64_t uint64(std::string_view key, bool required) {
    const json::value* value = find(key, required);
    if (value == nullptr) return 0;
    if (value->is_uint64()) return value->as_uint64();
    if (value->is_int64() && value->as_int64() >= 0) return static_cast<uint64_t>(value->as_int64());
    return fail(key, "is not an unsigned integer"), 0;
  }
  bool boolean(std::string_view key, bool fallback) {
    const json::value* value = find(key, false);
    if (value == nullptr) return fallback;
    if (!value->is_bool()) return fail(key, "is not a boolean"), fallback;
    return value->as_bool();
  }
  const json::array* array(std::string_view key) {
    const json::value* value = find(key, true);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) return fail(key, "is not an array"), nullptr;
    return &value->as_array();
  }
  const json::object* object(std::string_view key) {
    const json::value* value = find(key, false);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) return fail(key, "is not an object"), nullptr;
    return &value->as_object();
  }
  void fail(std::string_view key, std::string_view problem) {
    if (error_.empty()) error_ = std::string(where_) + "." + std::string(key) + " " + std::string(problem);
  }
  // Adopts a nested reader's first error.
  void merge(const FieldReader& nested) {
    if (error_.empty()) error_ = nested.error_;
  }

 private:
  const json::value* find(std::string_view key, bool required) {
    const json::value* value = obj_.if_contains(key);
    if (value == nullptr && required) fail(key, "is missing");
    return value;
  }

  const json::object& obj_;
  std::string where_;
  std::string error_;
};

std::optional<DataType> parse_stored_type(std::string_view name) {
  if (name == "ANY") return DataType::kAny;
  return parse_data_type(name);
}

void decode_column(const json::object& obj, const std::string& where, ColumnDef* column,
                   FieldReader* parent) {
  FieldReader reader(obj, where);
  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  column->column_id =
      static_cast<uint32_t>(reader.int64("column_id", 0, true, 0, std::numeric_limits<uint32_t>::max()));
  column->name = reader.string("name");
  std::string type_name = reader.string("type");
  if (reader.ok()) {
    std::optional<DataType> type = parse_stored_type(type_name);
    if (!type) reader.fail("type", "is unknown");
    column->type = type.value_or(DataType::kText);
  }
  column->max_length = static_cast<int32_t>(reader.int64("max_length", 0, false, 0, kInt32Max));
  column->precision = static_cast<int32_t>(reader.int64("precision", 0, false, 0, kInt32Max));
  column->scale = static_cast<int32_t>(reader.int64("scale", 0, false, 0, kInt32Max));
  column->nullable = reader.boolean("nullable", true);
  column->default_expr = reader.optional_string("default");
  column->pk_position = static_cast<int32_t>(reader.int64("pk_position", -1, false, -1, kInt32Max));
  column->unique = reader.boolean("unique", false);
  parent->merge(reader);
}

}  // namespace

std::string encode_table_schema(const TableSchema& schema) {
  json::object obj;
  obj["format"] = kSchemaFormat;
  obj["table_id"] = schema.table_id;
  obj["namespace_id"] = schema.namespace_id;
  obj["table_name"] = schema.table_name;
  obj["table_type"] = table_type_name(schema.table_type);
  json::object options;
  options["storage_id"] = schema.options.storage_id;
  options["flush_row_limit"] = schema.options.flush_row_limit;
  options["flush_interval_seconds"] = schema.options.flush_interval_seconds;
  options["deleted_retention_hours"] = schema.options.deleted_retention_hours;
  options["ttl_seconds"] = schema.options.ttl_seconds;
  options["access_level"] = access_level_name(schema.options.access_level);
  obj["options"] = std::move(options);
  json::array versions;
  for (const SchemaVersion& version : schema.versions) {
    json::object entry;
    entry["version"] = version.version;
    entry["created_at"] = version.created_at_us;
    json::array columns;
    for (const ColumnDef& column : version.columns) columns.push_back(encode_column(column));
    entry["columns"] = std::move(columns);
    versions.push_back(std::move(entry));
  }
  obj["versions"] = std::move(versions);
  obj["hidden_primary_key"] = schema.hidden_primary_key;
  obj["next_column_id"] = schema.next_column_id;
  obj["created_by"] = schema.created_by;
  obj["created_at"] = schema.created_at_us;
  obj["updated_at"] = schema.updated_at_us;
  json::array indexes;
  for (const IndexDef& index : schema.indexes) {
    json::object entry;
    entry["index_id"] = index.index_id;
    entry["name"] = index.name;
    json::array columns;
    for (size_t idx = 0; idx < index.column_ids.size(); ++idx) {
      json::object column;
      column["column_id"] = index.column_ids[idx];
      column["descending"] = idx < index.descending.size() && index.descending[idx];
      columns.push_back(std::move(column));
    }
    entry["columns"] = std::move(columns);
    entry["unique"] = index.unique;
    entry["implicit"] = index.implicit;
    entry["state"] = index.state == IndexState::kReady ? "ready" : "building";
    if (index.replaces_index_id != 0) entry["replaces"] = index.replaces_index_id;
    entry["created_by"] = index.created_by;
    entry["created_at"] = index.created_at_us;
    indexes.push_back(std::move(entry));
  }
  obj["indexes"] = std::move(indexes);
  obj["next_index_id"] = schema.next_index_id;
  obj["index_epoch"] = schema.index_epoch;
  return json::serialize(obj);
}

Result<TableSchema> decode_table_schema(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    return Status(ErrorCode::kInternalStorageError, "corrupt table definition in catalog: not a JSON object");
  }
  const json::object& obj = root.as_object();
  FieldReader reader(obj, "table");
  TableSchema schema;
  const int64_t format = reader.int64("format", kSchemaFormat);
  if (reader.ok() && format != kSchemaFormat) reader.fail("format", "is not supported");
  schema.table_id = reader.uint64("table_id", true);
  schema.namespace_id = reader.string("namespace_id");
  schema.table_name = reader.string("table_name");
  std::string type_name = reader.string("table_type");
  if (reader.ok()) {
    std::optional<TableType> type = parse_table_type(type_name);
    if (!type) reader.fail("table_type", "is unknown");
    schema.table_type = type.value_or(TableType::kShared);
  }
  if (const json::object* options = reader.object("options")) {
    FieldReader option_reader(*options, "table.options");
    TableOptions& out = schema.options;
    if (options->contains("storage_id")) out.storage_id = option_reader.string("storage_id");
    out.flush_row_limit = option_reader.int64("flush_row_limit", 0, false, 0);
    out.flush_interval_seconds = option_reader.int64("flush_interval_seconds", 0, false, 0);
    out.deleted_retention_hours = option_reader.int64("deleted_retention_hours", 168, false, 0);
    out.ttl_seconds = option_reader.int64("ttl_seconds", 0, false, 0);
    if (options->contains("access_level")) {
      std::string level_name = option_reader.string("access_level");
      std::optional<AccessLevel> level = parse_access_level(level_name);
      if (option_reader.ok() && !level) option_reader.fail("access_level", "is unknown");
      out.access_level = level.value_or(AccessLevel::kPrivate);
    }
    reader.merge(option_reader);
  }
  uint32_t max_column_id = 0;
  if (const json::array* versions = reader.array("versions")) {
    if (versions->empty()) reader.fail("versions", "is empty");
    for (size_t version_idx = 0; version_idx < versions->size() && reader.ok(); ++version_idx) {
      const std::string where = "table.versions[" + std::to_string(version_idx) + "]";
      const json::value& entry = (*versions)[version_idx];
      if (!entry.is_object()) {
        reader.fail("versions", "holds a non-object");
        break;
      }
      FieldReader version_reader(entry.as_object(), where);
      SchemaVersion version;
      version.version = static_cast<int32_t>(
          version_reader.int64("version", 0, true, 1, std::numeric_limits<int32_t>::max()));
      version.created_at_us = version_reader.int64("created_at", 0);
      if (!schema.versions.empty() && version_reader.ok() &&
          version.version <= schema.versions.back().version) {
        version_reader.fail("version", "is not increasing");
      }
      std::set<uint32_t> column_ids;
      if (const json::array* columns = version_reader.array("columns")) {
        for (size_t column_idx = 0; column_idx < columns->size() && version_reader.ok(); ++column_idx) {
          const json::value& column_value = (*columns)[column_idx];
          if (!column_value.is_object()) {
            version_reader.fail("columns", "holds a non-object");
            break;
          }
          ColumnDef column;
          decode_column(column_value.as_object(), where + ".columns[" + std::to_string(column_idx) + "]",
                        &column, &version_reader);
          if (version_reader.ok() && !column_ids.insert(column.column_id).second) {
            version_reader.fail("columns", "repeats a column_id");
          }
          max_column_id = std::max(max_column_id, column.column_id);
          version.columns.push_back(std::move(column));
        }
      }
      reader.merge(version_reader);
      schema.versions.push_back(std::move(version));
    }
  }
  schema.hidden_primary_key = reader.boolean("hidden_primary_key", false);
  const int64_t next_column_id = reader.int64("next_column_id", static_cast<int64_t>(max_column_id) + 1,
                                              false, 0, std::numeric_limits<uint32_t>::max());
  // A next id that would reuse an existing id is repaired rather than trusted.
  schema.next_column_id = std::max<uint32_t>(static_cast<uint32_t>(next_column_id), max_column_id + 1);
  schema.created_by = reader.string("created_by", false);
  schema.created_at_us = reader.int64("created_at", 0);
  schema.updated_at_us = reader.int64("updated_at", 0);
  uint32_t max_index_id = 0;
  if (obj.contains("indexes")) {
    if (const json::array* indexes = reader.array("indexes")) {
      for (size_t index_idx = 0; index_idx < indexes->size() && reader.ok(); ++index_idx) {
        const json::value& entry = (*indexes)[index_idx];
        if (!entry.is_object()) {
          reader.fail("indexes", "holds a non-object");
          break;
        }
        FieldReader index_reader(entry.as_object(), "table.indexes[" + std::to_string(index_idx) + "]");
        IndexDef index;
        index.index_id = static_cast<uint32_t>(
            index_reader.int64("index_id", 0, true, 1, std::numeric_limits<uint32_t>::max()));
        index.name = index_reader.string("name");
        if (const json::array* columns = index_reader.array("columns")) {
          for (const json::value& column : *columns) {
            if (!column.is_object()) {
              index_reader.fail("columns", "holds a non-object");
              break;
            }
            FieldReader column_reader(column.as_object(), "index column");
            index.column_ids.push_back(static_cast<uint32_t>(
                column_reader.int64("column_id", 0, true, 0, std::numeric_limits<uint32_t>::max())));
            index.descending.push_back(column_reader.boolean("descending", false));
            index_reader.merge(column_reader);
          }
          if (index_reader.ok() && index.column_ids.empty()) index_reader.fail("columns", "is empty");
        }
        index.unique = index_reader.boolean("unique", false);
        index.implicit = index_reader.boolean("implicit", false);
        std::string state = index_reader.string("state", false);
        if (index_reader.ok() && state != "ready" && state != "building")
          index_reader.fail("state", "is unknown");
        index.state = state == "building" ? IndexState::kBuilding : IndexState::kReady;
        index.replaces_index_id = static_cast<uint32_t>(
            index_reader.int64("replaces", 0, false, 0, std::numeric_limits<uint32_t>::max()));
        index.created_by = index_reader.string("created_by", false);
        index.created_at_us = index_reader.int64("created_at", 0);
        reader.merge(index_reader);
        max_index_id = std::max(max_index_id, index.index_id);
        schema.indexes.push_back(std::move(index));
      }
    }
  }
  const int64_t next_index_id = reader.int64("next_index_id", static_cast<int64_t>(max_index_id) + 1, false,
                                             0, std::numeric_limits<uint32_t>::max());
  schema.next_index_id = std::max<uint32_t>(static_cast<uint32_t>(next_index_id), max_index_id + 1);
  schema.index_epoch = static_cast<uint64_t>(reader.int64("index_epoch", 0, false, 0));
  if (!reader.ok()) return reader.status();
  return schema;
}

// ---------------------------------------------------------------------------------------
// DEFAULT expressions

namespace {

constexpr size_t kUuidTextLength = 36;
constexpr size_t kUlidTextLength = 26;

Status invalid_default(std::string_view expr_sql, const ColumnDef& column, std::string reason) {
  std::string message = "invalid DEFAULT for column '" + column.name + "': " + reason;
  return Status(ErrorCode::kInvalidArgument, std::move(message))
      .with_detail("argument", std::string("default"))
      .with_detail("column", column.name)
      .with_detail("reason", std::move(reason));
}

bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_identifier_start(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}
bool is_identifier_char(char ch) { return is_identifier_start(ch) || (ch >= '0' && ch <= '9'); }

// 'it''s' → it's; nullopt unless `text` is exactly one string literal.
std::optional<std::string> parse_string_literal(std::string_view text) {
  if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') return std::nullopt;
  std::string out;
  for (size_t pos = 1; pos + 1 < text.size(); ++pos) {
    if (text[pos] == '\'') {
      // Inside the literal a quote must be doubled; a lone quote would end it early.
      if (pos + 2 >= text.size() || text[pos + 1] != '\'') return std::nullopt;
      ++pos;
    }
    out += text[pos];
  }
  return out;
}

bool is_integer_literal(std::string_view text) {
  size_t pos = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  if (pos == text.size()) return false;
  for (; pos < text.size(); ++pos) {
    if (text[pos] < '0' || text[pos] > '9') return false;
  }
  return true;
}

// A numeric literal as the Value an SQL engine would give it: DECIMAL columns get the
// exact text, others an integer when it is one and fits, else a double.
std::optional<Value> numeric_literal_value(std::string_view text, const ColumnDef& column) {
  if (column.type == DataType::kDecimal) return Value(std::string(text));
  std::string_view digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
  if (is_integer_literal(text)) {
    int64_t integer = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), integer);
    if (ec == std::errc() && end == digits.data() + digits.size()) return Value(integer);
  }
  double real = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), real);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return Value(real);
}

// Function call syntax NAME[ ( )]: returns the upper-case name and whether parentheses
// were present; nullopt when `text` is not exactly that.
std::optional<std::pair<std::string, bool>> parse_call(std::string_view text) {
  if (text.empty() || !is_identifier_start(text[0])) return std::nullopt;
  size_t pos = 0;
  while (pos < text.size() && is_identifier_char(text[pos])) ++pos;
  std::string name = to_upper(text.substr(0, pos));
  std::string_view rest = trim(text.substr(pos));
  if (rest.empty()) return std::make_pair(name, false);
  if (rest.front() != '(' || rest.back() != ')') return std::nullopt;
  if (!trim(rest.substr(1, rest.size() - 2)).empty()) return std::nullopt;
  return std::make_pair(name, true);
}

bool text_fits(const ColumnDef& column, size_t length) {
  return column.max_length <= 0 || static_cast<size_t>(column.max_length) >= length;
}

// The function named by `name` when it may be the DEFAULT of `column`.
Result<DefaultFunction> resolve_function(std::string_view expr_sql, const std::string& name, bool has_parens,
                                         const ColumnDef& column) {
  DefaultFunction function = DefaultFunction::kNone;
  bool parens_optional = false;
  if (name == "NOW") {
    function = DefaultFunction::kNow;
  } else if (name == "CURRENT_TIMESTAMP") {
    function = DefaultFunction::kNow;
    parens_optional = true;
  } else if (name == "SNOWFLAKE_ID") {
    function = DefaultFunction::kSnowflakeId;
  } else if (name == "UUID_V7") {
    function = DefaultFunction::kUuidV7;
  } else if (name == "ULID") {
    function = DefaultFunction::kUlid;
  } else if (name == "CURRENT_USER") {
    function = DefaultFunction::kCurrentUser;
    parens_optional = true;
  } else {
    return invalid_default(expr_sql, column,
                           "only literals, NOW(), CURRENT_TIMESTAMP, SNOWFLAKE_ID(), UUID_V7(), ULID() and "
                           "CURRENT_USER() are allowed");
  }
  if (!has_parens && !parens_optional) {
    return invalid_default(expr_sql, column, name + " must be called as " + name + "()");
  }
  bool compatible = false;
  switch (function) {
    case DefaultFunction::kNow:
      compatible = column.type == DataType::kTimestamp || column.type == DataType::kDate ||
                   column.type == DataType::kTime;
      break;
    case DefaultFunction::kSnowflakeId:
      compatible = column.type == DataType::kBigInt;
      break;
    case DefaultFunction::kUuidV7:
      compatible = column.type == DataType::kUuid ||
                   (column.type == DataType::kText && text_fits(column, kUuidTextLength));
      break;
    case DefaultFunction::kUlid:
      compatible = column.type == DataType::kText && text_fits(column, kUlidTextLength);
      break;
    case DefaultFunction::kCurrentUser:
      compatible = column.type == DataType::kText;
      break;
    case DefaultFunction::kNone:
      break;
  }
  if (!compatible) {
    return invalid_default(expr_sql, column,
                           name + "() cannot be the default of a " + column_type_sql(column) + " column");
  }
  return function;
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  out += '\'';
  return out;
}

// SQL literal text of a stored value such that parse_default gives the value back.
std::string render_literal(const Value& stored, const ColumnDef& column) {
  if (is_null(stored)) return "NULL";
  if (const bool* flag = std::get_if<bool>(&stored)) return *flag ? "TRUE" : "FALSE";
  switch (column.type) {
    case DataType::kTimestamp:
      return quote_literal(format_timestamp_micros(std::get<int64_t>(stored)));
    case DataType::kDate:
      return quote_literal(format_date_days(std::get<int64_t>(stored)));
    case DataType::kTime:
      return quote_literal(format_time_micros(std::get<int64_t>(stored)));
    case DataType::kDecimal:
      return std::get<std::string>(stored);
    default:
      break;
  }
  if (const int64_t* integer = std::get_if<int64_t>(&stored)) return std::to_string(*integer);
  if (const double* real = std::get_if<double>(&stored)) {
    return std::isfinite(*real) ? format_double(*real) : quote_literal(format_double(*real));
  }
  return quote_literal(std::get<std::string>(stored));
}

std::string_view function_text(DefaultFunction function) {
  switch (function) {
    case DefaultFunction::kNow:
      return "NOW()";
    case DefaultFunction::kSnowflakeId:
      return "SNOWFLAKE_ID()";
    case DefaultFunction::kUuidV7:
      return "UUID_V7()";
    case DefaultFunction::kUlid:
      return "ULID()";
    case DefaultFunction::kCurrentUser:
      return "CURRENT_USER()";
    case DefaultFunction::kNone:
      break;
  }
  return "NULL";
}

}  // namespace

Result<DefaultSpec> parse_default(std::string_view expr_sql, const ColumnDef& column) {
  if (!is_valid_utf8(expr_sql)) return invalid_default(expr_sql, column, "not valid UTF-8");
  const std::string_view text = trim(expr_sql);
  if (text.empty()) return invalid_default(expr_sql, column, "empty expression");
  DefaultSpec spec;
  std::optional<Value> literal;
  if (text.front() == '\'') {
    std::optional<std::string> string = parse_string_literal(text);
    if (!string) return invalid_default(expr_sql, column, "not a single string literal");
    literal = Value(std::move(*string));
  } else if (iequals(text, "NULL")) {
    literal = Value();
  } else if (iequals(text, "TRUE")) {
    literal = Value(true);
  } else if (iequals(text, "FALSE")) {
    literal = Value(false);
  } else if (is_number_text(text)) {
    literal = numeric_literal_value(text, column);
    if (!literal) return invalid_default(expr_sql, column, "number out of range");
  } else if (auto call = parse_call(text)) {
    KALAM_ASSIGN_OR_RETURN(spec.function, resolve_function(expr_sql, call->first, call->second, column));
    return spec;
  } else {
    return invalid_default(expr_sql, column,
                           "only literals, NOW(), CURRENT_TIMESTAMP, SNOWFLAKE_ID(), UUID_V7(), ULID() and "
                           "CURRENT_USER() are allowed");
  }
  Result<Value> stored = coerce_value(*literal, column);
  if (!stored.is_ok()) {
    return invalid_default(expr_sql, column,
                           "the literal is not a valid " + column_type_sql(column) + " value");
  }
  spec.literal = std::move(stored).value();
  return spec;
}

Result<std::string> normalize_default(std::string_view expr_sql, const ColumnDef& column) {
  DefaultSpec spec;
  KALAM_ASSIGN_OR_RETURN(spec, parse_default(expr_sql, column));
  if (spec.function != DefaultFunction::kNone) {
    // CURRENT_TIMESTAMP keeps its spelling: it is what users wrote and what DESCRIBE shows.
    std::string upper = to_upper(trim(expr_sql));
    if (upper.rfind("CURRENT_TIMESTAMP", 0) == 0) return std::string("CURRENT_TIMESTAMP");
    return std::string(function_text(spec.function));
  }
  return render_literal(spec.literal, column);
}

Result<Value> evaluate_default(const DefaultSpec& spec, const ColumnDef& column,
                               const DefaultContext& context) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  switch (spec.function) {
    case DefaultFunction::kNone:
      return spec.literal;
    case DefaultFunction::kNow:
      if (column.type == DataType::kDate) {
        int64_t days = context.now_us / kMicrosPerDay;
        if (context.now_us % kMicrosPerDay < 0) --days;
        return Value(days);
      }
      if (column.type == DataType::kTime) {
        int64_t micros = context.now_us % kMicrosPerDay;
        return Value(micros < 0 ? micros + kMicrosPerDay : micros);
      }
      return coerce_value(Value(context.now_us), column);
    case DefaultFunction::kSnowflakeId:
      if (!context.next_snowflake_id) {
        return Status(ErrorCode::kInternalError, "SNOWFLAKE_ID() default evaluated without an id generator");
      }
      return coerce_value(Value(context.next_snowflake_id()), column);
    case DefaultFunction::kUuidV7:
      return coerce_value(Value(uuid_v7()), column);
    case DefaultFunction::kUlid:
      return coerce_value(Value(ulid()), column);
    case DefaultFunction::kCurrentUser:
      return coerce_value(Value(std::string(context.user_id)), column);
  }
  return Status(ErrorCode::kInternalError, "unknown DEFAULT function");
}

}  // namespace kalam
