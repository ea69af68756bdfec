// SqlExecutor: the statement pipeline of architecture.md § One statement, end to end.
#include "sql/executor/sql_executor.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <unordered_map>

#include "catalog/schema_registry.h"
#include "common/json_builder.h"
#include "common/string_util.h"
#include "sql/context/audit.h"
#include "sql/parser/sql_parser.h"
#include "sql/parser/statement_splitter.h"

namespace kalam {

SqlExecutor::SqlExecutor(ExecutorServices& services, HandlerRegistry& registry, ExecutorLimits limits)
    : services_(services), registry_(registry), limits_(limits) {}

namespace {

// Parsed queries and DML by text and position, per thread (no lock): a statement sent
// again is copied from here instead of being tokenized and parsed. Parsing depends on
// nothing but the text, so an entry never goes stale; parameters are still validated
// and every statement is still authorized when it runs. DDL is not kept (rarely
// repeated, and some carry secrets).
struct ParseCache {
  static constexpr size_t kMaxEntries = 512;
  std::unordered_map<std::string, ParsedStatement> entries;
  uint64_t hits = 0;
};

ParseCache& parse_cache() {
  thread_local ParseCache cache;
  return cache;
}

bool cacheable(StatementKind kind) {
  return kind == StatementKind::kSelect || kind == StatementKind::kInsert || kind == StatementKind::kUpdate ||
         kind == StatementKind::kDelete;
}

Result<ParsedStatement> parse_cached(const StatementText& piece) {
  ParseCache& cache = parse_cache();
  std::string key =
      std::to_string(piece.start.line) + ":" + std::to_string(piece.start.column) + ":" + piece.text;
  if (auto found = cache.entries.find(key); found != cache.entries.end()) {
    ++cache.hits;
    return found->second;
  }
  auto parsed = parse_statement(piece.text, piece.start);
  if (parsed.is_ok() && cacheable(parsed->kind) && !parsed->contains_secret) {
    if (cache.entries.size() >= ParseCache::kMaxEntries) cache.entries.clear();
    cache.entries.emplace(std::move(key), *parsed);
  }
  return parsed;
}

}  // namespace

uint64_t SqlExecutor::parse_cache_hits() { return parse_cache().hits; }

Result<std::vector<ParsedStatement>> SqlExecutor::prepare(std::string_view sql,
                                                          const std::vector<ParamValue>& params,
                                                          size_t* failed_index) const {
  KALAM_RETURN_IF_ERROR(validate_parameter_values(params, limits_.params));
  std::vector<StatementText> pieces = split_statements(sql);
  if (pieces.empty()) return Status(ErrorCode::kEmptySql, "the request contains no SQL statement");
  if (pieces.size() > limits_.max_statements_per_request) {
    return Status(ErrorCode::kInvalidArgument,
                  "too many statements in one request: " + std::to_string(pieces.size()) + ", at most " +
                      std::to_string(limits_.max_statements_per_request) + " allowed")
        .with_detail("argument", std::string("sql"));
  }
  std::vector<ParsedStatement> statements;
  statements.reserve(pieces.size());
  for (size_t index = 0; index < pieces.size(); ++index) {
    auto parsed = parse_cached(pieces[index]);
    if (!parsed.is_ok()) {
      *failed_index = index;
      return std::move(parsed).status();
    }
    statements.push_back(std::move(parsed).value());
  }
  KALAM_RETURN_IF_ERROR(validate_statement_parameters(statements, params, failed_index));
  return statements;
}

Result<ExecutionResult> SqlExecutor::execute_statement(ExecutionContext& ctx,
                                                       const ParsedStatement& statement) {
  StatementHandler* handler = registry_.get(statement.kind);
  if (handler == nullptr) {
    return Status(ErrorCode::kInternalError,
                  "no handler registered for " + std::string(statement_kind_name(statement.kind)));
  }
  Status decision = handler->authorize(ctx, statement);
  if (decision.is_ok()) {
    if (ctx.transaction && statement_kind_is_ddl(statement.kind)) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string(statement_kind_name(statement.kind)) + " is not allowed inside a transaction")
          .with_detail("argument", std::string("transaction"));
    }
    KALAM_RETURN_IF_ERROR(ctx.check_deadline(statement_kind_name(statement.kind)));
    auto result = handler->run(ctx, statement);
    // Table-level refusals that the engine decides while planning are audited too.
    if (result.is_ok() || result.status().code() != ErrorCode::kAuthInsufficientRole) return result;
    decision = std::move(result).status();
  }
  if (decision.code() == ErrorCode::kAuthInsufficientRole) {
    std::string details = JsonObjectBuilder()
                              .add("operation", statement_kind_name(statement.kind))
                              .add("actual_role", role_name(ctx.role))
                              .add("message", decision.message())
                              .build();
    log_auth_event(ctx, services_, "AUTHORIZATION_DENIED",
                   audit_action_name(statement_kind_name(statement.kind)), std::move(details), false)
        .permit_unchecked();  // the denial is returned whether or not its audit row could be written
  }
  return decision;
}

