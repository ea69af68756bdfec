// Live filters on SQLite: the `kalam_live_row` module (one row, the one being checked)
// and a sandboxed connection that compiles `SELECT 1 FROM <row> WHERE <condition>`.
#include "live/row_filter.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "common/string_util.h"
#include "sql/engine/sandbox.h"
#include "sql/engine/sqlite_value.h"
#include "sql/engine/time_values.h"
#include "sql/parser/token.h"

namespace kalam {
namespace {

struct RowVtab {
  sqlite3_vtab base{};
  FilterEngine* engine = nullptr;
  int slot = 0;
};

struct RowCursor {
  sqlite3_vtab_cursor base{};
  bool eof = true;
};

int row_connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  auto* engine = static_cast<FilterEngine*>(aux);
  if (argc < 4) return SQLITE_ERROR;
  int number = std::atoi(argv[3]);
  FilterEngine::Slot* slot = engine->slot(number);
  if (slot == nullptr || !slot->schema) {
    *error = sqlite3_mprintf("unknown live row slot %s", argv[3]);
    return SQLITE_ERROR;
  }
  // The declaration of table_vtab.cpp's table_connect: same names, types and collations.
  std::string ddl = "CREATE TABLE x(";
  for (const ColumnDef& column : slot->schema->current().columns) {
    ddl += "\"" + column.name + "\" " + std::string(data_type_name(column.type));
    if (is_time_type(column.type)) ddl += std::string(" COLLATE ") + kTimeCollation;
    ddl += ", ";
  }
  ddl += "\"_seq\" BIGINT HIDDEN)";
  int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) return rc;
  auto vtab = std::make_unique<RowVtab>();
  vtab->engine = engine;
  vtab->slot = number;
  *out = &vtab.release()->base;
  return SQLITE_OK;
}

int row_disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<RowVtab*>(vtab);
  return SQLITE_OK;
}

int row_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  info->estimatedCost = 1.0;
  info->estimatedRows = 1;
  return SQLITE_OK;
}

int row_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new RowCursor())->base;
  return SQLITE_OK;
}

int row_close(sqlite3_vtab_cursor* cursor) {
  delete reinterpret_cast<RowCursor*>(cursor);
  return SQLITE_OK;
}

int row_filter(sqlite3_vtab_cursor* base, int, const char*, int, sqlite3_value**) {
  auto* cursor = reinterpret_cast<RowCursor*>(base);
  auto* vtab = reinterpret_cast<RowVtab*>(base->pVtab);
  FilterEngine::Slot* slot = vtab->engine->slot(vtab->slot);
  cursor->eof = slot == nullptr || slot->row == nullptr;
  return SQLITE_OK;
}

int row_next(sqlite3_vtab_cursor* base) {
  reinterpret_cast<RowCursor*>(base)->eof = true;
  return SQLITE_OK;
}

int row_eof(sqlite3_vtab_cursor* base) { return reinterpret_cast<RowCursor*>(base)->eof ? 1 : 0; }

int row_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* vtab = reinterpret_cast<RowVtab*>(base->pVtab);
  FilterEngine::Slot* slot = vtab->engine->slot(vtab->slot);
  if (slot == nullptr || slot->row == nullptr || column < 0 ||
      static_cast<size_t>(column) >= slot->row->size()) {
    sqlite3_result_null(context);
    return SQLITE_OK;
  }
  sqlite_result_value(context, (*slot->row)[static_cast<size_t>(column)]);
  return SQLITE_OK;
}

int row_rowid(sqlite3_vtab_cursor*, sqlite3_int64* rowid) {
  *rowid = 1;
  return SQLITE_OK;
}

sqlite3_module make_module() {
  sqlite3_module module{};
  module.iVersion = 1;
  module.xCreate = row_connect;
  module.xConnect = row_connect;
  module.xBestIndex = row_best_index;
  module.xDisconnect = row_disconnect;
  module.xDestroy = row_disconnect;
  module.xOpen = row_open;
  module.xClose = row_close;
  module.xFilter = row_filter;
  module.xNext = row_next;
  module.xEof = row_eof;
  module.xColumn = row_column;
  module.xRowid = row_rowid;
  return module;
}

