// Planning reads of KalamDB tables in SQLite (xBestIndex): which access path a scan uses
// (a primary-key point or range, a secondary index, the `_seq` index, or the whole
// scope), which constraints it applies, whether it delivers SQLite's ORDER BY and stops
// at its LIMIT. The plan travels to xFilter as a TablePlan object stored after the
// human-readable description in idxStr (EXPLAIN shows the description).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/table_schema.h"
#include "common/value.h"

namespace kalam {

struct TablePlan {
  enum class Access : uint8_t {
    kFullScan,    // every row of the scope, in primary-key order
    kRowid,       // argv[0]: a rowid this statement already met
    kPkPoint,     // argv: every primary-key column, in key order
    kPkRange,     // argv: eq_count leading key columns, then bounds, then LIMIT
    kIndexRange,  // the same over index `index_id`'s columns
    kSeqRange,    // argv: bounds on _seq, then LIMIT
    // A small scope read into memory once per statement, narrowed by equalities on
    // other columns through hash look-ups; argv: one value per bit of `eq_columns`, in
    // column order.
    kScopeEquality,
  };
  static constexpr uint32_t kMagic = 0x4b504c4eu;  // "KPLN"
  uint32_t magic = kMagic;
  Access access = Access::kFullScan;
  uint32_t index_id = 0;
  uint8_t eq_count = 0;
  char lower = 0;  // 0, 'G' (>) or 'L' (>=): a bound in argv after the equalities
  char upper = 0;  // 0, 'T' (<) or 'U' (<=)
  bool descending = false;
  bool has_limit = false;  // a LIMIT in argv after the bounds
  bool include_deleted = false;
  uint64_t col_used = 0;    // SQLite's colUsed: the columns the statement reads
  uint64_t eq_columns = 0;  // kScopeEquality: bit n = column position n (n < 64)
};

// A scope of at most this many rows may be read into memory whole, once per statement
// (kScopeEquality, and whole scans repeated by correlated subqueries).
inline constexpr size_t kMaxCachedScopeRows = 4096;

// xBestIndex of the kalam_table module for `schema`; `estimated_rows` is the planner's
// guess of the scope's size.
int plan_table_scan(const TableSchema& schema, double estimated_rows, sqlite3_index_info* info);

// The plan stored in an idxStr by plan_table_scan; nullopt for anything else.
std::optional<TablePlan> decode_table_plan(const char* idx_str);

// A constraint value turned into the stored form of a key column, when comparing the
// encoded keys gives exactly SQLite's answer for `column <op> value`; `value` empty when
// only SQLite can tell (its affinity rules would convert the value, or a conversion
// would change it), and `never` when no row can match (NULL).
struct KeyProbe {
  bool never = false;
  std::optional<Value> value;
};
KeyProbe key_probe(sqlite3_value* value, const ColumnDef& column);

// Equality keys of SQL values, for hash look-ups: a stored value, and a constraint value
// compared with a column of `type` ("" when only SQLite's affinity rules can tell; nullopt
// for NULL, which equals nothing).
std::optional<std::string> stored_equality_key(const Value& value);
std::optional<std::string> probe_equality_key(sqlite3_value* value, DataType type);

}  // namespace kalam
