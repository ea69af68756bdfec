// SQLite integration: per-thread connection, system-table virtual tables,
// KalamDB functions, authorizer, parameter binding, result conversion.
#include "sql/engine/query_engine.h"

#include <sqlite3.h>
#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>

#include "catalog/schema_registry.h"
#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "live/live_query_manager.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/context/table_access.h"
#include "sql/engine/dml_clauses.h"
#include "sql/engine/engine_state.h"
#include "sql/engine/sandbox.h"
#include "sql/engine/system_tables.h"
#include "sql/engine/time_values.h"
#include "sql/parser/table_references.h"
#include "sql/parser/token.h"
#include "storage/row_codec.h"
#include "storage/storage_engine.h"

namespace kalam {

namespace {

void clear_statement_cache(EngineConnection& session) {
  for (auto& [sql, stmt] : session.statement_cache) sqlite3_finalize(stmt);
  session.statement_cache.clear();
}

}  // namespace

EngineConnection::~EngineConnection() {
  clear_statement_cache(*this);
  if (db != nullptr) sqlite3_close_v2(db);
}

EngineConnection& engine_connection() {
  thread_local EngineConnection connection;
  return connection;
}

namespace {

// The running statement, or an idle one (no context) outside statements.
StatementState& statement_or_idle() {
  thread_local StatementState idle;
  StatementState* running = engine_connection().statement;
  return running != nullptr ? *running : idle;
}

// Every statement's context lives in the running StatementState (engine_state.h).
#define t_state statement_or_idle()

}  // namespace

namespace {

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
    if (is_time_type(def->columns[column_idx].data_type)) ddl += std::string(" COLLATE ") + kTimeCollation;
  }
  ddl += ")";
  int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) return rc;
  auto* vtab = new SystemVtab();
  vtab->def = def;
  *out = &vtab->base;
  return SQLITE_OK;
}

// system.audit_log grows with every audited statement, so reads of it are narrowed:
// bounds on audit_id, ORDER BY audit_id and LIMIT/OFFSET are pushed down (idxNum bits;
// argv in this order). The other system tables are small: full scans.
constexpr int kAuditEq = 1, kAuditGt = 2, kAuditGe = 4, kAuditLt = 8, kAuditLe = 16, kAuditDesc = 32,
              kAuditLimit = 64, kAuditOffset = 128;

int audit_log_best_index(sqlite3_index_info* info) {
  struct Bound {
    int op;
    int flag;
  };
  static constexpr Bound kBounds[] = {{SQLITE_INDEX_CONSTRAINT_EQ, kAuditEq},
                                      {SQLITE_INDEX_CONSTRAINT_GT, kAuditGt},
                                      {SQLITE_INDEX_CONSTRAINT_GE, kAuditGe},
                                      {SQLITE_INDEX_CONSTRAINT_LT, kAuditLt},
                                      {SQLITE_INDEX_CONSTRAINT_LE, kAuditLe}};
  int plan = 0;
  int chosen[5] = {-1, -1, -1, -1, -1};
  int limit = -1;
  int offset = -1;
  bool all_handled = true;  // every WHERE term is applied here, exactly (omit)
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (constraint.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (constraint.usable) limit = idx;
      continue;
    }
    if (constraint.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      if (constraint.usable) offset = idx;
      continue;
    }
    bool taken = false;
    for (int kind = 0; kind < 5 && constraint.usable && constraint.iColumn == 0; ++kind) {
      if (constraint.op == kBounds[kind].op && chosen[kind] < 0) {
        chosen[kind] = idx;
        plan |= kBounds[kind].flag;
        taken = true;
      }
    }
    all_handled = all_handled && taken;
  }
  int argv = 0;
  for (int kind = 0; kind < 5; ++kind) {
    if (chosen[kind] < 0) continue;
    info->aConstraintUsage[chosen[kind]].argvIndex = ++argv;
    info->aConstraintUsage[chosen[kind]].omit = 1;  // applied exactly in audit_log_filter
  }
  bool ordered = info->nOrderBy == 0;
  if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0) {
    info->orderByConsumed = 1;
    ordered = true;
    if (info->aOrderBy[0].desc) plan |= kAuditDesc;
  }
  if (all_handled && ordered && limit >= 0) {
    info->aConstraintUsage[limit].argvIndex = ++argv;
    info->aConstraintUsage[limit].omit = 1;
    plan |= kAuditLimit;
    if (offset >= 0) {
      info->aConstraintUsage[offset].argvIndex = ++argv;
      info->aConstraintUsage[offset].omit = 1;
      plan |= kAuditOffset;
    }
  }
  double rows = (plan & kAuditEq) != 0                                      ? 1.0
                : (plan & (kAuditGt | kAuditGe | kAuditLt | kAuditLe)) != 0 ? 1e4
                                                                            : 1e6;
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  info->estimatedCost = rows;
  info->idxNum = plan;
  return SQLITE_OK;
}

int system_best_index(sqlite3_vtab* base, sqlite3_index_info* info) {
  if (reinterpret_cast<SystemVtab*>(base)->def->name == "audit_log") return audit_log_best_index(info);
  // Full scans only: the other system tables are small and materialized per query.
  info->estimatedCost = 1000.0;
  info->estimatedRows = 100;
  return SQLITE_OK;
}

// Narrows `range` by `audit_id <op> value` exactly as SQLite would compare the BIGINT
// column with the value; false when no row can match.
bool narrow_audit_range(AuditLogRange& range, int flag, sqlite3_value* value) {
  int type = sqlite3_value_numeric_type(value);  // SQLite's affinity conversion
  if (type == SQLITE_NULL) return false;         // a comparison with NULL is never true
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) {
    // Text and blobs sort after every integer: `audit_id < 'x'` holds for all rows.
    return flag == kAuditLt || flag == kAuditLe;
  }
  auto clamp = [](double number) {
    if (number >= 9.2e18) return INT64_MAX;
    if (number <= -9.2e18) return INT64_MIN;
    return static_cast<int64_t>(number);
  };
  int64_t low = INT64_MIN;
  int64_t high = INT64_MAX;
  if (type == SQLITE_INTEGER) {
    int64_t number = sqlite3_value_int64(value);
    if (flag == kAuditEq) low = high = number;
    if (flag == kAuditGt) {
      if (number == INT64_MAX) return false;
      low = number + 1;
    }
    if (flag == kAuditGe) low = number;
    if (flag == kAuditLt) {
      if (number == INT64_MIN) return false;
      high = number - 1;
    }
    if (flag == kAuditLe) high = number;
  } else {
    double number = sqlite3_value_double(value);
    if (std::isnan(number)) return false;
    if (flag == kAuditEq) {
      if (number != std::floor(number)) return false;
      low = high = clamp(number);
    }
    if (flag == kAuditGt)
      low = clamp(std::floor(number)) == INT64_MAX ? INT64_MAX : clamp(std::floor(number)) + 1;
    if (flag == kAuditGe) low = clamp(std::ceil(number));
    if (flag == kAuditLt)
      high = clamp(std::ceil(number)) == INT64_MIN ? INT64_MIN : clamp(std::ceil(number)) - 1;
    if (flag == kAuditLe) high = clamp(std::floor(number));
  }
  range.first_id = std::max(range.first_id, low);
  range.last_id = std::min(range.last_id, high);
  return range.first_id <= range.last_id;
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