const sqlite3_module kRowModule = make_module();

// Functions whose result is not a function of the row: a filter must give the same answer
// for the same row whenever it is evaluated.
constexpr std::string_view kNotDeterministic[] = {
    "random", "randomblob",        "changes",      "total_changes", "last_insert_rowid",
    "now",    "current_timestamp", "current_date", "current_time"};

struct AuthorizerState {
  FilterEngine* engine;
};

bool is_integer_type(DataType type) {
  return type == DataType::kSmallInt || type == DataType::kInt || type == DataType::kBigInt;
}

// The literal of a conjunct: an integer (optionally negative) or a string.
std::optional<Value> literal_of(const std::vector<Token>& tokens, size_t& pos) {
  bool negative = false;
  if (tokens[pos].is_symbol("-")) {
    negative = true;
    ++pos;
  }
  const Token& token = tokens[pos];
  if (token.kind == TokenKind::kString && !negative) {
    ++pos;
    return Value(token.text);
  }
  if (token.kind == TokenKind::kNumber && token.text.find_first_not_of("0123456789") == std::string::npos &&
      token.text.size() < 19) {
    ++pos;
    int64_t number = std::stoll(token.text);
    return Value(negative ? -number : number);
  }
  return std::nullopt;
}

// Equality conjuncts at the top level of `where` (AND only, no OR at depth 0).
// `whole` is set when the condition is that one conjunct and nothing else.
std::optional<RowFilter::Equality> find_equality(const TableSchema& schema, const std::string& where,
                                                 bool* whole) {
  *whole = false;
  auto tokenized = tokenize_sql(where);
  if (!tokenized.is_ok()) return std::nullopt;
  std::vector<Token> tokens = std::move(tokenized).value();
  if (tokens.empty() || tokens.back().kind != TokenKind::kEnd) tokens.push_back(Token{});
  // Split into top-level conjuncts.
  std::vector<std::pair<size_t, size_t>> conjuncts;
  int depth = 0;
  size_t start = 0;
  for (size_t idx = 0; idx < tokens.size(); ++idx) {
    const Token& token = tokens[idx];
    if (token.is_symbol("(")) ++depth;
    if (token.is_symbol(")")) --depth;
    if (depth != 0) continue;
    if (token.is_keyword("or")) return std::nullopt;
    if (token.is_keyword("between")) {  // BETWEEN x AND y: its AND is not a conjunction
      while (idx + 1 < tokens.size() && !tokens[idx + 1].is_keyword("and")) ++idx;
      ++idx;
      continue;
    }
    if (token.is_keyword("and") || token.kind == TokenKind::kEnd) {
      conjuncts.emplace_back(start, idx);
      start = idx + 1;
    }
  }
  for (auto [begin, end] : conjuncts) {
    size_t pos = begin;
    if (pos >= end || !tokens[pos].is_name()) continue;
    const ColumnDef* column = schema.find_column(tokens[pos].name());
    if (column == nullptr) continue;
    bool integer = is_integer_type(column->type);
    bool text = column->type == DataType::kText || column->type == DataType::kUuid;
    if (!integer && !text) continue;
    ++pos;
    std::vector<Value> values;
    if (tokens[pos].is_symbol("=") || tokens[pos].is_symbol("==")) {
      ++pos;
      auto value = literal_of(tokens, pos);
      if (!value) continue;
      values.push_back(*value);
    } else if (tokens[pos].is_keyword("in") && tokens[pos + 1].is_symbol("(")) {
      pos += 2;
      bool ok = true;
      while (ok) {
        auto value = literal_of(tokens, pos);
        if (!value) {
          ok = false;
          break;
        }
        values.push_back(*value);
        if (tokens[pos].is_symbol(",")) {
          ++pos;
        } else if (tokens[pos].is_symbol(")")) {
          ++pos;
          break;
        } else {
          ok = false;
        }
      }
      if (!ok) continue;
    } else {
      continue;
    }
    if (pos != end) continue;  // more than `column = literal` (COLLATE, arithmetic …)
    RowFilter::Equality equality;
    equality.column = column->name;
    bool usable = true;
    for (const Value& value : values) {
      // A literal of the other kind compares by affinity rules: leave it to SQLite.
      bool matches_kind =
          integer ? std::holds_alternative<int64_t>(value) : std::holds_alternative<std::string>(value);
      auto key = matches_kind ? index_key(value, column->type) : std::nullopt;
      if (!key) {
        usable = false;
        break;
      }
      equality.keys.push_back(std::move(*key));
    }
    if (usable && !equality.keys.empty()) {
      *whole = conjuncts.size() == 1;
      return equality;
    }
  }
  return std::nullopt;
}

