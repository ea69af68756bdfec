// Typed statement structs produced by the parser, one per statement kind that
// KalamDB parses itself; engine statements (SELECT, DML …) travel as RawSqlStatement.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "auth/role.h"
#include "catalog/catalog_models.h"
#include "common/value.h"
#include "sql/parser/statement_kind.h"
#include "sql/parser/token.h"

namespace kalam {

// A statement whose text is executed by the SQL engine (or not implemented yet).
struct RawSqlStatement {
  StatementKind kind;
};

// A query executed by the SQL engine (SQLite) over KalamDB's tables.
// The tokens of a statement's text, shared by the stages after the parser (the engine
// resolves names and splits DML clauses on them instead of tokenizing again).
using StatementTokens = std::shared_ptr<const std::vector<Token>>;

struct SelectStmt {
  std::string sql;
  StatementTokens tokens;  // of `sql`
};

// INSERT, UPDATE or DELETE executed by the SQL engine.
struct DmlStmt {
  StatementKind kind;
  std::string sql;
  StatementTokens tokens;  // of `sql`
};

// EXECUTE AS USER 'bob' ( <one SELECT/INSERT/UPDATE/DELETE> ).
struct ExecuteAsStmt {
  std::string target_user;  // lower-case user id
  StatementKind inner_kind = StatementKind::kSelect;
  std::string inner_sql;
};

struct CreateNamespaceStmt {
  std::string name;
  bool if_not_exists = false;
};

struct AlterNamespaceStmt {
  std::string name;
  std::vector<std::pair<std::string, Value>> options;  // lower-case keys
};

struct DropNamespaceStmt {
  std::string name;
  bool if_exists = false;
  bool cascade = false;
};

struct ShowNamespacesStmt {};

struct UseNamespaceStmt {
  std::string name;
};

struct CreateStorageStmt {
  std::string storage_id;
  bool if_not_exists = false;
  StorageType storage_type = StorageType::kFilesystem;
  std::optional<std::string> storage_name;
  std::optional<std::string> description;
  std::optional<std::string> base_directory;
  std::optional<std::string> shared_tables_template;
  std::optional<std::string> user_tables_template;
  std::optional<std::string> region;
  std::optional<std::string> endpoint;
  std::optional<std::string> credentials;  // secret: never logged or returned
};

struct AlterStorageStmt {
  std::string storage_id;
  std::optional<std::string> storage_name;
  std::optional<std::string> description;
  std::optional<std::string> shared_tables_template;
  std::optional<std::string> user_tables_template;
  std::optional<std::string> credentials;  // secret
};

struct DropStorageStmt {
  std::string storage_id;
  bool if_exists = false;
};

struct ShowStoragesStmt {};

struct CheckStorageStmt {
  std::string storage_id;
};

struct CreateUserStmt {
  std::string user_id;
  bool if_not_exists = false;
  std::string password;  // secret
  Role role = Role::kUser;
  std::optional<std::string> email;
};

struct AlterUserStmt {
  std::string user_id;
  std::optional<std::string> password;  // secret
  std::optional<Role> role;
  std::optional<std::string> email;
};

struct DropUserStmt {
  std::string user_id;
  bool if_exists = false;
};

struct ShowUsersStmt {};

// A possibly qualified table name; empty namespace_id = the request's default namespace.
struct TableRef {
  std::string namespace_id;
  std::string table_name;
};

// One column of CREATE TABLE as written.
struct ColumnSpec {
  std::string name;
  std::string type_name;  // upper-case, without length; empty when the type was omitted
  int32_t length = 0;     // VARCHAR(n) / CHAR(n)
  int32_t precision = 0;  // DECIMAL(p[,s])
  int32_t scale = 0;
  std::optional<bool> not_null;
  std::optional<std::string> default_sql;  // the DEFAULT expression's text
  bool primary_key = false;
  bool unique = false;
  bool auto_increment = false;  // AUTO_INCREMENT, SERIAL, BIGSERIAL, GENERATED … AS IDENTITY
};

struct CreateTableStmt {
  std::optional<std::string> kind_keyword;  // USER | SHARED | STREAM written before TABLE
  bool if_not_exists = false;
  TableRef table;
  std::vector<ColumnSpec> columns;
  std::vector<std::string> primary_key;  // table-level PRIMARY KEY (…)
  // WITH (…) options and trailing clauses, normalized to the WITH names (lower-case):
  // type, storage_id, flush_policy, deleted_retention_hours, ttl_seconds, access_level.
  std::vector<std::pair<std::string, Value>> options;
};

enum class AlterTableAction : uint8_t {
  kAddColumn,
  kDropColumn,
  kRenameColumn,
  kSetDefault,
  kDropDefault,
  kSetNotNull,
  kDropNotNull,
  kSetAccessLevel,
  kSetOptions,
};

struct AlterTableStmt {
  TableRef table;
  AlterTableAction action = AlterTableAction::kAddColumn;
  ColumnSpec column;                                   // kAddColumn
  std::string column_name;                             // the column the other column actions apply to
  std::string new_name;                                // kRenameColumn
  std::optional<std::string> default_sql;              // kSetDefault
  std::string access_level;                            // kSetAccessLevel (upper-case)
  std::vector<std::pair<std::string, Value>> options;  // kSetOptions (lower-case keys)
};

struct DropTableStmt {
  std::optional<std::string> kind_keyword;
  bool if_exists = false;
  TableRef table;
};

struct ShowTablesStmt {
  std::string namespace_id;  // empty = every namespace the caller can see
};

struct ShowStatsStmt {
  TableRef table;
};

struct ExplainStmt {
  std::string query_sql;  // the statement after EXPLAIN [QUERY PLAN]
};

struct DescribeTableStmt {
  TableRef table;
  bool history = false;
};

// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [ns.]name ON [ns.]t (col [ASC|DESC] [, …])
struct CreateIndexStmt {
  bool unique = false;
  bool if_not_exists = false;
  std::string index_namespace;  // written before the index name ("" when not)
  std::string index_name;
  TableRef table;
  std::vector<std::string> columns;
  std::vector<bool> descending;
};

// DROP INDEX [IF EXISTS] [ns.]name
struct DropIndexStmt {
  bool if_exists = false;
  std::string namespace_id;  // "" = the request's default namespace
  std::string index_name;
};

// REINDEX [[ns.]table_or_index]
struct ReindexStmt {
  std::string namespace_id;  // "" = the request's default namespace
  std::string name;          // "" = every index of every table of that namespace
};

// SHOW INDEXES [ON|FROM|IN [ns.]t]
struct ShowIndexesStmt {
  std::optional<TableRef> table;  // nullopt: every table the caller may read
};

// CHECK TABLE [ns.]t: the consistency check of rows, index and _seq entries.
struct CheckTableStmt {
  TableRef table;
};

// CREATE VIEW [IF NOT EXISTS] [ns.]v [(col, …)] AS <query>
struct CreateViewStmt {
  bool if_not_exists = false;
  TableRef view;
  std::vector<std::string> columns;  // the column names given (empty: the query's)
  std::string query_sql;             // the query's text as written
};

// DROP VIEW [IF EXISTS] [ns.]v
struct DropViewStmt {
  bool if_exists = false;
  TableRef view;
};

// STORAGE FLUSH TABLE [ns.]t (also FLUSH TABLE [ns.]t)
struct FlushTableStmt {
  TableRef table;
};

// STORAGE FLUSH ALL [IN [NAMESPACE] ns] (also FLUSH ALL TABLES [IN ns])
struct FlushAllStmt {
  std::string namespace_id;  // "" = the request's default namespace
};

// KILL JOB 'FL-8f3a2c1d9e0b'
struct KillJobStmt {
  std::string job_id;
};

struct ShowJobsStmt {};

// SUBSCRIBE TO …: validated over HTTP; the WebSocket runs it (live/subscription_query.h).
struct SubscribeStmt {
  std::string sql;  // the statement as written
};

struct KillLiveQueryStmt {
  std::string live_id;
};

struct ShowLiveQueriesStmt {};

using StatementBody =
    std::variant<RawSqlStatement, SelectStmt, DmlStmt, ExecuteAsStmt, CreateNamespaceStmt, AlterNamespaceStmt,
                 DropNamespaceStmt, ShowNamespacesStmt, UseNamespaceStmt, CreateStorageStmt, AlterStorageStmt,
                 DropStorageStmt, ShowStoragesStmt, CheckStorageStmt, CreateUserStmt, AlterUserStmt,
                 DropUserStmt, ShowUsersStmt, CreateTableStmt, AlterTableStmt, DropTableStmt, ShowTablesStmt,
                 ShowStatsStmt, ExplainStmt, DescribeTableStmt, CreateIndexStmt, DropIndexStmt, ReindexStmt,
                 ShowIndexesStmt, CheckTableStmt, CreateViewStmt, DropViewStmt, FlushTableStmt, FlushAllStmt,
                 KillJobStmt, ShowJobsStmt, SubscribeStmt, KillLiveQueryStmt, ShowLiveQueriesStmt>;

struct ParsedStatement {
  StatementKind kind = StatementKind::kSelect;
  StatementBody body;
  std::string sql;               // the statement text as sent
  SourcePosition start;          // position in the request
  size_t max_param_index = 0;    // highest $n used (0 = none)
  size_t distinct_params = 0;    // number of distinct $n used
  bool contains_secret = false;  // never log `sql` verbatim when true
};

}  // namespace kalam