int system_filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  auto* vtab = reinterpret_cast<SystemVtab*>(base->pVtab);
  cursor->rows.clear();
  cursor->position = 0;
  if (t_state.ctx == nullptr || t_state.services == nullptr) return SQLITE_MISUSE;
  if (vtab->def->name == "audit_log") {
    AuditLogRange range;
    range.descending = (idx_num & kAuditDesc) != 0;
    int arg = 0;
    bool possible = true;
    for (int flag : {kAuditEq, kAuditGt, kAuditGe, kAuditLt, kAuditLe}) {
      if ((idx_num & flag) == 0 || arg >= argc) continue;
      possible = narrow_audit_range(range, flag, argv[arg++]) && possible;
    }
    for (int flag : {kAuditLimit, kAuditOffset}) {
      if ((idx_num & flag) == 0 || arg >= argc) continue;
      int64_t number = sqlite3_value_int64(argv[arg++]);  // SQLite passes integers
      if (flag == kAuditLimit) range.limit = number < 0 ? -1 : number;
      if (flag == kAuditOffset) range.offset = std::max<int64_t>(number, 0);
    }
    if (!possible) {
      // No row can match, but the role is still checked.
      range.first_id = 1;
      range.last_id = 0;
    }
    auto rows = read_audit_log(*t_state.ctx, *t_state.services, range);
    if (!rows.is_ok()) {
      t_state.failure = rows.status();
      return SQLITE_ERROR;
    }
    cursor->rows = std::move(rows).value();
    return SQLITE_OK;
  }
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

int system_column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  const ResultRow& row = cursor->rows[cursor->position];
  if (column < 0 || static_cast<size_t>(column) >= row.size()) {
    sqlite3_result_null(context);
  } else {
    // Time columns reach SQL as ISO-8601 text, as those of KalamDB tables do.
    const auto* vtab = reinterpret_cast<const SystemVtab*>(base->pVtab);
    DataType type = vtab->def->columns[static_cast<size_t>(column)].data_type;
    const Value& value = row[static_cast<size_t>(column)];
    sqlite_result_value(context, to_sql_value(value, type));
  }
  return SQLITE_OK;
}

int system_rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  auto* cursor = reinterpret_cast<SystemCursor*>(base);
  // Stable across scans (SQLite de-duplicates OR branches by rowid): the audit id for
  // the audit log, whose scans are narrowed differently; the position for the others,
  // which are always read whole and in the same order.
  const ResultRow& row = cursor->rows[cursor->position];
  if (reinterpret_cast<SystemVtab*>(base->pVtab)->def->name == "audit_log" && !row.empty()) {
    if (const auto* id = std::get_if<int64_t>(&row[0])) {
      *rowid = *id;
      return SQLITE_OK;
    }
  }
  *rowid = static_cast<sqlite3_int64>(cursor->position);
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

// The "ns.table" a table name of the authorizer means (temp.<name> aliases map to
// their table; other names are returned unchanged).
std::string resolve_alias(const StatementState& session, const char* name, const char* database) {
  if (database != nullptr && strcasecmp(database, "temp") == 0) {
    auto alias = session.aliases.find(name);
    if (alias != session.aliases.end()) return alias->second;
  }
  return name;
}

int deny(Status status) {
  statement_or_idle().failure = std::move(status);
  return SQLITE_DENY;
}

Status engine_internal_table(const char* name) {
  return Status(ErrorCode::kNotFoundTable,
                std::string("table '") + name +
                    "' does not exist (SQLite's internal tables and table-valued "
                    "functions other than json_each and json_tree are not available; "
                    "system.tables lists the tables)")
      .with_detail("name", std::string(name));
}

// `view`: the innermost view whose query makes the access (nullptr: the statement's own text).
int authorize(void*, int action, const char* arg1, const char* arg2, const char* database, const char* view) {
  EngineConnection& connection = engine_connection();
  if (connection.internal_ddl) return SQLITE_OK;
  StatementState& session = statement_or_idle();
  const bool in_system = database != nullptr && strcasecmp(database, "system") == 0;
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      if (arg2 != nullptr && sandbox_allows_function(arg2)) return SQLITE_OK;
      return deny(Status(ErrorCode::kInvalidArgument,
                         "function '" + std::string(arg2 == nullptr ? "?" : arg2) + "' is not available")
                      .with_detail("argument", std::string("function"))
                      .with_detail("name", std::string(arg2 == nullptr ? "?" : arg2)));
    case SQLITE_READ: {
      if (arg1 == nullptr || in_system) return SQLITE_OK;  // system tables check roles when read
      if (is_sqlite_internal_name(arg1)) return deny(engine_internal_table(arg1));
      const bool in_temp = database != nullptr && strcasecmp(database, "temp") == 0;
      // A view the statement resolved: the tables its query reads are checked one by one.
      if (in_temp && session.views.count(arg1) != 0) return SQLITE_OK;
      // A view's query names its tables as main."ns.table": it never reads a temp alias,
      // which belongs to the caller's namespace.
      if (in_temp && (view != nullptr || session.view_query)) {
        return deny(Status(ErrorCode::kNotFoundTable, std::string("table '") + arg1 + "' does not exist")
                        .with_detail("name", std::string(arg1)));
      }
      auto table = session.tables.find(resolve_alias(session, arg1, database));
      if (table == session.tables.end()) {
        // A CTE is reported without a database (count(*) over it); what is left is a
        // KalamDB table not resolved for this statement (a quoted "ns.table" name, an
        // alias of another namespace) or one of SQLite's table-valued functions, of which
        // only the JSON ones are open.
        if (database == nullptr) return SQLITE_OK;
        if (strcasecmp(database, "main") == 0 && connection.declared.count(arg1) == 0 &&
            sandbox_allows_table_function(arg1)) {
          return SQLITE_OK;
        }
        return deny(Status(ErrorCode::kNotFoundTable, std::string("table '") + arg1 + "' does not exist")
                        .with_detail("name", std::string(arg1)));
      }
      if (session.ctx == nullptr) return SQLITE_DENY;
      Status allowed = authorize_table_action(*session.ctx, *table->second, TableAction::kRead, table->first);
      return allowed.is_ok() ? SQLITE_OK : deny(std::move(allowed));
    }
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE: {
      // SQLite writes its schema table when a statement first uses one of its built-in
      // table-valued functions (pragma_*, sqlite_stmt, dbstat …): none is open.
      if (arg1 != nullptr && is_sqlite_internal_name(arg1)) return deny(engine_internal_table(arg1));
      if (!session.allow_writes) {
        return deny(Status(ErrorCode::kInvalidArgument, "a query cannot modify data")
                        .with_detail("argument", std::string("sql")));
      }
      if (in_system) {
        return deny(Status(ErrorCode::kInvalidArgument, "system tables are read-only")
                        .with_detail("argument", std::string("table")));
      }
      auto table = arg1 == nullptr ? session.tables.end()
                                   : session.tables.find(resolve_alias(session, arg1, database));
      if (table == session.tables.end()) {
        std::string name = arg1 == nullptr ? std::string("?") : std::string(arg1);
        return deny(Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist")
                        .with_detail("name", name));
      }
      const TableSchema& schema = *table->second;
      if (session.ctx == nullptr) return SQLITE_DENY;
      Status readable = authorize_table_action(*session.ctx, schema, TableAction::kRead, table->first);
      if (!readable.is_ok()) return deny(std::move(readable));
      if (action == SQLITE_UPDATE && arg2 != nullptr &&
          (std::strcmp(arg2, "_seq") == 0 || std::strcmp(arg2, "_deleted") == 0)) {
        return deny(Status(ErrorCode::kInvalidArgument, std::string(arg2) + " is assigned by KalamDB")
                        .with_detail("argument", std::string(arg2)));
      }
      TableAction kind = action == SQLITE_INSERT   ? TableAction::kInsert
                         : action == SQLITE_UPDATE ? TableAction::kUpdate
                                                   : TableAction::kDelete;
      Status allowed = authorize_table_action(*session.ctx, schema, kind, table->first);
      return allowed.is_ok() ? SQLITE_OK : deny(std::move(allowed));
    }
    default:
      return deny(Status(ErrorCode::kInvalidArgument, "the statement needs an operation (code " +
                                                          std::to_string(action) +
                                                          ") that KalamDB does not allow in SQL")
                      .with_detail("argument", std::string("sql")));
  }
}

