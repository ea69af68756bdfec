// Definition model of USER, SHARED and STREAM tables (columns, options, schema history),
// its JSON persistence, and validation of column DEFAULT expressions (spec/sql.md § Tables).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/data_type.h"
#include "common/status.h"
#include "common/value.h"

namespace kalam {

enum class TableType : uint8_t { kUser, kShared, kStream };
enum class AccessLevel : uint8_t { kPublic, kPrivate, kRestricted };

// "USER" | "SHARED" | "STREAM".
std::string_view table_type_name(TableType type);
// Case-insensitive; std::nullopt for anything else.
std::optional<TableType> parse_table_type(std::string_view name);
// "PUBLIC" | "PRIVATE" | "RESTRICTED".
std::string_view access_level_name(AccessLevel level);
// Case-insensitive; std::nullopt for anything else.
std::optional<AccessLevel> parse_access_level(std::string_view name);

// The hidden system columns every table has (spec/model.md § System columns). Users may
// not declare columns with these names.
inline constexpr std::string_view kSeqColumnName = "_seq";
inline constexpr std::string_view kDeletedColumnName = "_deleted";
bool is_system_column_name(std::string_view name);

// DECIMAL without (p,s) means DECIMAL(38,10); 38 is also the largest precision.
inline constexpr int32_t kDefaultDecimalPrecision = 38;
inline constexpr int32_t kDefaultDecimalScale = 10;
inline constexpr int32_t kMaxDecimalPrecision = 38;

struct ColumnDef {
  uint32_t column_id = 0;  // stable across renames; never reused within a table
  std::string name;
  DataType type = DataType::kText;
  int32_t max_length = 0;            // VARCHAR(n)/CHAR(n); 0 = unlimited
  int32_t precision = 0, scale = 0;  // DECIMAL(p,s); 0/0 = DECIMAL(38,10)
  bool nullable = true;
  // Normalized SQL (see normalize_default): a literal ('text', 42, 1.5, TRUE, NULL) or
  // NOW(), CURRENT_TIMESTAMP, SNOWFLAKE_ID(), UUID_V7(), ULID(), CURRENT_USER().
  std::optional<std::string> default_expr;
  int32_t pk_position = -1;  // 0-based position in the primary key, -1 = not part of it
  bool unique = false;       // UNIQUE: no two live rows of a scope share a non-NULL value

  // Effective DECIMAL precision/scale (38,10 when precision is 0).
  int32_t decimal_precision() const { return precision > 0 ? precision : kDefaultDecimalPrecision; }
  int32_t decimal_scale() const { return precision > 0 ? scale : kDefaultDecimalScale; }
};

// The column's type as SQL shows it: "BIGINT", "VARCHAR(20)", "DECIMAL(10,2)",
// "DECIMAL(38,10)" for a bare DECIMAL. Used by DESCRIBE, system.columns and errors.
std::string column_type_sql(const ColumnDef& column);

struct SchemaVersion {
  int32_t version = 1;
  std::vector<ColumnDef> columns;  // in ordinal (declaration) order
  int64_t created_at_us = 0;
};

struct TableOptions {
  std::string storage_id = "local";
  int64_t flush_row_limit = 0;         // 0 = inherit [flush] default_row_limit
  int64_t flush_interval_seconds = 0;  // 0 = inherit [flush] default_interval_seconds
  int64_t deleted_retention_hours = 168;
  int64_t ttl_seconds = 0;                           // STREAM tables only
  AccessLevel access_level = AccessLevel::kPrivate;  // SHARED tables only
};

// A secondary index of one table (spec/sql.md § Tables: CREATE [UNIQUE] INDEX). Entries
// are kept per scope (a USER table's index covers each user's rows separately) and point
// at primary keys. A UNIQUE column is enforced by an implicit UNIQUE index.
enum class IndexState : uint8_t {
  kBuilding,  // maintained by every write, filled from existing rows; not used by queries
  kReady,     // complete: queries and UNIQUE checks rely on it
};
struct IndexDef {
  uint32_t index_id = 0;             // unique within the table, never reused
  std::string name;                  // unique within the namespace among indexes
  std::vector<uint32_t> column_ids;  // key columns, in order
  std::vector<bool> descending;      // as declared (entries are stored ascending either way)
  bool unique = false;
  bool implicit = false;  // made for a column's UNIQUE constraint; lives and dies with it
  IndexState state = IndexState::kReady;
  // REINDEX: this building copy replaces index `replaces_index_id` (same name) once
  // filled; 0 for every other index.
  uint32_t replaces_index_id = 0;
  std::string created_by;
  int64_t created_at_us = 0;
};

struct TableSchema {
  uint64_t table_id = 0;
  std::string namespace_id;
  std::string table_name;
  TableType table_type = TableType::kShared;
  TableOptions options;
  std::vector<SchemaVersion> versions;  // history, ascending; back() = current
  bool hidden_primary_key = false;      // no PK declared: rows keyed by their first _seq
  uint32_t next_column_id = 1;
  std::string created_by;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
  std::vector<IndexDef> indexes;  // in index_id order
  uint32_t next_index_id = 1;
  // Bumped by every change of `indexes`: a commit whose writes were derived from another
  // epoch's index set is not applied (see table_store/table_store.h).
  uint64_t index_epoch = 0;

