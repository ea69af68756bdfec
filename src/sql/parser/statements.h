// Typed statement structs produced by the parser, one per statement kind that
// KalamDB parses itself; engine statements (SELECT, DML …) travel as RawSqlStatement.
#pragma once

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
struct SelectStmt {
  std::string sql;
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

using StatementBody = std::variant<RawSqlStatement, SelectStmt, CreateNamespaceStmt, AlterNamespaceStmt,
                                   DropNamespaceStmt, ShowNamespacesStmt, UseNamespaceStmt, CreateStorageStmt,
                                   AlterStorageStmt, DropStorageStmt, ShowStoragesStmt, CheckStorageStmt,
                                   CreateUserStmt, AlterUserStmt, DropUserStmt, ShowUsersStmt>;

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