// SQLite's progress handler: interrupts the statement at its deadline or once the
// client is gone.
int check_deadline(void*) {
  if (t_state.ctx == nullptr) return 0;
  return t_state.ctx->should_stop() ? 1 : 0;
}

}  // namespace

Status resource_limit_error(std::string message, std::string_view key, int64_t max) {
  return Status(ErrorCode::kResourceLimitExceeded, std::move(message))
      .with_detail("limit", "execution." + std::string(key))
      .with_detail("max", max);
}

Status check_write_limits(const StatementState& statement) {
  const ServerConfig* config = statement.services != nullptr ? statement.services->config : nullptr;
  if (config == nullptr) return Status::ok();
  const auto& limits = config->execution;
  size_t rows = statement.writes->write_count() - statement.writes_at_start;
  if (static_cast<int64_t>(rows) >= limits.max_rows_per_statement) {
    return resource_limit_error(
        "the statement writes more than " + std::to_string(limits.max_rows_per_statement) + " rows",
        "max_rows_per_statement", limits.max_rows_per_statement);
  }
  size_t bytes = statement.writes->memory_bytes() + statement.returned_bytes;
  if (static_cast<int64_t>(bytes) > limits.max_statement_memory_bytes) {
    const char* holder = statement.tx != nullptr ? "transaction" : "statement";
    return resource_limit_error(std::string("the ") + holder + "'s pending writes exceed " +
                                    std::to_string(limits.max_statement_memory_bytes) + " bytes",
                                "max_statement_memory_bytes", limits.max_statement_memory_bytes);
  }
  return Status::ok();
}