  // REQUIRES: !versions.empty() (decode_table_schema guarantees it). On an empty history
  // returns an empty version numbered 0 instead of crashing.
  const SchemaVersion& current() const;
  int32_t schema_version() const { return current().version; }
  // Column of the current version by name; case-sensitive (names are stored lower-case
  // unless quoted). nullptr when absent. System columns are not listed.
  const ColumnDef* find_column(std::string_view name) const;
  // Column of the current version by id; nullptr when absent (e.g. dropped).
  const ColumnDef* find_column_by_id(uint32_t column_id) const;
  // Primary-key columns of the current version in key order; empty for a hidden key.
  std::vector<const ColumnDef*> primary_key() const;
  // The version numbered `v` from the history; nullptr when unknown.
  const SchemaVersion* version(int32_t v) const;
  // Index by id or by name; nullptr when absent.
  const IndexDef* find_index(uint32_t index_id) const;
  const IndexDef* find_index(std::string_view name) const;

  std::string qualified_name() const { return namespace_id + "." + table_name; }
};

// Adds an implicit UNIQUE index for every UNIQUE column of the current version that has
// none, named `<table>_<column>_key` (with a `_<n>` suffix when `name_taken` says the name
// is used). New indexes get `state`. Returns their ids; bumps index_epoch when any.
std::vector<uint32_t> add_implicit_unique_indexes(TableSchema& schema, IndexState state,
                                                  std::string_view created_by, int64_t now_us,
                                                  const std::function<bool(std::string_view)>& name_taken);

// "col1 DESC, col0": an index's columns as written (current column names).
std::string index_columns_sql(const TableSchema& schema, const IndexDef& index);

// JSON text of the whole definition, history included. Deterministic.
std::string encode_table_schema(const TableSchema& schema);
// Inverse of encode_table_schema; unknown fields are ignored. Corrupt input (not JSON,
// missing or mistyped required fields, unknown type names, an empty history, duplicate
// column ids within a version) → kInternalStorageError.
Result<TableSchema> decode_table_schema(std::string_view json);

// What a validated DEFAULT does at insert time.
enum class DefaultFunction : uint8_t {
  kNone,         // a literal: DefaultSpec::literal holds the stored value
  kNow,          // NOW() / CURRENT_TIMESTAMP
  kSnowflakeId,  // SNOWFLAKE_ID()
  kUuidV7,       // UUID_V7()
  kUlid,         // ULID()
  kCurrentUser,  // CURRENT_USER()
};

struct DefaultSpec {
  DefaultFunction function = DefaultFunction::kNone;
  Value literal;  // stored form (coerce_value output) when function == kNone
};

// Parses and type-checks a DEFAULT expression for `column`. Accepted (surrounding
// whitespace ignored, keywords case-insensitive):
//   - NULL, TRUE, FALSE, a number ([+-]digits[.digits][e[+-]digits]) or a string literal
//     ('it''s'), when coerce_value accepts it for the column;
//   - NOW() / CURRENT_TIMESTAMP[()] for TIMESTAMP, DATE, TIME; SNOWFLAKE_ID() for BIGINT;
//     UUID_V7() for UUID or TEXT; ULID() for TEXT; CURRENT_USER[()] for TEXT (VARCHAR(n)
//     only when n is long enough for the generated value).
// Anything else (other functions, operators, casts, comments, trailing text, invalid
// UTF-8) → kInvalidArgument with details argument = "default" and column = column name.
Result<DefaultSpec> parse_default(std::string_view expr_sql, const ColumnDef& column);

// parse_default, then the normalized text to store in ColumnDef::default_expr: functions
// upper-case (NOW(), CURRENT_TIMESTAMP, SNOWFLAKE_ID(), UUID_V7(), ULID(), CURRENT_USER()),
// literals in the canonical form of the column's type, e.g. 42 for INT ('42' too),
// 'abc', TRUE, NULL, 12.50 for DECIMAL(4,2), '2026-11-24T10:15:30.000000Z' for TIMESTAMP,
// '2026-11-24' for DATE. parse_default(normalize_default(x)) yields the same DefaultSpec.
Result<std::string> normalize_default(std::string_view expr_sql, const ColumnDef& column);

// What evaluating a DEFAULT function needs from the statement.
struct DefaultContext {
  int64_t now_us = 0;                          // statement time (µs since epoch)
  std::string_view user_id;                    // the effective user
  std::function<int64_t()> next_snowflake_id;  // required for SNOWFLAKE_ID()
};

// The stored value a DEFAULT yields for one row: the literal, or the function's result in
// the column's stored form (NOW() into DATE → days, into TIME → µs since midnight).
// Errors: TYPE_MISMATCH when the result does not fit the column (e.g. a user id longer
// than VARCHAR(n)), kInternalError when SNOWFLAKE_ID() has no generator.
Result<Value> evaluate_default(const DefaultSpec& spec, const ColumnDef& column,
                               const DefaultContext& context);

}  // namespace kalam
