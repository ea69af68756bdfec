// Every kind of SQL statement KalamDB accepts. Each has exactly one handler
// (sql/executor/handler_registry.cpp); the X-macro keeps names and count in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kalam {

// X(Enumerator, "display name", "api operation")
#define KALAM_STATEMENT_KINDS(X)                      \
  X(Select, "SELECT", "select")                       \
  X(Insert, "INSERT", "insert")                       \
  X(Update, "UPDATE", "update")                       \
  X(Delete, "DELETE", "delete")                       \
  X(ExecuteAsUser, "EXECUTE AS USER", "select")       \
  X(Explain, "EXPLAIN", "select")                     \
  X(CreateNamespace, "CREATE NAMESPACE", "ddl")       \
  X(AlterNamespace, "ALTER NAMESPACE", "ddl")         \
  X(DropNamespace, "DROP NAMESPACE", "ddl")           \
  X(ShowNamespaces, "SHOW NAMESPACES", "show")        \
  X(UseNamespace, "USE", "ddl")                       \
  X(CreateStorage, "CREATE STORAGE", "ddl")           \
  X(AlterStorage, "ALTER STORAGE", "ddl")             \
  X(DropStorage, "DROP STORAGE", "ddl")               \
  X(ShowStorages, "SHOW STORAGES", "show")            \
  X(CheckStorage, "STORAGE CHECK", "show")            \
  X(CreateTable, "CREATE TABLE", "ddl")               \
  X(AlterTable, "ALTER TABLE", "ddl")                 \
  X(DropTable, "DROP TABLE", "ddl")                   \
  X(ShowTables, "SHOW TABLES", "show")                \
  X(DescribeTable, "DESCRIBE TABLE", "describe")      \
  X(ShowStats, "SHOW STATS", "show")                  \
  X(CreateIndex, "CREATE INDEX", "ddl")               \
  X(DropIndex, "DROP INDEX", "ddl")                   \
  X(Reindex, "REINDEX", "ddl")                        \
  X(ShowIndexes, "SHOW INDEXES", "show")              \
  X(CheckTable, "CHECK TABLE", "show")                \
  X(CreateView, "CREATE VIEW", "ddl")                 \
  X(DropView, "DROP VIEW", "ddl")                     \
  X(FlushTable, "STORAGE FLUSH TABLE", "flush")       \
  X(FlushAll, "STORAGE FLUSH ALL", "flush")           \
  X(KillJob, "KILL JOB", "job")                       \
  X(ShowJobs, "SHOW JOBS", "show")                    \
  X(Subscribe, "SUBSCRIBE TO", "subscription")        \
  X(KillLiveQuery, "KILL LIVE QUERY", "subscription") \
  X(ShowLiveQueries, "SHOW LIVE QUERIES", "show")     \
  X(CreateUser, "CREATE USER", "user")                \
  X(AlterUser, "ALTER USER", "user")                  \
  X(DropUser, "DROP USER", "user")                    \
  X(ShowUsers, "SHOW USERS", "show")                  \
  X(BeginTransaction, "BEGIN", "transaction")         \
  X(CommitTransaction, "COMMIT", "transaction")       \
  X(RollbackTransaction, "ROLLBACK", "transaction")

enum class StatementKind : uint8_t {
#define KALAM_KIND_ENUM(name, display, operation) k##name,
  KALAM_STATEMENT_KINDS(KALAM_KIND_ENUM)
#undef KALAM_KIND_ENUM
};

inline constexpr size_t kStatementKindCount = 0
#define KALAM_KIND_COUNT(name, display, operation) +1
    KALAM_STATEMENT_KINDS(KALAM_KIND_COUNT)
#undef KALAM_KIND_COUNT
    ;

// "CREATE NAMESPACE", used in messages, audit rows and metrics labels.
std::string_view statement_kind_name(StatementKind kind);
// The API `operation` of a result: select, insert, ddl, user, show, …
std::string_view statement_kind_operation(StatementKind kind);
// Kinds that accept `$n` parameters (SELECT/INSERT/UPDATE/DELETE and EXECUTE AS USER).
bool statement_kind_accepts_params(StatementKind kind);
// True for CREATE/ALTER/DROP of any object (refused inside transactions).
bool statement_kind_is_ddl(StatementKind kind);

}  // namespace kalam