namespace {

// ---- the per-thread connection ----------------------------------------------

Result<sqlite3*> thread_connection() {
  EngineConnection& session = engine_connection();
  if (session.db != nullptr) return session.db;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return Status(ErrorCode::kInternalError, "cannot open the SQL engine");
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  // Double-quoted text is an identifier only: `SELECT "nosuchcol"` is an error, not a string.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  rc = register_time_values(db);  // before any table declares a column with its collation
  if (rc == SQLITE_OK) rc = sqlite3_create_module_v2(db, "kalam_system", &kSystemModule, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = register_table_module(db);
  std::string setup = "ATTACH DATABASE ':memory:' AS system;";
  for (const SystemTableDef& def : system_table_defs()) {
    setup += "CREATE VIRTUAL TABLE system." + def.name + " USING kalam_system(" + def.name + ");";
  }
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = install_sandbox(db);
  struct Function {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  for (const Function& function :
       {Function{"now", fn_now}, Function{"current_user", fn_current_user},
        Function{"current_role", fn_current_role}, Function{"snowflake_id", fn_snowflake_id},
        Function{"uuid_v7", fn_uuid_v7}, Function{"ulid", fn_ulid}}) {
    if (rc == SQLITE_OK) {
      rc = sqlite3_create_function_v2(db, function.name, 0, SQLITE_UTF8, nullptr, function.fn, nullptr,
                                      nullptr, nullptr);
    }
  }
  if (rc != SQLITE_OK) {
    Status status(ErrorCode::kInternalError, std::string("SQL engine set-up failed: ") + sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_set_authorizer(db, authorize, nullptr);
  sqlite3_progress_handler(db, 1000, check_deadline, nullptr);
  session.db = db;
  return db;
}

// Binds one ParamValue or Value (bool → 0/1, JSON → its text) to `slot`.
template <typename Variant>
int bind_variant(sqlite3_stmt* stmt, int slot, const Variant& variant) {
  return std::visit(
      [&](const auto& value) -> int {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return sqlite3_bind_null(stmt, slot);
        } else if constexpr (std::is_same_v<T, bool>) {
          return sqlite3_bind_int64(stmt, slot, value ? 1 : 0);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return sqlite3_bind_int64(stmt, slot, value);
        } else if constexpr (std::is_same_v<T, double>) {
          return sqlite3_bind_double(stmt, slot, value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return sqlite3_bind_text64(stmt, slot, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        } else {
          return sqlite3_bind_text64(stmt, slot, value.text.data(), value.text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
        }
      },
      variant);
}

// Binds `$number` to `value` when the statement uses it.
template <typename Variant>
Status bind_named(sqlite3_stmt* stmt, int64_t number, const Variant& value) {
  // SQLite numbers `$n` parameters by first appearance, so bind by name.
  std::string name = "$" + std::to_string(number);
  int slot = sqlite3_bind_parameter_index(stmt, name.c_str());
  if (slot == 0) return Status::ok();  // not used by this statement
  if (bind_variant(stmt, slot, value) != SQLITE_OK) {
    return Status(ErrorCode::kInternalError, "cannot bind parameter " + name);
  }
  return Status::ok();
}

Status bind_params(sqlite3_stmt* stmt, const std::vector<ParamValue>& params) {
  for (size_t index = 0; index < params.size(); ++index) {
    KALAM_RETURN_IF_ERROR(bind_named(stmt, static_cast<int64_t>(index + 1), params[index]));
  }
  return Status::ok();
}

Status engine_error(sqlite3* db, int rc, bool at_prepare, const ExecutionContext& ctx) {
  const char* statement_type = t_state.allow_writes ? "DML" : "SELECT";
  if (!t_state.failure.is_ok()) return std::move(t_state.failure);
  std::string message = sqlite3_errmsg(db);
  if (rc == SQLITE_INTERRUPT) return ctx.check_deadline(statement_type);
  if (rc == SQLITE_TOOBIG) {
    int64_t max = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    return resource_limit_error("a value would exceed " + std::to_string(max) + " bytes", "max_value_bytes",
                                max);
  }
  constexpr std::string_view kNoSuchTable = "no such table: ";
  if (message.rfind(kNoSuchTable, 0) == 0) {
    std::string name = message.substr(kNoSuchTable.size());
    return Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name);
  }
  if (at_prepare && rc == SQLITE_MISUSE) {
    return Status(ErrorCode::kInvalidSqlSyntax, "the statement continues after its end (a hidden ';')");
  }
  // SQLite prepares a statement again when a table it uses changed (ALTER TABLE by
  // another request); a name that vanished then fails at step, and is reported as it
  // would have been at prepare.
  if (at_prepare || message.rfind("no such column: ", 0) == 0) {
    int offset = sqlite3_error_offset(db);
    Status status(ErrorCode::kInvalidSqlSyntax, message);
    if (offset >= 0) status.with_detail("offset", static_cast<int64_t>(offset));
    return status;
  }
  return Status(ErrorCode::kInvalidArgument, message).with_detail("argument", std::string("sql"));
}

constexpr size_t kStatementCacheSize = 256;

// A prepared statement borrowed from the connection's cache; reset (and kept) when
// released, so the next execution of the same SQL skips parsing and planning.
class CachedStatement {
 public:
  CachedStatement() = default;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  // Looks `sql` up in the cache or prepares (and caches) it. Errors: the SQLite code.
  int acquire(EngineConnection& session, const std::string& key, const std::string& sql) {
    auto found = session.statement_cache.find(key);
    if (found != session.statement_cache.end()) {
      stmt_ = found->second;
      return SQLITE_OK;
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(session.db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    if (rc != SQLITE_OK || raw == nullptr) {
      sqlite3_finalize(raw);
      return rc;
    }
    // One statement exactly: text after it (SQLite saw a ';' the splitter did not)
    // would otherwise be dropped silently.
    for (; tail != nullptr && tail < sql.data() + sql.size(); ++tail) {
      if (*tail != ' ' && *tail != '\t' && *tail != '\n' && *tail != '\r' && *tail != '\f' && *tail != ';') {
        sqlite3_finalize(raw);
        return SQLITE_MISUSE;
      }
    }
    if (session.statement_cache.size() >= kStatementCacheSize) clear_statement_cache(session);
    session.statement_cache.emplace(key, raw);
    stmt_ = raw;
    return SQLITE_OK;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

namespace {

// Declares (or re-declares after DDL) the virtual table for `qualified_name`.
Status ensure_declared(EngineConnection& session, const std::string& qualified_name,
                       const TableSchema& schema) {
  auto wanted = std::make_tuple(schema.table_id, schema.schema_version(), schema.index_epoch);
  auto it = session.declared.find(qualified_name);
  if (it != session.declared.end() && it->second == wanted) return Status::ok();
  session.internal_ddl = true;
  std::string sql;
  if (it != session.declared.end()) sql = "DROP TABLE IF EXISTS main.\"" + qualified_name + "\";";
  sql += "CREATE VIRTUAL TABLE main.\"" + qualified_name + "\" USING kalam_table();";
  int rc = sqlite3_exec(session.db, sql.c_str(), nullptr, nullptr, nullptr);
  session.internal_ddl = false;
  if (rc != SQLITE_OK) {
    session.declared.erase(qualified_name);
    return Status(ErrorCode::kInternalError,
                  "cannot declare table " + qualified_name + ": " + sqlite3_errmsg(session.db));
  }
  session.declared[qualified_name] = wanted;
  return Status::ok();
}

// Binds temp.<name> to `qualified` (re-created when it pointed elsewhere or at an
// older schema version).
Status ensure_alias(EngineConnection& session, const std::string& name, const std::string& qualified,
                    const TableSchema& schema) {
  auto wanted = std::make_tuple(qualified, schema.table_id, schema.schema_version(), schema.index_epoch);
  auto it = session.temp_declared.find(name);
  if (it != session.temp_declared.end() && it->second == wanted) return Status::ok();
  session.internal_ddl = true;
  std::string sql;
  if (it != session.temp_declared.end()) sql = "DROP TABLE IF EXISTS temp.\"" + name + "\";";
  sql += "CREATE VIRTUAL TABLE temp.\"" + name + "\" USING kalam_table('" + qualified + "');";
  int rc = sqlite3_exec(session.db, sql.c_str(), nullptr, nullptr, nullptr);
  session.internal_ddl = false;
  if (rc != SQLITE_OK) {
    session.temp_declared.erase(name);
    return Status(ErrorCode::kInternalError,
                  "cannot declare table " + name + ": " + sqlite3_errmsg(session.db));
  }
  session.temp_declared[name] = wanted;
  return Status::ok();
}

// Drops the declarations this connection made for another catalog (a test that
// restarts services on the same thread), and the views dropped or replaced since they
// were declared (their temp."ns.view" would shadow a new table of that name).
void forget_stale_declarations(EngineConnection& connection, ExecutorServices& services,
                               const CatalogSnapshot& snapshot) {
  auto drop_all = [&](const char* kind, const char* schema, const auto& names) {
    for (const auto& [name, ignored] : names) {
      std::string drop = std::string("DROP ") + kind + " IF EXISTS " + schema + ".\"" + name + "\"";
      sqlite3_exec(connection.db, drop.c_str(), nullptr, nullptr, nullptr);
    }
  };
  connection.internal_ddl = true;
  if (connection.catalog_owner != services.schema_registry) {
    clear_statement_cache(connection);
    drop_all("VIEW", "temp", connection.temp_views);
    drop_all("TABLE", "main", connection.declared);
    drop_all("TABLE", "temp", connection.temp_declared);
    connection.declared.clear();
    connection.temp_declared.clear();
    connection.temp_views.clear();
    connection.catalog_owner = services.schema_registry;
  } else if (connection.views_catalog_version != snapshot.version()) {
    for (auto it = connection.temp_views.begin(); it != connection.temp_views.end();) {
      size_t dot = it->first.find('.');
      const TableDef* def = snapshot.find_table(it->first.substr(0, dot), it->first.substr(dot + 1));
      if (def != nullptr && def->is_view() && def->table_id == it->second.view_id) {
        ++it;
        continue;
      }
      std::string drop = "DROP VIEW IF EXISTS temp.\"" + it->first + "\"";
      sqlite3_exec(connection.db, drop.c_str(), nullptr, nullptr, nullptr);
      it = connection.temp_views.erase(it);
    }
  }
  connection.internal_ddl = false;
  connection.views_catalog_version = snapshot.version();
}

constexpr int kMaxViewDepth = 16;

Result<std::string> resolve_tables(EngineConnection& connection, StatementState& statement,
                                   ExecutorServices& services, const CatalogSnapshot& snapshot,
                                   std::string_view sql, const std::vector<Token>& tokens,
                                   const std::string& default_ns, int view_depth);

// Declares the view `def` as temp."ns.view" (its query with every name resolved in the
// view's namespace) and records the tables it reads as the statement's, so that the
// authorizer checks each of them against the caller: a view never widens access.
Status use_view(EngineConnection& connection, StatementState& statement, ExecutorServices& services,
                const CatalogSnapshot& snapshot, const TableDef& def, int view_depth) {
  std::string qualified = def.qualified_name();
  if (view_depth >= kMaxViewDepth) {
    return Status(ErrorCode::kInvalidArgument, "view '" + qualified + "' nests views more than " +
                                                   std::to_string(kMaxViewDepth) +
                                                   " deep (or reads itself through another view)")
        .with_detail("argument", std::string("view"));
  }
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize_sql(def.view_sql));
  KALAM_ASSIGN_OR_RETURN(std::string query,
                         resolve_tables(connection, statement, services, snapshot, def.view_sql, tokens,
                                        def.namespace_id, view_depth + 1));
  statement.views.insert(qualified);
  std::string create = "CREATE TEMP VIEW \"" + qualified + "\"";
  for (size_t idx = 0; idx < def.view_columns.size(); ++idx) {
    create += (idx == 0 ? "(\"" : ", \"") + def.view_columns[idx] + "\"";
    if (idx + 1 == def.view_columns.size()) create += ")";
  }
  create += " AS " + query;
  auto declared = connection.temp_views.find(qualified);
  if (declared != connection.temp_views.end() && declared->second.view_id == def.table_id &&
      declared->second.create_sql == create) {
    return Status::ok();
  }
  connection.internal_ddl = true;
  std::string sql = "DROP VIEW IF EXISTS temp.\"" + qualified + "\";" + create;
  int rc = sqlite3_exec(connection.db, sql.c_str(), nullptr, nullptr, nullptr);
  connection.internal_ddl = false;
  if (rc != SQLITE_OK) {
    connection.temp_views.erase(qualified);
    return Status(ErrorCode::kInvalidArgument,
                  "view '" + qualified + "' cannot be used: " + sqlite3_errmsg(connection.db))
        .with_detail("argument", std::string("view"));
  }
  connection.temp_views[qualified] = EngineConnection::DeclaredView{def.table_id, std::move(create)};
  return Status::ok();
}

// Resolves KalamDB table names in `sql`: `ns.table` and unqualified names of the
// default namespace become the quoted virtual-table name "ns.table" (declared on
// demand). `system.*` stays as it is; unknown names are left for SQLite to report.
// A view named where a query reads a table becomes temp."ns.view" (declared on demand,
// keeping the name written as its alias).
// `view_depth` 0: the client's statement, whose unqualified table names are bound
// through temp.<name> aliases (a column may share a table's name). Above 0: a view's
// query, whose unqualified FROM items are rewritten to "ns.table" AS name instead, so
// that they mean the view's namespace whoever reads the view.
Result<std::string> resolve_tables(EngineConnection& connection, StatementState& statement,
                                   ExecutorServices& services, const CatalogSnapshot& snapshot,
                                   std::string_view sql, const std::vector<Token>& tokens,
                                   const std::string& default_ns, int view_depth) {
  const bool view_query = view_depth > 0;
  // FROM items, by the token index of their first name (only views and a view's own
  // query need them).
  std::vector<const TableReference*> from_item(tokens.size(), nullptr);
  std::vector<TableReference> references;
  if (view_query || snapshot.view_count() > 0) references = find_table_references(tokens);
  for (const TableReference& reference : references) from_item[reference.first] = &reference;

  std::string out;
  size_t copied = 0;
  auto replace = [&](size_t begin, size_t end, const std::string& text) {
    out.append(sql.substr(copied, begin - copied));
    out += text;
    copied = end;
  };
  auto end_of = [&](size_t idx) { return tokens[idx].offset + tokens[idx].length; };
  // The written name as the alias of an unqualified FROM item that has none.
  auto alias_for = [&](const TableReference& item) {
    return item.has_alias
               ? std::string()
               : " AS " + std::string(sql.substr(tokens[item.first].offset, tokens[item.first].length));
  };
  for (size_t idx = 0; idx + 1 < tokens.size(); ++idx) {
    const Token& token = tokens[idx];
    if (!token.is_name() || (idx > 0 && tokens[idx - 1].is_symbol("."))) continue;
    const TableReference* item = from_item[idx];
    if (idx + 2 < tokens.size() && tokens[idx + 1].is_symbol(".") && tokens[idx + 2].is_name()) {
      std::string ns = token.name();
      if (ns == "system") {
        idx += 2;
        continue;
      }
      const TableDef* def = snapshot.find_table(ns, tokens[idx + 2].name());
      if (def != nullptr && (def->schema || def->is_view())) {
        if (def->is_view()) {
          if (item != nullptr) {
            KALAM_RETURN_IF_ERROR(use_view(connection, statement, services, snapshot, *def, view_depth));
          }
        } else {
          statement.tables[def->qualified_name()] = def->schema;
        }
        replace(token.offset, end_of(idx + 2), "\"" + def->qualified_name() + "\"");
        idx += 2;
        continue;
      }
    }
    if (default_ns.empty()) continue;
    std::string name = token.name();
    const TableDef* def = snapshot.find_table(default_ns, name);
    if (def == nullptr) continue;
    if (item != nullptr && (def->is_view() || (view_query && def->schema))) {
      if (def->is_view()) {
        KALAM_RETURN_IF_ERROR(use_view(connection, statement, services, snapshot, *def, view_depth));
      } else {
        statement.tables[def->qualified_name()] = def->schema;
      }
      replace(token.offset, end_of(idx), "\"" + def->qualified_name() + "\"" + alias_for(*item));
      continue;
    }
    // Unqualified: not rewritten (a column or alias may share the name); SQLite finds
    // temp.<name>, an alias bound to this namespace's table.
    if (!view_query && def->schema) {
      statement.tables[def->qualified_name()] = def->schema;
      statement.aliases[name] = def->qualified_name();
    }
  }
  out.append(sql.substr(copied));
  for (const auto& [qualified, schema] : statement.tables) {
    KALAM_RETURN_IF_ERROR(ensure_declared(connection, qualified, *schema));
  }
  if (view_query) return out;
  // INSERT [OR x] INTO t [(a, b, …)]: remember the column list (omitted columns get defaults).
  auto tok = [&](size_t idx) -> const Token& { return idx < tokens.size() ? tokens[idx] : tokens.back(); };
  size_t pos = dml_head_index(tokens);
  if (pos < tokens.size() && (tokens[pos].is_keyword("insert") || tokens[pos].is_keyword("replace"))) {
    ++pos;
    if (tok(pos).is_keyword("or")) pos += 2;
    if (tok(pos).is_keyword("into")) ++pos;
    if (tok(pos).is_name()) ++pos;
    if (tok(pos).is_symbol(".") && tok(pos + 1).is_name()) pos += 2;
    if (tok(pos).is_keyword("as") && tok(pos + 1).is_name()) pos += 2;
    if (tok(pos).is_symbol("(") && !tok(pos + 1).is_keyword("select") && !tok(pos + 1).is_keyword("with")) {
      std::vector<std::string> columns;
      for (++pos; pos < tokens.size() && !tok(pos).is_symbol(")"); ++pos) {
        if (tok(pos).is_name()) columns.push_back(tok(pos).name());
      }
      statement.insert_columns = std::move(columns);
    } else if (tok(pos).is_keyword("default") && tok(pos + 1).is_keyword("values")) {
      statement.insert_columns = std::vector<std::string>();
    }
  }
  for (const auto& [name, qualified] : statement.aliases) {
    KALAM_RETURN_IF_ERROR(ensure_alias(connection, name, qualified, *statement.tables[qualified]));
  }
  // An alias left by an earlier statement (another namespace) must not capture a name
  // that this statement means differently (e.g. system.users as `users`).
  for (const Token& token : tokens) {
    if (!token.is_name()) continue;
    std::string name = token.name();
    if (statement.aliases.count(name) != 0 || connection.temp_declared.count(name) == 0) continue;
    connection.internal_ddl = true;
    std::string drop = "DROP TABLE IF EXISTS temp.\"" + name + "\"";
    sqlite3_exec(connection.db, drop.c_str(), nullptr, nullptr, nullptr);
    connection.internal_ddl = false;
    connection.temp_declared.erase(name);
  }
  return out;
}

// The client's statement `sql` resolved (tokenized here unless `given_tokens`).
Result<std::string> resolve_statement(EngineConnection& connection, StatementState& statement,
                                      ExecutorServices& services, std::string_view sql,
                                      const std::vector<Token>* given_tokens) {
  std::vector<Token> own_tokens;
  if (given_tokens == nullptr) {
    KALAM_ASSIGN_OR_RETURN(own_tokens, tokenize_sql(sql));
  }
  auto snapshot = services.schema_registry->snapshot();
  forget_stale_declarations(connection, services, *snapshot);
  return resolve_tables(connection, statement, services, *snapshot, sql,
                        given_tokens != nullptr ? *given_tokens : own_tokens,
                        statement.ctx->default_namespace, 0);
}

// A key or UNIQUE value that was free when the statement looked and was taken by a
// commit since (details.concurrent).
bool is_concurrent_insert(const Status& status) {
  if (status.code() != ErrorCode::kPrimaryKeyViolation) return false;
  const DetailValue* concurrent = status.detail("concurrent");
  const auto* flag = concurrent == nullptr ? nullptr : std::get_if<bool>(concurrent);
  return flag != nullptr && *flag;
}

// A table the statement wrote was dropped or re-indexed before its commit.
bool is_schema_conflict(const Status& status) {
  if (status.code() != ErrorCode::kTransactionConflict) return false;
  const DetailValue* reason = status.detail("reason");
  const auto* text = reason == nullptr ? nullptr : std::get_if<std::string>(reason);
  return text != nullptr && *text == "schema";
}

// "pk" / "nn" flags of a result column that is a plain column of a KalamDB or system
// table (empty for computed columns).
std::vector<std::string> column_flags(const StatementState& session, sqlite3_stmt* stmt, int column) {
  std::vector<std::string> flags;
  const char* database = sqlite3_column_database_name(stmt, column);
  const char* table = sqlite3_column_table_name(stmt, column);
  const char* origin = sqlite3_column_origin_name(stmt, column);
  if (database == nullptr || table == nullptr || origin == nullptr) return flags;
  if (std::strcmp(database, "system") == 0) {
    if (const SystemTableDef* def = find_system_table(table)) {
      for (const ResultColumn& system_column : def->columns) {
        if (system_column.name == origin) return system_column.flags;
      }
    }
    return flags;
  }
  std::string qualified = table;
  if (std::strcmp(database, "temp") == 0) {
    auto alias = session.aliases.find(table);
    if (alias == session.aliases.end()) return flags;
    qualified = alias->second;
  }
  auto schema = session.tables.find(qualified);
  if (schema == session.tables.end()) return flags;
  if (const ColumnDef* def = schema->second->find_column(origin)) {
    if (def->pk_position >= 0) flags.emplace_back("pk");
    if (!def->nullable) flags.emplace_back("nn");
  } else if (std::strcmp(origin, "_seq") == 0 || std::strcmp(origin, "_deleted") == 0) {
    flags.emplace_back("nn");
  }
  return flags;
}

}  // namespace

Status QueryEngine::commit_transaction(ExecutionContext& ctx) {
  std::shared_ptr<TransactionState> tx = std::move(ctx.transaction);
  if (!tx || tx->writes.empty()) return Status::ok();
  WriteBatch audits;
  for (const PendingAudit& audit : tx->audits) {
    log_dml_operation(audits, ctx, services_, audit.action, audit.target, audit.rows_affected);
  }
  return services_.tables->commit(tx->writes, audits, services_.live);
}

Result<RowsResult> QueryEngine::query(ExecutionContext& ctx, std::string_view sql,
                                      const std::vector<Token>* tokens) {
  KALAM_ASSIGN_OR_RETURN(EngineOutcome outcome, execute(ctx, sql, false, tokens));
  return std::move(outcome.rows);
}

namespace {

// Binds of the engine's own statements (upsert probes, RETURNING): $<number> → value.
using InternalBinds = std::vector<std::pair<int64_t, Value>>;
constexpr int64_t kInternalParamBase = 1000000;  // above any client parameter number

Status bind_internal(sqlite3_stmt* stmt, const InternalBinds& binds) {
  for (const auto& [number, value] : binds) KALAM_RETURN_IF_ERROR(bind_named(stmt, number, value));
  return Status::ok();
}

// Resolves, prepares (cached), binds and runs one SQL statement inside the running
// engine statement; its writes join the statement's pending writes. Returns its rows.
// `prepare_only`: resolve and prepare (which runs the authorizer) without running.
// `tokens`: those of `sql` when the caller has them (the client's statement as parsed).
Result<RowsResult> run_sql(StatementState& session, ExecutorServices& services, ExecutionContext& ctx,
                           std::string_view sql, const InternalBinds& binds, bool read_only,
                           bool prepare_only = false, const std::vector<Token>* tokens = nullptr) {
  EngineConnection& connection = engine_connection();
  session.insert_columns.reset();
  KALAM_ASSIGN_OR_RETURN(std::string resolved, resolve_statement(connection, session, services, sql, tokens));
  // The authorizer runs when SQLite prepares, so a cached statement is only reused by
  // callers for whom it made the same decisions: the key includes the role and
  // whether writes are allowed (scopes are applied at run time, not at prepare).
  // The text as written is part of the key too: the authorizer's decisions depend on
  // which names this statement resolved, and a quoted "ns.table" written by the client
  // resolves nothing even when its resolved text equals that of `ns.table`.
  std::string cache_key = std::string(role_name(ctx.role)) +
                          (session.allow_writes ? "\x01w\x01" : "\x01r\x01") + std::string(sql) + "\x01" +
                          resolved;
  CachedStatement stmt;
  int rc = stmt.acquire(connection, cache_key, resolved);
  if (rc != SQLITE_OK) return engine_error(connection.db, rc, true, ctx);
  if (!stmt) return Status(ErrorCode::kEmptySql, "empty statement");
  if (read_only && !sqlite3_stmt_readonly(stmt.get())) {
    return Status(ErrorCode::kInvalidArgument, "a query cannot modify data")
        .with_detail("argument", std::string("sql"));
  }
  if (prepare_only) return RowsResult{};
  KALAM_RETURN_IF_ERROR(bind_params(stmt.get(), ctx.params));
  KALAM_RETURN_IF_ERROR(bind_internal(stmt.get(), binds));

  RowsResult result;
  int columns = sqlite3_column_count(stmt.get());
  result.schema.reserve(static_cast<size_t>(columns));
  for (int column = 0; column < columns; ++column) {
    const char* declared = sqlite3_column_decltype(stmt.get(), column);
    auto type = declared != nullptr ? parse_data_type(declared) : std::nullopt;
    result.schema.push_back(ResultColumn{sqlite3_column_name(stmt.get(), column),
                                         type.value_or(DataType::kAny),
                                         column_flags(session, stmt.get(), column)});
  }
  int64_t max_bytes = services.config != nullptr ? services.config->limits.max_result_bytes : INT64_MAX;
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
  if (rc != SQLITE_DONE) return engine_error(connection.db, rc, false, ctx);
  return result;
}

// The table a DML statement writes (NOT_FOUND_TABLE, as SQLite would report it, when
// the name is unknown or the caller may not read it).
Status view_not_writable(const std::string& qualified) {
  return Status(ErrorCode::kInvalidArgument,
                "cannot modify '" + qualified + "': it is a view (views are read-only)")
      .with_detail("argument", std::string("table"));
}

Result<std::shared_ptr<const TableSchema>> dml_target(ExecutorServices& services, const ExecutionContext& ctx,
                                                      const DmlClauses& clauses) {
  if (clauses.target_ns == "system") {
    return Status(ErrorCode::kInvalidArgument, "system tables are read-only")
        .with_detail("argument", std::string("table"));
  }
  auto snapshot = services.schema_registry->snapshot();
  const std::string& ns = clauses.target_ns.empty() ? ctx.default_namespace : clauses.target_ns;
  const TableDef* def = ns.empty() ? nullptr : snapshot->find_table(ns, clauses.target_name);
  std::string name =
      clauses.target_ns.empty() ? clauses.target_name : clauses.target_ns + "." + clauses.target_name;
  if (def != nullptr && def->is_view()) return view_not_writable(def->qualified_name());
  if (def == nullptr || !def->schema) {
    return Status(ErrorCode::kNotFoundTable, "table '" + name + "' does not exist").with_detail("name", name);
  }
  // (the write itself is decided by the authorizer when SQLite prepares the statements)
  KALAM_RETURN_IF_ERROR(authorize_table_action(ctx, *def->schema, TableAction::kRead, name));
  return def->schema;
}

std::string quote_name(std::string_view name) {
  std::string out = "\"";
  for (char ch : name) {
    out += ch;
    if (ch == '"') out += '"';
  }
  return out + "\"";
}

// A name that means the rowid in SQL on this table (a column may take "rowid"), or
// nullptr when its columns take all three.
const char* rowid_alias(const TableSchema& schema) {
  for (const char* name : {"rowid", "_rowid_", "oid"}) {
    bool taken = false;
    for (const ColumnDef& column : schema.current().columns) taken = taken || to_lower(column.name) == name;
    if (!taken) return name;
  }
  return nullptr;
}

// INSERT … ON CONFLICT … DO UPDATE: each proposed row is INSERTed as a probe; a row
// that conflicts on the target is not written, and the existing row is UPDATEd instead
// with `excluded.<column>` bound to the proposed row's values.
Status run_upsert(StatementState& session, ExecutorServices& services, ExecutionContext& ctx,
                  const DmlClauses& clauses) {
  const UpsertClause& upsert = *clauses.upsert;
  KALAM_ASSIGN_OR_RETURN(std::shared_ptr<const TableSchema> schema, dml_target(services, ctx, clauses));
  const auto& columns = schema->current().columns;
  std::vector<std::string> column_names;
  for (const ColumnDef& column : columns) column_names.push_back(column.name);
  const char* rowid_name = rowid_alias(*schema);
  if (rowid_name == nullptr) {
    return Status(ErrorCode::kNotImplemented,
                  "ON CONFLICT … DO UPDATE needs a table without columns named rowid, _rowid_ and oid")
        .with_detail("feature", std::string("ON CONFLICT DO UPDATE"));
  }

  // The conflict target: the primary key or one UNIQUE column (any conflict when omitted).
  UpsertProbe probe;
  probe.active = true;
  if (!upsert.conflict_columns.empty()) {
    std::vector<std::string> pk_names;
    for (const ColumnDef* pk : schema->primary_key()) pk_names.push_back(to_lower(pk->name));
    std::vector<std::string> target;
    for (const std::string& name : upsert.conflict_columns) target.push_back(to_lower(name));
    std::sort(pk_names.begin(), pk_names.end());
    std::sort(target.begin(), target.end());
    // A UNIQUE index (or UNIQUE column) on exactly these columns.
    const IndexDef* unique = nullptr;
    for (const IndexDef& index : schema->indexes) {
      if (!index.unique || index.state != IndexState::kReady) continue;
      std::vector<std::string> names;
      for (uint32_t column_id : index.column_ids) {
        const ColumnDef* column = schema->find_column_by_id(column_id);
        names.push_back(column == nullptr ? std::string() : to_lower(column->name));
      }
      std::sort(names.begin(), names.end());
      if (names == target) unique = &index;
    }
    if (!schema->hidden_primary_key && target == pk_names) {
      probe.target = ConflictTarget::kPrimaryKey;
    } else if (unique != nullptr) {
      probe.target = ConflictTarget::kUniqueIndex;
      probe.unique_index_id = unique->index_id;
    } else {
      std::string list;
      for (const std::string& name : upsert.conflict_columns) list += (list.empty() ? "" : ", ") + name;
      return Status(ErrorCode::kInvalidArgument,
                    "ON CONFLICT (" + list +
                        ") names neither the primary key nor a UNIQUE column or index of " +
                        schema->qualified_name())
          .with_detail("argument", std::string("on_conflict"));
    }
  }

  KALAM_ASSIGN_OR_RETURN(std::string assignments,
                         replace_excluded(upsert.assignments, column_names, kInternalParamBase + 1));
  std::string update_sql = upsert.with_prefix + (upsert.with_prefix.empty() ? "" : " ") + "UPDATE " +
                           clauses.target + " AS " + quote_name(clauses.alias) + " SET " + assignments +
                           "\nWHERE " + rowid_name + " = $" + std::to_string(kInternalParamBase);
  if (!upsert.condition.empty()) {
    KALAM_ASSIGN_OR_RETURN(std::string condition,
                           replace_excluded(upsert.condition, column_names, kInternalParamBase + 1));
    update_sql += " AND (" + condition + "\n)";
  }

  // The proposed rows.
  std::vector<ResultRow> proposed;
  size_t width = 0;
  if (upsert.source.empty()) {
    proposed.emplace_back();  // DEFAULT VALUES
  } else {
    KALAM_ASSIGN_OR_RETURN(RowsResult source,
                           run_sql(session, services, ctx, upsert.with_prefix + upsert.source, {}, true));
    width = source.schema.size();
    proposed = std::move(source.rows);
  }
  std::string probe_sql = "INSERT " + upsert.or_clause + "INTO " + clauses.target + " " + upsert.columns;
  if (upsert.source.empty()) {
    probe_sql += " DEFAULT VALUES";
  } else {
    probe_sql += " VALUES (";
    for (size_t idx = 0; idx < width; ++idx) {
      probe_sql +=
          (idx == 0 ? "$" : ", $") + std::to_string(kInternalParamBase + 1 + static_cast<int64_t>(idx));
    }
    probe_sql += ")";
  }
  // Both statements are prepared first, so that the authorizer (write access, STREAM
  // tables) and SQLite's checks run even when no row is proposed or none conflicts.
  for (const std::string* sql : {&probe_sql, &update_sql}) {
    if (auto prepared = run_sql(session, services, ctx, *sql, {}, false, true); !prepared.is_ok()) {
      return prepared.status();
    }
  }

  InternalBinds binds;
  for (ResultRow& row : proposed) {
    binds.clear();
    for (size_t idx = 0; idx < row.size(); ++idx) {
      binds.emplace_back(kInternalParamBase + 1 + static_cast<int64_t>(idx), std::move(row[idx]));
    }
    session.upsert = probe;
    if (auto run = run_sql(session, services, ctx, probe_sql, binds, false); !run.is_ok())
      return run.status();
    if (!session.upsert.conflict_key) continue;
    binds.clear();
    binds.emplace_back(kInternalParamBase,
                       Value(session.rowid_for(*session.upsert.conflict_key, session.upsert.conflict_seq)));
    for (size_t idx = 0; idx < columns.size(); ++idx) {
      binds.emplace_back(kInternalParamBase + 1 + static_cast<int64_t>(idx),
                         TableStore::column_value(*schema, session.upsert.excluded, columns[idx]));
    }
    session.upsert_update_key = *session.upsert.conflict_key;
    session.upsert = UpsertProbe{};  // the UPDATE's own conflicts are errors
    auto run = run_sql(session, services, ctx, update_sql, binds, false);
    session.upsert_update_key.reset();
    if (!run.is_ok()) return run.status();
  }
  session.upsert = UpsertProbe{};
  return Status::ok();
}

// RETURNING: the statement's list evaluated over the rows it wrote, through the same
// virtual table (so types, flags and `*` are those of the table).
Result<RowsResult> run_returning(StatementState& session, ExecutorServices& services, ExecutionContext& ctx,
                                 const DmlClauses& clauses) {
  KALAM_ASSIGN_OR_RETURN(std::shared_ptr<const TableSchema> schema, dml_target(services, ctx, clauses));
  session.serve_returned = true;
  session.returning_table_id = schema->table_id;
  // GROUP BY the written row's _seq (fresh for every write, so unique per returned
  // row, and in write order): one result row per written row, even when the list holds
  // an aggregate (computed per row; SQLite would refuse it). Qualified, so that no
  // alias of the list can take its place.
  std::string sql = "SELECT " + *clauses.returning + "\nFROM " + clauses.target + " AS " +
                    quote_name(clauses.alias) + " GROUP BY " + quote_name(clauses.alias) + "._seq";
  auto rows = run_sql(session, services, ctx, sql, {}, true);
  session.serve_returned = false;
  return rows;
}

}  // namespace

Status QueryEngine::open_thread_connection() {
  auto db = thread_connection();
  return db.is_ok() ? Status::ok() : db.status();
}

Result<EngineOutcome> QueryEngine::execute(ExecutionContext& ctx, std::string_view sql, bool allow_writes,
                                           const std::vector<Token>* tokens) {
  KALAM_ASSIGN_OR_RETURN(sqlite3 * db, thread_connection());
  if (services_.config != nullptr) {
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, static_cast<int>(services_.config->execution.max_value_bytes));
  }
  DmlClauses clauses;
  if (allow_writes) {
    KALAM_ASSIGN_OR_RETURN(clauses, parse_dml_clauses(sql, tokens));
    const std::string& ns = clauses.target_ns.empty() ? ctx.default_namespace : clauses.target_ns;
    const TableDef* target = services_.schema_registry->snapshot()->find_table(ns, clauses.target_name);
    if (target != nullptr && target->is_view()) return view_not_writable(target->qualified_name());
  } else {
    clauses.base_sql = std::string(sql);
  }
  // The tokens describe base_sql only when the engine runs the statement as written
  // (no RETURNING or upsert clause taken out).
  const std::vector<Token>* base_tokens = clauses.base_sql == sql ? tokens : nullptr;
  for (int attempt = 1;; ++attempt) {
    Result<EngineOutcome> outcome = execute_once(ctx, clauses, allow_writes, base_tokens);
    // Run again (autocommit only):
    //  - two statements that resolve conflicts (upserts, OR IGNORE, OR REPLACE)
    //    inserting the same new key or UNIQUE value at once both found it free and one
    //    commit won: the loser now finds the row and resolves the conflict as written;
    //  - a table the statement wrote was re-indexed (or dropped) before it committed:
    //    its index entries were derived from the old definition.
    if (!outcome.is_ok() && ctx.transaction == nullptr && attempt < 4 &&
        ((clauses.resolves_conflicts && is_concurrent_insert(outcome.status())) ||
         is_schema_conflict(outcome.status()))) {
      continue;
    }
    return outcome;
  }
}

namespace {

// A statement's state before it runs: `own_writes` receives an autocommit statement's writes.
void begin_statement(StatementState& statement, ExecutionContext& ctx, ExecutorServices& services,
                     WriteSet& own_writes, bool allow_writes) {
  statement.ctx = &ctx;
  statement.services = &services;
  statement.store = services.tables;
  statement.tx = ctx.transaction.get();
  statement.writes = statement.tx != nullptr ? &statement.tx->writes : &own_writes;
  statement.writes_at_start = statement.writes->write_count();
  statement.allow_writes = allow_writes;
  statement.view.writes = statement.writes;
  statement.view.now_us = ctx.timestamp_us;
}

// Makes `statement` the connection's running statement for the scope of the object.
struct RunningStatement {
  RunningStatement(EngineConnection& connection, StatementState& statement) : connection(connection) {
    connection.statement = &statement;
  }
  ~RunningStatement() { connection.statement = nullptr; }
  EngineConnection& connection;
};

}  // namespace

Status QueryEngine::check_view(ExecutionContext& ctx, const TableDef& view) {
  KALAM_ASSIGN_OR_RETURN(sqlite3 * db, thread_connection());
  EngineConnection& connection = engine_connection();
  StatementState statement;
  WriteSet own_writes;
  begin_statement(statement, ctx, services_, own_writes, false);
  statement.view_query = true;
  RunningStatement running(connection, statement);
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize_sql(view.view_sql));
  auto snapshot = services_.schema_registry->snapshot();
  forget_stale_declarations(connection, services_, *snapshot);
  // Resolved as a view's query is when the view is used (one level down).
  KALAM_ASSIGN_OR_RETURN(std::string query, resolve_tables(connection, statement, services_, *snapshot,
                                                           view.view_sql, tokens, view.namespace_id, 1));
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, query.data(), static_cast<int>(query.size()), &stmt, &tail);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(stmt, sqlite3_finalize);
  if (rc != SQLITE_OK) return engine_error(db, rc, true, ctx);
  if (stmt == nullptr) return Status(ErrorCode::kEmptySql, "empty statement");
  for (; tail != nullptr && *tail != '\0'; ++tail) {
    if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
      return Status(ErrorCode::kInvalidArgument, "a view's query is one statement")
          .with_detail("argument", std::string("sql"));
    }
  }
  if (!sqlite3_stmt_readonly(stmt)) {
    return Status(ErrorCode::kInvalidArgument, "a view's query cannot modify data")
        .with_detail("argument", std::string("sql"));
  }
  int columns = sqlite3_column_count(stmt);
  if (!view.view_columns.empty() && static_cast<size_t>(columns) != view.view_columns.size()) {
    return Status(ErrorCode::kInvalidArgument, "the view names " + std::to_string(view.view_columns.size()) +
                                                   " columns but its query returns " +
                                                   std::to_string(columns))
        .with_detail("argument", std::string("columns"));
  }
  return Status::ok();
}

Result<EngineOutcome> QueryEngine::execute_once(ExecutionContext& ctx, const DmlClauses& clauses,
                                                bool allow_writes, const std::vector<Token>* tokens) {
  EngineConnection& connection = engine_connection();
  StatementState statement;
  WriteSet own_writes;  // autocommit: the statement's own
  begin_statement(statement, ctx, services_, own_writes, allow_writes);
  statement.statement_action = clauses.action.empty() ? "INSERT" : clauses.action;
  statement.collect_returned = clauses.returning.has_value();
  statement.param_placements = clauses.params;
  RunningStatement running(connection, statement);

  RowsResult result;
  if (clauses.upsert) {
    KALAM_RETURN_IF_ERROR(run_upsert(statement, services_, ctx, clauses));
  } else {
    KALAM_ASSIGN_OR_RETURN(
        result, run_sql(statement, services_, ctx, clauses.base_sql, {}, !allow_writes, false, tokens));
  }
  KALAM_RETURN_IF_ERROR(ctx.check_deadline(allow_writes ? "DML" : "SELECT"));

  EngineOutcome outcome;
  outcome.inserted = statement.counts.inserted;
  outcome.updated = statement.counts.updated;
  outcome.deleted = statement.counts.deleted;
  outcome.returning = clauses.returning.has_value();
  uint64_t affected = statement.counts.inserted + statement.counts.updated + statement.counts.deleted;
  // RETURNING reads the rows written, with the _seq their commit gives them.
  auto returning = [&]() -> Status {
    if (!clauses.returning) return Status::ok();
    for (ReturnedRow& row : statement.returned) {
      int64_t seq = statement.writes->final_seq_of(row.write_index);
      if (row.write_index != SIZE_MAX && seq != 0) row.row.seq = seq;
    }
    KALAM_ASSIGN_OR_RETURN(result, run_returning(statement, services_, ctx, clauses));
    return Status::ok();
  };
  if (statement.tx != nullptr) {
    // Inside BEGIN … COMMIT: the writes are already the transaction's; _seq values are
    // assigned at COMMIT (RETURNING shows provisional ones).
    if (allow_writes && affected > 0) {
      statement.tx->audits.push_back(
          PendingAudit{statement.statement_action, "table:" + statement.written_table, affected});
    }
    KALAM_RETURN_IF_ERROR(returning());
  } else if (!own_writes.empty()) {
    // Autocommit: every row of the statement plus its audit row in one atomic batch.
    WriteBatch audit;
    log_dml_operation(audit, ctx, services_, statement.statement_action, "table:" + statement.written_table,
                      affected);
    KALAM_RETURN_IF_ERROR(services_.tables->commit(own_writes, audit, services_.live, returning));
  } else {
    KALAM_RETURN_IF_ERROR(returning());
  }
  outcome.rows = std::move(result);
  return outcome;
}

}  // namespace kalam
