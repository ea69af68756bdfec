// SQLite integration: per-thread connection, system-table virtual tables,
// KalamDB functions, authorizer, parameter binding, result conversion.
#include "sql/engine/query_engine.h"

#include <sqlite3.h>

#include <cstring>
#include <memory>

#include "common/ids.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "sql/engine/system_tables.h"
#include "sql/executor/helpers/authorization.h"

namespace kalam {
namespace {

// What the current statement on this thread runs with; set around prepare/step.
struct ThreadQueryState {
  ExecutionContext* ctx = nullptr;
  ExecutorServices* services = nullptr;
  Status failure;  // set by callbacks (authorizer, vtab) to explain an SQLite error
};

thread_local ThreadQueryState t_state;

// ---- system-table virtual tables -------------------------------------------

struct SystemVtab {
  sqlite3_vtab base{};
  const SystemTableDef* def = nullptr;
};

struct SystemCursor {
  sqlite3_vtab_cursor base{};
  std::vector<ResultRow> rows;
  size_t position = 0;
};

int system_connect(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  const SystemTableDef* def = argc >= 4 ? find_system_table(argv[3]) : nullptr;
  if (def == nullptr) {
    *error = sqlite3_mprintf("unknown system table");
    return SQLITE_ERROR;
  }
  std::string ddl = "CREATE TABLE x(";
  for (size_t column_idx = 0; column_idx < def->columns.size(); ++column_idx) {
    if (column_idx != 0) ddl += ", ";
    ddl += "\"" + def->columns[column_idx].name + "\" " +
           std::string(data_type_name(def->columns[column_idx].data_type));
  }
  ddl += ")";
  int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) return rc;
  auto* vtab = new SystemVtab();
  vtab->def = def;
  *out = &vtab->base;
  return SQLITE_OK;
}

int system_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  // Full scans only: system tables are small and materialized per query.
  info->estimatedCost = 1000.0;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

int system_disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<SystemVtab*>(vtab);
  return SQLITE_OK;
}

int system_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new SystemCursor();
  *out = &cursor->base;
  return SQLITE_OK;
}

int system_close(sqlite3_vtab_cursor* cursor) {
  delete reinterpret_cast<SystemCursor*>(cursor);
  return SQLITE_OK;
}

int system_filter(sqlite3_vtab_cursor* base, int, const char*, int, sqlite3_value**) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  auto* vtab = reinterpret_cast<SystemVtab*>(base->pVtab);
  cursor->rows.clear();
  cursor->position = 0;
  if (t_state.ctx == nullptr || t_state.services == nullptr) return SQLITE_MISUSE;
  // The role is checked here, where every read passes, not only in the authorizer
  // (which does not see a table when a query reads none of its columns).
  auto rows = read_system_table(vtab->def->name, *t_state.ctx, *t_state.services);
  if (!rows.is_ok()) {
    t_state.failure = rows.status();
    return SQLITE_ERROR;
  }
  cursor->rows = std::move(rows->rows);
  return SQLITE_OK;
}

int system_next(sqlite3_vtab_cursor* base) {
  reinterpret_cast<SystemCursor*>(base)->position++;
  return SQLITE_OK;
}

int system_eof(sqlite3_vtab_cursor* base) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  return cursor->position >= cursor->rows.size() ? 1 : 0;
}