// ILIKE (live.md) as SQLite spells it: SQLite's LIKE already ignores ASCII case, so
// `a ILIKE b` is `a LIKE b` (and means what LIKE means in a SELECT).
std::string rewrite_ilike(const std::string& where) {
  auto tokenized = tokenize_sql(where);
  if (!tokenized.is_ok()) return where;  // SQLite reports the error
  std::string out;
  size_t copied = 0;
  for (const Token& token : tokenized.value()) {
    if (token.kind != TokenKind::kIdentifier || !token.is_keyword("ilike")) continue;
    out.append(where, copied, token.offset - copied);
    out += "LIKE";
    copied = token.offset + token.length;
  }
  out.append(where, copied, std::string::npos);
  return out;
}

}  // namespace

std::optional<std::string> value_index_key(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return "i" + std::to_string(*integer);
  if (const auto* text = std::get_if<std::string>(&value)) return "s" + *text;
  return std::nullopt;
}

std::optional<std::string> index_key(const Value& value, DataType type) {
  bool integer = is_integer_type(type) && std::holds_alternative<int64_t>(value);
  bool text =
      (type == DataType::kText || type == DataType::kUuid) && std::holds_alternative<std::string>(value);
  return integer || text ? value_index_key(value) : std::nullopt;
}

RowFilter::~RowFilter() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
  if (engine_ != nullptr && slot_ != 0) engine_->release(slot_);
}

