// The SQLite sandbox: the function allowlist, the fts3_tokenizer switch and the bounded
// printf/format.
#include "sql/engine/sandbox.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/string_util.h"

namespace kalam {
namespace {

// Sorted (std::binary_search). Keep docs/security.md in step.
// clang-format off
constexpr std::string_view kAllowedFunctions[] = {
    "->", "->>", "abs", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "avg", "ceil", "ceiling",
    "char", "coalesce", "cos", "cosh", "count", "cume_dist", "current_date", "current_role", "current_time",
    "current_timestamp", "current_user", "date", "date_add", "date_part", "date_sub", "date_trunc", "datetime", "degrees", "dense_rank", "exp", "first_value",
    "floor", "format", "glob", "group_concat", "hex", "ifnull", "iif", "instr", "json", "json_array",
    "json_array_length", "json_extract", "json_group_array", "json_group_object", "json_insert",
    "json_object", "json_patch", "json_quote", "json_remove", "json_replace", "json_set", "json_type",
    "json_valid", "julianday", "lag", "last_value", "lead", "length", "like", "likelihood", "likely", "ln",
    "log", "log10", "log2", "lower", "ltrim", "max", "min", "mod", "now", "nth_value", "ntile", "nullif",
    "percent_rank", "pi", "pow", "power", "printf", "quote", "radians", "random", "randomblob", "rank",
    "replace", "round", "row_number", "rtrim", "sign", "sin", "sinh", "snowflake_id", "soundex", "sqrt",
    "strftime", "substr", "substring", "sum", "tan", "tanh", "time", "total", "trim", "trunc", "typeof",
    "ulid", "unicode", "unixepoch", "unlikely", "upper", "uuid_v7", "zeroblob",
};
// clang-format on

constexpr bool sorted_and_unique() {
  for (size_t idx = 1; idx < std::size(kAllowedFunctions); ++idx) {
    if (!(kAllowedFunctions[idx - 1] < kAllowedFunctions[idx])) return false;
  }
  return true;
}
static_assert(sorted_and_unique(), "kAllowedFunctions must be sorted and unique");

void refuse_fts3_tokenizer(sqlite3_context* context, int, sqlite3_value**) {
  sqlite3_result_error(context, "fts3_tokenizer is disabled", -1);
}

// printf/format through SQLite's own implementation, run on a private connection of this
// thread: SQLite's printf returns NULL when its result would exceed the length limit,
// which would hide the failure; this version reports SQLITE_TOOBIG instead.
struct PrintfHelper {
  sqlite3* db = nullptr;
  std::vector<sqlite3_stmt*> by_arity;  // "SELECT printf(?1, …, ?n)", prepared on first use
  ~PrintfHelper() {
    for (sqlite3_stmt* stmt : by_arity) sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
  }
};

sqlite3_stmt* printf_statement(int argc) {
  thread_local PrintfHelper helper;
  if (helper.db == nullptr &&
      sqlite3_open_v2(":memory:", &helper.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK) {
    sqlite3_close_v2(helper.db);
    helper.db = nullptr;
    return nullptr;
  }
  if (helper.by_arity.size() <= static_cast<size_t>(argc)) helper.by_arity.resize(argc + 1, nullptr);
  sqlite3_stmt*& stmt = helper.by_arity[static_cast<size_t>(argc)];
  if (stmt == nullptr) {
    std::string sql = "SELECT printf(";
    for (int arg = 1; arg <= argc; ++arg) sql += (arg == 1 ? "?" : ", ?") + std::to_string(arg);
    sql += ")";
    if (sqlite3_prepare_v2(helper.db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return nullptr;
  }
  return stmt;
}

// True when a width or precision of the format (written or taken from an argument by
// '*') exceeds `max`: SQLite's printf pads one character at a time, so a huge padding
// costs seconds of CPU even though its result is then refused.
bool format_pads_beyond(sqlite3_value** argv, int argc, int64_t max) {
  const auto* format = argc > 0 ? sqlite3_value_text(argv[0]) : nullptr;
  if (format == nullptr) return false;
  int next_arg = 1;
  auto star = [&]() -> int64_t {
    if (next_arg >= argc) return 0;
    int64_t value = sqlite3_value_int64(argv[next_arg++]);
    return value < 0 ? -(value + 1) : value;  // a negative width pads to the left
  };
  auto digits = [&](const unsigned char*& at) -> int64_t {
    int64_t value = 0;
    for (; std::isdigit(*at) != 0; ++at) value = std::min<int64_t>(value * 10 + (*at - '0'), INT64_MAX / 16);
    return value;
  };
  for (const unsigned char* at = format; *at != 0; ++at) {
    if (*at != '%') continue;
    ++at;
    if (*at == '%') continue;
    while (*at != 0 && std::strchr("-+ #!0,", *at) != nullptr) ++at;
    int64_t width = *at == '*' ? (++at, star()) : digits(at);
    int64_t precision = 0;
    if (*at == '.') {
      ++at;
      precision = *at == '*' ? (++at, star()) : digits(at);
    }
    if (width > max || precision > max) return true;
    while (*at == 'l') ++at;
    if (*at == 0) break;
    ++next_arg;  // the conversion's own argument
  }
  return false;
}

void bounded_printf(sqlite3_context* context, int argc, sqlite3_value** argv) {
  int64_t max = sqlite3_limit(sqlite3_context_db_handle(context), SQLITE_LIMIT_LENGTH, -1);
  if (format_pads_beyond(argv, argc, max)) {
    sqlite3_result_error_toobig(context);
    return;
  }
  sqlite3_stmt* stmt = printf_statement(argc);
  if (stmt == nullptr) {
    sqlite3_result_error_nomem(context);
    return;
  }
  sqlite3* helper = sqlite3_db_handle(stmt);
  sqlite3_limit(helper, SQLITE_LIMIT_LENGTH, static_cast<int>(max));
  struct Reset {
    sqlite3_stmt* stmt;
    ~Reset() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  } reset{stmt};
  for (int arg = 0; arg < argc; ++arg) sqlite3_bind_value(stmt, arg + 1, argv[arg]);
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    sqlite3_result_error_code(context, rc == SQLITE_TOOBIG ? SQLITE_TOOBIG : SQLITE_ERROR);
    return;
  }
  bool null_format = argc == 0 || sqlite3_value_type(argv[0]) == SQLITE_NULL;
  if (sqlite3_column_type(stmt, 0) == SQLITE_NULL && !null_format) {
    sqlite3_result_error_toobig(context);  // SQLite's printf gave up: the result was too long
    return;
  }
  sqlite3_result_value(context, sqlite3_column_value(stmt, 0));
}

}  // namespace

bool sandbox_allows_function(std::string_view name) {
  if (name.empty()) return false;
  std::string key = to_lower(name);
  return std::binary_search(std::begin(kAllowedFunctions), std::end(kAllowedFunctions),
                            std::string_view(key));
}

bool sandbox_allows_table_function(std::string_view name) {
  std::string key = to_lower(name);
  return key == "json_each" || key == "json_tree";
}

bool is_sqlite_internal_name(std::string_view name) {
  return name.size() >= 7 && iequals(name.substr(0, 7), "sqlite_");
}

int install_sandbox(sqlite3* db) {
  int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, nullptr);
  for (int arity : {1, 2}) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2(db, "fts3_tokenizer", arity, SQLITE_UTF8, nullptr,
                                      refuse_fts3_tokenizer, nullptr, nullptr, nullptr);
    }
  }
  for (const char* name : {"printf", "format"}) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2(db, name, -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                      bounded_printf, nullptr, nullptr, nullptr);
    }
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(db, "SELECT 1 FROM json_each('[]'), json_tree('[]')", nullptr, nullptr, nullptr);
  }
  return rc;
}

}  // namespace kalam
