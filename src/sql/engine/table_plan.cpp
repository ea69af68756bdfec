// Access-path choice for KalamDB tables (see table_plan.h). Costs are honest relative
// estimates: a primary-key read touches one row per row returned, an index or `_seq`
// read two (the entry and its row); every constraint narrows the guess of the scope's
// size. Nothing here reads the table.
#include "sql/engine/table_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "sql/engine/time_values.h"

namespace kalam {
namespace {

bool numeric_type(DataType type) {
  switch (type) {
    case DataType::kBoolean:
    case DataType::kSmallInt:
    case DataType::kInt:
    case DataType::kBigInt:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kTimestamp:
    case DataType::kDate:
    case DataType::kTime:
      return true;
    default:
      return false;
  }
}

// Whether SQLite compares text with this column's values byte by byte: TEXT columns
// (TEXT affinity) and UUIDs (canonical, never number-like). DECIMAL, JSON and BYTES are
// declared with NUMERIC affinity, so SQLite turns a stored value that looks like a
// number ("1.50", "5") into a number before comparing: only SQLite can tell.
bool text_compares_as_stored(DataType type) { return type == DataType::kText || type == DataType::kUuid; }

// True when SQLite could read `text` as a number (then NUMERIC affinity converts it).
bool may_look_numeric(std::string_view text) {
  return text.find_first_not_of("0123456789+-.eE \t\n\r\f\v") == std::string_view::npos;
}

// Types whose distinct stored values SQLite may still find equal (JSON '5' and '5.0',
// REAL -0.0 and 0.0): an equality on them does not pin one key prefix, so rows after it
// are not in the next column's order.
bool equality_pins_one_value(DataType type) {
  return type != DataType::kFloat && type != DataType::kDouble && type != DataType::kDecimal &&
         type != DataType::kJson && type != DataType::kBytes;
}

struct ColumnConstraints {
  int eq = -1;
  int lower = -1;
  int upper = -1;
};

// One way to read the scope: the primary key, an index, or the _seq index.
struct Candidate {
  TablePlan plan;
  double cost = 0;
  double rows = 0;
  std::vector<int> argv;  // constraint indexes in argv order
  bool order_consumed = false;
  int limit_constraint = -1;
  std::string description;
};

// Whether `argv` holds every WHERE term (LIMIT and OFFSET aside): a read that applies
// them all exactly may stop at the LIMIT.
bool applies_every_term(const sqlite3_index_info* info, const std::vector<int>& argv) {
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    int op = info->aConstraint[idx].op;
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT || op == SQLITE_INDEX_CONSTRAINT_OFFSET) continue;
    if (std::find(argv.begin(), argv.end(), idx) == argv.end()) return false;
  }
  return true;
}

}  // namespace

namespace {

std::string number_key(double number) {
  if (number >= -9.2e18 && number <= 9.2e18 && number == static_cast<double>(static_cast<int64_t>(number))) {
    return "n" + std::to_string(static_cast<int64_t>(number));
  }
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "n%.17g", number);
  return buffer;
}

}  // namespace

std::optional<std::string> stored_equality_key(const Value& value) {
  if (is_null(value)) return std::nullopt;
  if (const auto* boolean = std::get_if<bool>(&value)) return std::string(*boolean ? "n1" : "n0");
  if (const auto* integer = std::get_if<int64_t>(&value)) return "n" + std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) {
    if (std::isnan(*real)) return std::string("tNaN");  // SQLite sees the text 'NaN'
    return number_key(*real);
  }
  return "t" + std::get<std::string>(value);
}