bool RowFilter::matches(const RowValues& row) {
  if (stmt_ == nullptr) {  // the condition is exactly `column = literal` / `column IN (literals)`
    if (column_ >= row.size()) return false;
    std::optional<std::string> key = index_key(row[column_], column_type_);
    return key && std::find(equality_->keys.begin(), equality_->keys.end(), *key) != equality_->keys.end();
  }
  FilterEngine::Slot* slot = engine_->slot(slot_);
  if (slot == nullptr) return false;
  slot->row = &row;
  sqlite3_reset(stmt_);
  int rc = sqlite3_step(stmt_);
  slot->row = nullptr;
  if (rc == SQLITE_ROW) {
    sqlite3_reset(stmt_);
    return true;
  }
  if (rc != SQLITE_DONE) {
    spdlog::debug("live: filter evaluation failed: {}", sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
  sqlite3_reset(stmt_);
  return false;
}

Result<std::unique_ptr<FilterEngine>> FilterEngine::open() {
  std::unique_ptr<FilterEngine> engine(new FilterEngine());
  int rc = sqlite3_open_v2(":memory:", &engine->db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return Status(ErrorCode::kInternalError, "cannot open the live filter connection");
  sqlite3* db = engine->db_;
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 * 1024);
  sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 200);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
  if (install_sandbox(db) != SQLITE_OK || register_time_values(db) != SQLITE_OK ||
      sqlite3_create_module_v2(db, "kalam_live_row", &kRowModule, engine.get(), nullptr) != SQLITE_OK) {
    return Status(ErrorCode::kInternalError,
                  std::string("cannot set up the live filter connection: ") + sqlite3_errmsg(db));
  }
  sqlite3_set_authorizer(
      db,
      [](void* user, int action, const char* arg1, const char* arg2, const char*, const char*) -> int {
        auto* self = static_cast<FilterEngine*>(user);
        if (!self->compiling_) return SQLITE_OK;  // set-up statements of the engine itself
        switch (action) {
          case SQLITE_SELECT:  // the filter's own SELECT; another one is a subquery
            if (++self->selects_ == 1) return SQLITE_OK;
            self->denied_ = "subqueries";
            return SQLITE_DENY;
          case SQLITE_READ:  // the row being checked, nothing else
            if (arg1 != nullptr && self->compiling_table_ == arg1) return SQLITE_OK;
            self->denied_ = "other tables";
            return SQLITE_DENY;
          case SQLITE_FUNCTION: {
            std::string name = to_lower(arg2 != nullptr ? arg2 : "");
            bool refused = std::find(std::begin(kNotDeterministic), std::end(kNotDeterministic), name) !=
                           std::end(kNotDeterministic);
            if (!refused && sandbox_allows_function(name)) return SQLITE_OK;
            self->denied_ = "the function " + name + "()";
            return SQLITE_DENY;
          }
          default:
            self->denied_ = "this SQL";
            return SQLITE_DENY;
        }
      },
      engine.get());
  return engine;
}

FilterEngine::~FilterEngine() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

FilterEngine::Slot* FilterEngine::slot(int number) {
  auto it = slots_.find(number);
  return it == slots_.end() ? nullptr : &it->second;
}

void FilterEngine::release(int number) {
  auto it = slots_.find(number);
  if (it == slots_.end() || --it->second.users > 0) return;
  by_schema_.erase(it->second.schema.get());
  std::string drop = "DROP TABLE IF EXISTS temp.\"r" + std::to_string(number) + "\"";
  char* error = nullptr;
  if (sqlite3_exec(db_, drop.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    spdlog::warn("live: dropping filter table r{} failed: {}", number, error != nullptr ? error : "?");
  }
  sqlite3_free(error);
  slots_.erase(number);
}

Result<std::unique_ptr<RowFilter>> FilterEngine::compile(std::shared_ptr<const TableSchema> schema,
                                                         const std::string& where) {
  if (where.empty()) return std::unique_ptr<RowFilter>();
  std::unique_ptr<RowFilter> filter(new RowFilter());
  bool whole = false;
  filter->equality_ = find_equality(*schema, where, &whole);
  if (whole) {
    // `column = literal` (or IN) alone: decided by the index key, no SQLite statement
    // (most subscriptions: one conversation, one document, one user's items).
    const auto& columns = schema->current().columns;
    for (size_t idx = 0; idx < columns.size(); ++idx) {
      if (columns[idx].name != filter->equality_->column) continue;
      filter->column_ = idx;
      filter->column_type_ = columns[idx].type;
      return filter;
    }
  }
  // One virtual table per schema, shared by its filters.
  int number = 0;
  if (auto found = by_schema_.find(schema.get()); found != by_schema_.end()) {
    number = found->second;
  } else {
    number = next_slot_++;
    slots_[number].schema = schema;
    std::string create = "CREATE VIRTUAL TABLE temp.\"r" + std::to_string(number) +
                         "\" USING kalam_live_row(" + std::to_string(number) + ")";
    char* error = nullptr;
    if (sqlite3_exec(db_, create.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "?";
      sqlite3_free(error);
      slots_.erase(number);
      return Status(ErrorCode::kInternalError, "cannot prepare a live filter: " + message);
    }
    by_schema_[schema.get()] = number;
  }
  ++slots_[number].users;
  filter->engine_ = this;
  filter->slot_ = number;  // from here the filter's destructor releases the table
  std::string sql =
      "SELECT 1 FROM temp.\"r" + std::to_string(number) + "\" WHERE (" + rewrite_ilike(where) + "\n)";
  compiling_ = true;
  compiling_table_ = "r" + std::to_string(number);
  selects_ = 0;
  denied_.clear();
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &filter->stmt_, &tail);
  compiling_ = false;
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db_);
    if (!denied_.empty()) {
      return Status(ErrorCode::kUnsupported, "a live filter cannot use " + denied_)
          .with_detail("feature", denied_);
    }
    if (message.find("no such function") != std::string::npos) {
      return Status(ErrorCode::kUnsupported, "a live filter cannot use this function: " + message)
          .with_detail("feature", std::string("function"));
    }
    return Status(ErrorCode::kInvalidSqlSyntax, "invalid live filter: " + message);
  }
  if (tail != nullptr && *tail != '\0') {
    return Status(ErrorCode::kInvalidSqlSyntax, "invalid live filter: text after the condition");
  }
  return filter;
}

}  // namespace kalam