void result_value(sqlite3_context* context, const Value& value) {
  if (is_null(value)) {
    sqlite3_result_null(context);
  } else if (const auto* boolean = std::get_if<bool>(&value)) {
    sqlite3_result_int64(context, *boolean ? 1 : 0);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    sqlite3_result_int64(context, *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    sqlite3_result_double(context, *real);
  } else {
    const auto& text = std::get<std::string>(value);
    sqlite3_result_text64(context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
}

int system_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  const ResultRow& row = cursor->rows[cursor->position];
  if (column < 0 || static_cast<size_t>(column) >= row.size()) {
    sqlite3_result_null(context);
  } else {
    result_value(context, row[static_cast<size_t>(column)]);
  }
  return SQLITE_OK;
}

int system_rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(reinterpret_cast<SystemCursor*>(base)->position);
  return SQLITE_OK;
}

sqlite3_module make_system_module() {
  sqlite3_module module{};
  module.iVersion = 1;
  module.xCreate = system_connect;
  module.xConnect = system_connect;
  module.xBestIndex = system_best_index;
  module.xDisconnect = system_disconnect;
  module.xDestroy = system_disconnect;
  module.xOpen = system_open;
  module.xClose = system_close;
  module.xFilter = system_filter;
  module.xNext = system_next;
  module.xEof = system_eof;
  module.xColumn = system_column;
  module.xRowid = system_rowid;
  return module;
}

const sqlite3_module kSystemModule = make_system_module();

// ---- functions --------------------------------------------------------------

void fn_now(sqlite3_context* context, int, sqlite3_value**) {
  std::string now = format_timestamp_micros(now_unix_micros());
  sqlite3_result_text(context, now.c_str(), static_cast<int>(now.size()), SQLITE_TRANSIENT);
}
void fn_current_user(sqlite3_context* context, int, sqlite3_value**) {
  if (t_state.ctx == nullptr) return sqlite3_result_null(context);
  const std::string& user =
      t_state.ctx->effective_user_id.empty() ? t_state.ctx->user_id : t_state.ctx->effective_user_id;
  sqlite3_result_text(context, user.c_str(), static_cast<int>(user.size()), SQLITE_TRANSIENT);
}
void fn_current_role(sqlite3_context* context, int, sqlite3_value**) {
  if (t_state.ctx == nullptr) return sqlite3_result_null(context);
  std::string_view role = role_name(t_state.ctx->role);
  sqlite3_result_text(context, role.data(), static_cast<int>(role.size()), SQLITE_TRANSIENT);
}
void fn_snowflake_id(sqlite3_context* context, int, sqlite3_value**) {
  if (t_state.services == nullptr || t_state.services->ids == nullptr) return sqlite3_result_null(context);
  sqlite3_result_int64(context, t_state.services->ids->next());
}
void fn_uuid_v7(sqlite3_context* context, int, sqlite3_value**) {
  std::string id = uuid_v7();
  sqlite3_result_text(context, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
}
void fn_ulid(sqlite3_context* context, int, sqlite3_value**) {
  std::string id = ulid();
  sqlite3_result_text(context, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
}

// ---- authorizer and progress ------------------------------------------------

int authorize(void*, int action, const char* arg1, const char*, const char* database, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_READ: {
      if (database == nullptr || std::strcmp(database, "system") != 0 || arg1 == nullptr) return SQLITE_OK;
      const SystemTableDef* def = find_system_table(arg1);
      if (def != nullptr && t_state.ctx != nullptr && !role_at_least(t_state.ctx->role, def->min_role)) {
        t_state.failure = insufficient_role(*t_state.ctx, def->min_role, "SELECT FROM system." + def->name);
        return SQLITE_DENY;
      }
      return SQLITE_OK;
    }
    default:
      t_state.failure =
          Status(ErrorCode::kInvalidArgument,
                 "only read queries are supported here: the statement needs an operation (code " +
                     std::to_string(action) + ") that KalamDB refuses")
              .with_detail("argument", std::string("sql"));
      return SQLITE_DENY;
  }
}

int check_deadline(void*) {
  if (t_state.ctx == nullptr) return 0;
  return std::chrono::steady_clock::now() >= t_state.ctx->deadline ? 1 : 0;
}

// ---- the per-thread connection ----------------------------------------------

struct ConnectionDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

Result<sqlite3*> thread_connection() {
  thread_local std::unique_ptr<sqlite3, ConnectionDeleter> connection;
  if (connection) return connection.get();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::unique_ptr<sqlite3, ConnectionDeleter> db(raw);
  if (rc != SQLITE_OK) return Status(ErrorCode::kInternalError, "cannot open the SQL engine");
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  rc = sqlite3_create_module_v2(db.get(), "kalam_system", &kSystemModule, nullptr, nullptr);
  std::string setup = "ATTACH DATABASE ':memory:' AS system;";
  for (const SystemTableDef& def : system_table_defs()) {
    setup += "CREATE VIRTUAL TABLE system." + def.name + " USING kalam_system(" + def.name + ");";
  }
  if (rc == SQLITE_OK) rc = sqlite3_exec(db.get(), setup.c_str(), nullptr, nullptr, nullptr);
  struct Function {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (const Function& function :
       {Function{"now", fn_now}, Function{"current_user", fn_current_user},
        Function{"current_role", fn_current_role}, Function{"snowflake_id", fn_snowflake_id},
        Function{"uuid_v7", fn_uuid_v7}, Function{"ulid", fn_ulid}}) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2(db.get(), function.name, 0, SQLITE_UTF8, nullptr, function.fn, nullptr,
                                      nullptr, nullptr);
    }
  }
  if (rc != SQLITE_OK) {
    return Status(ErrorCode::kInternalError,
                  std::string("SQL engine set-up failed: ") + sqlite3_errmsg(db.get()));
  }
  sqlite3_set_authorizer(db.get(), authorize, nullptr);
  sqlite3_progress_handler(db.get(), 1000, check_deadline, nullptr);
  connection = std::move(db);
  return connection.get();
}

Status bind_params(sqlite3_stmt* stmt, const std::vector<ParamValue>& params) {
  for (size_t index = 0; index < params.size(); ++index) {
    // SQLite numbers `$n` parameters by first appearance, so bind by name.
    std::string name = "$" + std::to_string(index + 1);
    int slot = sqlite3_bind_parameter_index(stmt, name.c_str());
    if (slot == 0) continue;  // validated earlier: every $n appears
    const ParamValue& param = params[index];
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(param)) {
      rc = sqlite3_bind_null(stmt, slot);
    } else if (const auto* boolean = std::get_if<bool>(&param)) {
      rc = sqlite3_bind_int64(stmt, slot, *boolean ? 1 : 0);
    } else if (const auto* integer = std::get_if<int64_t>(&param)) {
      rc = sqlite3_bind_int64(stmt, slot, *integer);
    } else if (const auto* real = std::get_if<double>(&param)) {
      rc = sqlite3_bind_double(stmt, slot, *real);
    } else if (const auto* text = std::get_if<std::string>(&param)) {
      rc = sqlite3_bind_text64(stmt, slot, text->data(), text->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
      const auto& json = std::get<JsonText>(param).text;
      rc = sqlite3_bind_text64(stmt, slot, json.data(), json.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    if (rc != SQLITE_OK)
      return Status(ErrorCode::kInternalError, "cannot bind parameter $" + std::to_string(slot));
  }
  return Status::ok();
}

Status engine_error(sqlite3* db, int rc, bool at_prepare, const ExecutionContext& ctx) {
  if (!t_state.failure.is_ok()) return std::move(t_state.failure);
  std::string message = sqlite3_errmsg(db);
  if (rc == SQLITE_INTERRUPT) return ctx.check_deadline("SELECT");
  constexpr std::string_view kNoSuchTable = "no such table: ";
  if (message.rfind(kNoSuchTable, 0) == 0) {
    std::string name = message.substr(kNoSuchTable.size());
    return Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name);
  }
  if (at_prepare) {
    int offset = sqlite3_error_offset(db);
    Status status(ErrorCode::kInvalidSqlSyntax, message);
    if (offset >= 0) status.with_detail("offset", static_cast<int64_t>(offset));
    return status;
  }
  return Status(ErrorCode::kInvalidArgument, message).with_detail("argument", std::string("sql"));
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

}  // namespace

Result<RowsResult> QueryEngine::query(ExecutionContext& ctx, std::string_view sql) {
  sqlite3* db = nullptr;
  KALAM_ASSIGN_OR_RETURN(db, thread_connection());
  t_state.ctx = &ctx;
  t_state.services = &services_;
  t_state.failure = Status::ok();
  struct Reset {
    ~Reset() {
      t_state.ctx = nullptr;
      t_state.services = nullptr;
      t_state.failure = Status::ok();
    }
  } reset;

  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), 0, &raw, &tail);
  std::unique_ptr<sqlite3_stmt, StatementDeleter> stmt(raw);
  if (rc != SQLITE_OK) return engine_error(db, rc, true, ctx);
  if (!stmt) return Status(ErrorCode::kEmptySql, "empty statement");
  if (!sqlite3_stmt_readonly(stmt.get())) {
    return Status(ErrorCode::kInvalidArgument, "only read-only queries are supported by SELECT")
        .with_detail("argument", std::string("sql"));
  }
  KALAM_RETURN_IF_ERROR(bind_params(stmt.get(), ctx.params));

  RowsResult result;
  int columns = sqlite3_column_count(stmt.get());
  result.schema.reserve(static_cast<size_t>(columns));
  for (int column = 0; column < columns; ++column) {
    const char* declared = sqlite3_column_decltype(stmt.get(), column);
    auto type = declared != nullptr ? parse_data_type(declared) : std::nullopt;
    result.schema.push_back(
        ResultColumn{sqlite3_column_name(stmt.get(), column), type.value_or(DataType::kAny), {}});
  }
  int64_t max_bytes = services_.config != nullptr ? services_.config->limits.max_result_bytes : INT64_MAX;
  int64_t result_bytes = 0;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    ResultRow row;
    row.reserve(static_cast<size_t>(columns));
    for (int column = 0; column < columns; ++column) {
      switch (sqlite3_column_type(stmt.get(), column)) {
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt.get(), column)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(stmt.get(), column));
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
          const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt.get(), column));
          int size = sqlite3_column_bytes(stmt.get(), column);
          row.emplace_back(std::string(data == nullptr ? "" : data, static_cast<size_t>(size)));
          result_bytes += size;
          if (sqlite3_column_type(stmt.get(), column) == SQLITE_BLOB &&
              result.schema[static_cast<size_t>(column)].data_type == DataType::kAny) {
            result.schema[static_cast<size_t>(column)].data_type = DataType::kBytes;
          }
          break;
        }
        default:
          row.emplace_back(std::monostate{});
      }
    }
    result_bytes += 16 * columns;
    if (result_bytes > max_bytes) {
      return Status(ErrorCode::kInvalidArgument,
                    "the query result exceeds " + std::to_string(max_bytes) +
                        " bytes ([limits] max_result_bytes); add a LIMIT or a filter")
          .with_detail("argument", std::string("sql"));
    }
    result.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return engine_error(db, rc, false, ctx);
  return result;
}

}  // namespace kalam