std::optional<std::string> probe_equality_key(sqlite3_value* value, DataType type) {
  if (sqlite3_value_type(value) == SQLITE_NULL) return std::nullopt;
  if (is_time_type(type)) return std::string();  // kalam_time equality: SQLite checks it
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_INTEGER:
      if (!numeric_type(type)) return std::string();
      return "n" + std::to_string(sqlite3_value_int64(value));
    case SQLITE_FLOAT:
      if (!numeric_type(type)) return std::string();
      return number_key(sqlite3_value_double(value));
    case SQLITE_TEXT: {
      std::string text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                       static_cast<size_t>(sqlite3_value_bytes(value)));
      // Numeric affinity may convert the value or the stored text: let SQLite decide.
      if (!text_compares_as_stored(type) || (type == DataType::kUuid && may_look_numeric(text))) {
        return std::string();
      }
      return "t" + text;
    }
    default:
      return std::string();
  }
}

KeyProbe key_probe(sqlite3_value* value, const ColumnDef& column) {
  KeyProbe probe;
  if (is_time_type(column.type)) {
    // Under kalam_time only text names an instant (a number sorts before every text).
    if (sqlite3_value_type(value) == SQLITE_NULL) {
      probe.never = true;
    } else if (sqlite3_value_type(value) == SQLITE_TEXT) {
      std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                            static_cast<size_t>(sqlite3_value_bytes(value)));
      if (auto stored = stored_time_of(text, column.type)) probe.value = Value(*stored);
    }
    return probe;
  }
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
      probe.never = true;
      return probe;
    case SQLITE_INTEGER: {
      int64_t number = sqlite3_value_int64(value);
      if (column.type == DataType::kBoolean) {
        if (number == 0 || number == 1) probe.value = Value(number == 1);
      } else if (column.type == DataType::kFloat || column.type == DataType::kDouble) {
        // (zero: -0.0 and 0.0 are equal in SQLite; leave them to it)
        if (number != 0 && number > -(int64_t{1} << 53) && number < (int64_t{1} << 53))
          probe.value = Value(static_cast<double>(number));
      } else if (numeric_type(column.type)) {  // stored as int64: compared as integers
        probe.value = Value(number);
      }
      return probe;
    }
    case SQLITE_FLOAT: {
      double number = sqlite3_value_double(value);
      if (column.type == DataType::kFloat || column.type == DataType::kDouble) {
        if (!std::isnan(number) && number != 0) probe.value = Value(number);
      } else if (numeric_type(column.type) && column.type != DataType::kBoolean && number >= -9.2e18 &&
                 number <= 9.2e18 && number == static_cast<double>(static_cast<int64_t>(number))) {
        probe.value = Value(static_cast<int64_t>(number));
      }
      return probe;
    }
    case SQLITE_TEXT: {
      if (!text_compares_as_stored(column.type)) return probe;
      std::string text(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                       static_cast<size_t>(sqlite3_value_bytes(value)));
      // UUIDs are declared with NUMERIC affinity, which turns number-like text into a
      // number (a stored UUID never looks like one).
      if (column.type == DataType::kUuid && may_look_numeric(text)) return probe;
      probe.value = Value(std::move(text));
      return probe;
    }
    default:
      return probe;
  }
}

