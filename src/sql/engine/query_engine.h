// QueryEngine: runs a query in SQLite's engine over KalamDB's tables. Each thread
// has its own SQLite connection (`:memory:` main database) with the `kalam_system`
// virtual-table module (system tables in an attached `system` schema), the
// KalamDB functions, an authorizer and a deadline progress handler.
#pragma once

#include <string_view>

#include "catalog/catalog_models.h"
#include "common/status.h"
#include "sql/context/execution_context.h"
#include "sql/context/execution_result.h"
#include "sql/context/services.h"
#include "sql/parser/token.h"

namespace kalam {

struct DmlClauses;

struct EngineOutcome {
  RowsResult rows;         // result rows (DML: the RETURNING rows)
  bool returning = false;  // the DML statement had a RETURNING clause
  uint64_t inserted = 0, updated = 0, deleted = 0;
};

class QueryEngine {
 public:
  explicit QueryEngine(ExecutorServices& services) : services_(services) {}

  // Opens this thread's SQLite connection now (workers call it at start, so that the
  // first request of a worker does not pay for it).
  static Status open_thread_connection();

  // Runs one read-only statement with ctx.params bound to $1…$N. Errors:
  // INVALID_SQL_SYNTAX (SQLite could not prepare it), NOT_FOUND_TABLE,
  // AUTH_INSUFFICIENT_ROLE (a table the caller's role may not read),
  // INVALID_ARGUMENT (a refused operation or a runtime error),
  // TIMEOUT_HANDLER_EXECUTION (deadline reached). Thread-safe.
  // `tokens`: the tokens of `sql` when the parser already made them (never tokenized twice).
  Result<RowsResult> query(ExecutionContext& ctx, std::string_view sql,
                           const std::vector<Token>* tokens = nullptr);

  // Runs one INSERT/UPDATE/DELETE (allow_writes) or query: the statement's writes are
  // collected and committed at its end in one atomic batch with the DML audit row, or
  // discarded on any error (including the deadline). Errors as for query(), plus
  // TYPE_MISMATCH, NOT_NULL_VIOLATION, PRIMARY_KEY_VIOLATION.
  // Inside an explicit transaction (ctx.transaction) the writes join the transaction
  // instead of committing.
  Result<EngineOutcome> execute(ExecutionContext& ctx, std::string_view sql, bool allow_writes,
                                const std::vector<Token>* tokens = nullptr);

  // COMMIT: writes every row and audit row of ctx.transaction in one batch unless a
  // row it wrote was changed by someone else since (TRANSACTION_CONFLICT, nothing
  // written); then publishes its change events. Clears ctx.transaction either way.
  Status commit_transaction(ExecutionContext& ctx);

  // CREATE VIEW: resolves `view`'s query in the view's namespace and prepares it as the
  // caller (who must be able to read every table it reads) without running it.
  // Errors: as for query(); INVALID_ARGUMENT when the query would write, or when the
  // view's column list does not match the query's columns.
  Status check_view(ExecutionContext& ctx, const TableDef& view);

 private:
  // One attempt of execute() for an already split statement.
  // `tokens`: those of clauses.base_sql, when the caller has them.
  Result<EngineOutcome> execute_once(ExecutionContext& ctx, const DmlClauses& clauses, bool allow_writes,
                                     const std::vector<Token>* tokens);

  ExecutorServices& services_;
};

}  // namespace kalam