BatchOutcome SqlExecutor::execute_batch(ExecutionContext& ctx, std::string_view sql) {
  // The request's namespace_id names a namespace as written when one has exactly that
  // name (created quoted, e.g. "Chat"); otherwise it is read like a bare name: lower-case.
  if (!ctx.default_namespace.empty() &&
      services_.schema_registry->snapshot()->find_namespace(ctx.default_namespace) == nullptr) {
    ctx.default_namespace = to_lower(ctx.default_namespace);
  }
  BatchOutcome outcome;
  size_t failed_index = kNoStatementIndex;
  auto prepared = prepare(sql, ctx.params, &failed_index);
  if (!prepared.is_ok()) {
    if (failed_index != kNoStatementIndex) outcome.error_statement_index = failed_index;
    outcome.error = std::move(prepared).status();
    return outcome;
  }
  std::vector<ParsedStatement>& statements = prepared.value();
  // On an I/O thread only one SELECT runs (it has no effect to undo when it is stopped
  // and run again on a worker); anything else goes to a worker before it starts.
  if (ctx.inline_attempt() && (statements.size() != 1 || statements.front().kind != StatementKind::kSelect)) {
    ctx.moved_to_worker = true;
    return outcome;
  }
  outcome.results.reserve(statements.size());
  for (size_t index = 0; index < statements.size(); ++index) {
    const ParsedStatement& statement = statements[index];
    auto started = std::chrono::steady_clock::now();
    ctx.timeout_seconds = limits_.handler_timeout_seconds;
    ctx.deadline = started + std::chrono::seconds(limits_.handler_timeout_seconds);
    auto result = execute_statement(ctx, statement);
    double elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (ctx.moved_to_worker) return outcome;  // not a result: the request runs again on a worker
    if (observer_) observer_(statement.kind, elapsed_ms, result.is_ok());
    if (elapsed_ms >= static_cast<double>(limits_.slow_query_ms)) {
      spdlog::warn("slow statement ({:.1f} ms, request {}): {}", elapsed_ms, ctx.request_id,
                   redact_sql_for_log(statement));
    }
    if (!result.is_ok()) {
      outcome.error = std::move(result).status();
      outcome.error_statement_index = index;
      ctx.transaction.reset();  // a failure inside a transaction rolls all of it back
      return outcome;
    }
    ExecutionMetadata metadata;
    metadata.statement_index = index;
    metadata.kind = statement.kind;
    metadata.elapsed_ms = elapsed_ms;
    metadata.as_user = ctx.effective_user_id.empty() ? ctx.user_id : ctx.effective_user_id;
    if (const auto* execute_as = std::get_if<ExecuteAsStmt>(&statement.body)) {
      metadata.as_user = execute_as->target_user;
      metadata.kind = execute_as->inner_kind;  // the result is the wrapped statement's
    }
    outcome.results.push_back(StatementOutcome{std::move(result).value(), std::move(metadata)});
  }
  if (ctx.transaction) {
    ctx.transaction.reset();
    outcome.error =
        Status(ErrorCode::kInvalidArgument,
               "the request ended with an open transaction: it was rolled back (end it with COMMIT)")
            .with_detail("argument", std::string("transaction"));
  }
  return outcome;
}

}  // namespace kalam