int plan_table_scan(const TableSchema& schema, double estimated_rows, sqlite3_index_info* info) {
  const auto& columns = schema.current().columns;
  const int column_count = static_cast<int>(columns.size());
  const int seq_column = column_count;
  const int deleted_column = column_count + 1;
  const double rows = std::max(1.0, estimated_rows);
  bool include_deleted = false;
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    if (info->aConstraint[idx].iColumn == deleted_column) include_deleted = true;
  }
  // Pushed-down comparisons are byte-wise: a constraint under another collation
  // (`= 'ALICE' COLLATE NOCASE`) is left to SQLite.
  // TIMESTAMP, DATE and TIME columns compare under kalam_time, which key_probe applies
  // exactly (the instant a text names against the stored instant).
  std::vector<char> usable(static_cast<size_t>(info->nConstraint));
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const char* collation = sqlite3_vtab_collation(info, idx);
    int column = info->aConstraint[idx].iColumn;
    bool time_column =
        column >= 0 && column < column_count && is_time_type(columns[static_cast<size_t>(column)].type);
    bool expected =
        collation == nullptr || sqlite3_stricmp(collation, time_column ? kTimeCollation : "BINARY") == 0;
    usable[static_cast<size_t>(idx)] = info->aConstraint[idx].usable && expected;
  }
  auto finish = [&](Candidate& chosen) {
    chosen.plan.include_deleted = include_deleted;
    chosen.plan.col_used = static_cast<uint64_t>(info->colUsed);
    int argv_index = 0;
    for (int constraint : chosen.argv) info->aConstraintUsage[constraint].argvIndex = ++argv_index;
    if (chosen.plan.access == TablePlan::Access::kRowid) info->aConstraintUsage[chosen.argv[0]].omit = 1;
    if (chosen.order_consumed) info->orderByConsumed = 1;
    info->estimatedCost = chosen.cost;
    info->estimatedRows = static_cast<sqlite3_int64>(std::max(1.0, chosen.rows));
    if (chosen.rows <= 1.0 && (chosen.plan.access == TablePlan::Access::kRowid ||
                               chosen.plan.access == TablePlan::Access::kPkPoint)) {
      info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
    }
    info->idxNum = static_cast<int>(chosen.plan.access);
    // idxStr: the description, a NUL, then the plan object.
    size_t text_size = chosen.description.size() + 1;
    char* buffer = static_cast<char*>(sqlite3_malloc64(text_size + sizeof(TablePlan)));
    if (buffer == nullptr) return SQLITE_NOMEM;
    std::memcpy(buffer, chosen.description.c_str(), text_size);
    std::memcpy(buffer + text_size, &chosen.plan, sizeof(TablePlan));
    info->idxStr = buffer;
    info->needToFreeIdxStr = 1;
    return SQLITE_OK;
  };

  // rowid = ?: a row the statement already met (rowids are per statement).
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (!usable[static_cast<size_t>(idx)] || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ ||
        constraint.iColumn != -1)
      continue;
    Candidate rowid;
    rowid.plan.access = TablePlan::Access::kRowid;
    rowid.argv = {idx};
    rowid.cost = 1;
    rowid.rows = 1;
    rowid.description = "ROWID (rowid=?)";
    return finish(rowid);
  }

  std::vector<ColumnConstraints> by_column(static_cast<size_t>(column_count + 1));
  int limit = -1;
  bool has_offset = false;
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (constraint.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (usable[static_cast<size_t>(idx)]) limit = idx;
      continue;
    }
    if (constraint.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      has_offset = true;
      continue;
    }
    if (!usable[static_cast<size_t>(idx)] || constraint.iColumn < 0 || constraint.iColumn > seq_column)
      continue;
    ColumnConstraints& slot = by_column[static_cast<size_t>(constraint.iColumn)];
    switch (constraint.op) {
      case SQLITE_INDEX_CONSTRAINT_EQ:
        if (slot.eq < 0) slot.eq = idx;
        break;
      case SQLITE_INDEX_CONSTRAINT_GT:
      case SQLITE_INDEX_CONSTRAINT_GE:
        if (slot.lower < 0) slot.lower = idx;
        break;
      case SQLITE_INDEX_CONSTRAINT_LT:
      case SQLITE_INDEX_CONSTRAINT_LE:
        if (slot.upper < 0) slot.upper = idx;
        break;
      default:
        break;
    }
  }
  // The LIMIT's value when it is a constant (else a guess), for costs only.
  double limit_rows = 10;
  if (limit >= 0) {
    sqlite3_value* value = nullptr;
    if (sqlite3_vtab_rhs_value(info, limit, &value) == SQLITE_OK && value != nullptr &&
        sqlite3_value_type(value) == SQLITE_INTEGER) {
      limit_rows = std::max<double>(1, static_cast<double>(sqlite3_value_int64(value)));
    }
  }
  auto position_of = [&](uint32_t column_id) {
    for (int col = 0; col < column_count; ++col) {
      if (columns[static_cast<size_t>(col)].column_id == column_id) return col;
    }
    return -1;
  };
  std::vector<int> pk_positions;
  for (const ColumnDef* pk : schema.primary_key()) pk_positions.push_back(position_of(pk->column_id));

  auto bound_text = [&](int constraint) {
    switch (info->aConstraint[constraint].op) {
      case SQLITE_INDEX_CONSTRAINT_GT:
        return ">?";
      case SQLITE_INDEX_CONSTRAINT_GE:
        return ">=?";
      case SQLITE_INDEX_CONSTRAINT_LT:
        return "<?";
      default:
        return "<=?";
    }
  };
  auto column_name = [&](int position) {
    return position == seq_column ? std::string("_seq") : columns[static_cast<size_t>(position)].name;
  };

  // A key path: `key` are the positions of the columns entries are ordered by (for an
  // index: its columns, then the primary key), the first `searchable` of which can take
  // equalities and a range.
  auto evaluate = [&](TablePlan::Access access, uint32_t index_id, const std::vector<int>& key,
                      size_t searchable, bool unique, double per_row, std::string name) {
    Candidate candidate;
    candidate.plan.access = access;
    candidate.plan.index_id = index_id;
    size_t eq_count = 0;
    while (eq_count < searchable && key[eq_count] >= 0 &&
           by_column[static_cast<size_t>(key[eq_count])].eq >= 0)
      ++eq_count;
    bool in_list = false;
    bool pins = true;
    std::string terms;
    for (size_t pos = 0; pos < eq_count; ++pos) {
      int constraint = by_column[static_cast<size_t>(key[pos])].eq;
      candidate.argv.push_back(constraint);
      in_list = in_list || sqlite3_vtab_in(info, constraint, -1) != 0;
      pins = pins && equality_pins_one_value(columns[static_cast<size_t>(key[pos])].type);
      terms += (terms.empty() ? "" : " AND ") + column_name(key[pos]) + "=?";
    }
    candidate.plan.eq_count = static_cast<uint8_t>(eq_count);
    double estimate = rows;
    for (size_t pos = 0; pos < eq_count; ++pos) estimate = std::max(1.0, estimate / 10.0);
    if (unique && eq_count == searchable) estimate = 1;
    int lower = -1;
    int upper = -1;
    if (eq_count < searchable && key[eq_count] >= 0) {
      lower = by_column[static_cast<size_t>(key[eq_count])].lower;
      upper = by_column[static_cast<size_t>(key[eq_count])].upper;
    }
    if (lower >= 0) {
      candidate.argv.push_back(lower);
      candidate.plan.lower = info->aConstraint[lower].op == SQLITE_INDEX_CONSTRAINT_GT ? 'G' : 'L';
      terms += (terms.empty() ? "" : " AND ") + column_name(key[eq_count]) + bound_text(lower);
    }
    if (upper >= 0) {
      candidate.argv.push_back(upper);
      candidate.plan.upper = info->aConstraint[upper].op == SQLITE_INDEX_CONSTRAINT_LT ? 'T' : 'U';
      terms += (terms.empty() ? "" : " AND ") + column_name(key[eq_count]) + bound_text(upper);
    }
    if (lower >= 0 || upper >= 0) estimate = std::max(1.0, estimate / (lower >= 0 && upper >= 0 ? 8.0 : 3.0));
    // ORDER BY: the terms left after those on equality columns must follow the key
    // from the first column after the equalities, in one direction.
    bool ordered = info->nOrderBy > 0 && !in_list && pins;
    bool descending = false;
    size_t next = eq_count;
    for (int term = 0; term < info->nOrderBy && ordered; ++term) {
      int column = info->aOrderBy[term].iColumn;
      bool on_equality = false;
      for (size_t pos = 0; pos < eq_count; ++pos) on_equality = on_equality || key[pos] == column;
      if (on_equality) continue;
      if (next >= key.size() || key[next] != column) {
        ordered = false;
        break;
      }
      bool desc = info->aOrderBy[term].desc != 0;
      if (next > eq_count && desc != descending) ordered = false;
      descending = desc;
      ++next;
    }
    candidate.order_consumed = ordered;
    candidate.plan.descending = ordered && descending;
    // A LIMIT stops the read when every WHERE term is applied here exactly and rows come
    // in the order SQLite wants (or any order, with no ORDER BY).
    bool limit_ok = limit >= 0 && !has_offset && !in_list && (info->nOrderBy == 0 || ordered) &&
                    applies_every_term(info, candidate.argv);
    if (limit_ok) {
      candidate.argv.push_back(limit);
      candidate.plan.has_limit = true;
      estimate = std::min(estimate, limit_rows);
    }
    candidate.rows = estimate;
    candidate.cost = per_row * estimate + (access == TablePlan::Access::kPkRange ? 0.5 : 1.0);
    candidate.description = name + (terms.empty() ? "" : " (" + terms + ")") + (ordered ? " ORDER" : "") +
                            (candidate.plan.descending ? " DESC" : "") + (limit_ok ? " LIMIT" : "");
    return candidate;
  };

  Candidate best;
  best.plan.access = TablePlan::Access::kFullScan;
  best.rows = rows;
  best.cost = rows + 1.0;
  best.description = "FULL SCAN";
  auto consider = [&](Candidate candidate) {
    if (candidate.argv.empty() && !candidate.order_consumed) return;  // nothing gained
    if (candidate.cost < best.cost ||
        (candidate.cost == best.cost && candidate.order_consumed && !best.order_consumed))
      best = std::move(candidate);
  };

  // The primary key: a point look-up when every key column has an equality.
  if (!schema.hidden_primary_key && !pk_positions.empty()) {
    bool full_key = true;
    for (int position : pk_positions)
      full_key = full_key && position >= 0 && by_column[static_cast<size_t>(position)].eq >= 0;
    if (full_key) {
      Candidate point;
      point.plan.access = TablePlan::Access::kPkPoint;
      std::string terms;
      for (int position : pk_positions) {
        point.argv.push_back(by_column[static_cast<size_t>(position)].eq);
        terms += (terms.empty() ? "" : " AND ") + column_name(position) + "=?";
      }
      point.plan.eq_count = static_cast<uint8_t>(pk_positions.size());
      point.rows = 1;
      point.cost = 1;
      point.description = "PRIMARY KEY (" + terms + ")";
      return finish(point);
    }
    consider(evaluate(TablePlan::Access::kPkRange, 0, pk_positions, pk_positions.size(), true, 1.0,
                      "PRIMARY KEY RANGE"));
  }
  // Secondary indexes (not for tombstones, which they do not hold).
  if (!include_deleted) {
    for (const IndexDef& index : schema.indexes) {
      if (index.state != IndexState::kReady) continue;
      std::vector<int> key;
      for (uint32_t column_id : index.column_ids) key.push_back(position_of(column_id));
      if (std::find(key.begin(), key.end(), -1) != key.end()) continue;
      size_t searchable = key.size();
      if (!schema.hidden_primary_key) key.insert(key.end(), pk_positions.begin(), pk_positions.end());
      consider(evaluate(TablePlan::Access::kIndexRange, index.index_id, key, searchable, index.unique, 2.0,
                        "INDEX " + index.name));
    }
  }
  // The _seq index: bounds (or an equality) on _seq.
  const ColumnConstraints& seq = by_column[static_cast<size_t>(seq_column)];
  if (seq.eq >= 0 || seq.lower >= 0 || seq.upper >= 0) {
    Candidate candidate;
    candidate.plan.access = TablePlan::Access::kSeqRange;
    std::string terms;
    if (seq.eq >= 0) {
      candidate.argv.push_back(seq.eq);
      candidate.plan.lower = 'E';
      terms = "_seq=?";
      candidate.rows = 1;
    } else {
      if (seq.lower >= 0) {
        candidate.argv.push_back(seq.lower);
        candidate.plan.lower = info->aConstraint[seq.lower].op == SQLITE_INDEX_CONSTRAINT_GT ? 'G' : 'L';
        terms = std::string("_seq") + bound_text(seq.lower);
      }
      if (seq.upper >= 0) {
        candidate.argv.push_back(seq.upper);
        candidate.plan.upper = info->aConstraint[seq.upper].op == SQLITE_INDEX_CONSTRAINT_LT ? 'T' : 'U';
        terms += (terms.empty() ? "" : " AND ") + std::string("_seq") + bound_text(seq.upper);
      }
      candidate.rows = std::max(1.0, rows / (seq.lower >= 0 && seq.upper >= 0 ? 8.0 : 3.0));
    }
    bool ordered = info->nOrderBy == 1 && info->aOrderBy[0].iColumn == seq_column;
    candidate.order_consumed = ordered;
    candidate.plan.descending = ordered && info->aOrderBy[0].desc != 0;
    bool limit_ok = limit >= 0 && !has_offset && (info->nOrderBy == 0 || ordered) &&
                    applies_every_term(info, candidate.argv);
    if (limit_ok) {
      candidate.argv.push_back(limit);
      candidate.plan.has_limit = true;
      candidate.rows = std::min(candidate.rows, limit_rows);
    }
    candidate.cost = 2.0 * candidate.rows + 1.0;
    candidate.description = "_SEQ RANGE (" + terms + ")" + (ordered ? " ORDER" : "") +
                            (candidate.plan.descending ? " DESC" : "") + (limit_ok ? " LIMIT" : "");
    consider(std::move(candidate));
  }
  // A small scope without a better path: equalities on any columns, answered by hash
  // look-ups in memory (a correlated subquery probes it once per outer row).
  if (best.plan.access == TablePlan::Access::kFullScan && rows <= static_cast<double>(kMaxCachedScopeRows)) {
    Candidate candidate;
    candidate.plan.access = TablePlan::Access::kScopeEquality;
    std::string terms;
    double estimate = rows;
    for (int column = 0; column < std::min(column_count, 64); ++column) {
      int constraint = by_column[static_cast<size_t>(column)].eq;
      if (constraint < 0) continue;
      candidate.plan.eq_columns |= uint64_t{1} << column;
      candidate.argv.push_back(constraint);
      terms += (terms.empty() ? "" : " AND ") + column_name(column) + "=?";
      estimate = std::max(1.0, estimate / 10.0);
    }
    if (!candidate.argv.empty()) {
      candidate.rows = estimate;
      candidate.cost = estimate + 2.0;  // look-ups in memory, once the scope is read
      candidate.description = "SCOPE IN MEMORY (" + terms + ")";
      consider(std::move(candidate));
    }
  }
  // A full scan with no WHERE term and no ORDER BY stops at a LIMIT too.
  if (best.plan.access == TablePlan::Access::kFullScan && limit >= 0 && !has_offset && info->nOrderBy == 0 &&
      applies_every_term(info, {})) {
    best.plan.access = TablePlan::Access::kPkRange;
    best.plan.has_limit = true;
    best.argv = {limit};
    best.rows = std::min(rows, limit_rows);
    best.cost = best.rows + 0.5;
    best.description = "FULL SCAN LIMIT";
  }
  return finish(best);
}

std::optional<TablePlan> decode_table_plan(const char* idx_str) {
  if (idx_str == nullptr) return std::nullopt;
  size_t text_size = std::strlen(idx_str) + 1;
  TablePlan plan;
  std::memcpy(&plan, idx_str + text_size, sizeof(TablePlan));
  if (plan.magic != TablePlan::kMagic) return std::nullopt;
  return plan;
}

}  // namespace kalam
