// Budget: handler dispatch (kind → handler → authorization) < 2 µs.
#include <benchmark/benchmark.h>

#include "bench_support.h"
#include "sql/executor/sql_executor.h"
#include "sql/parser/sql_parser.h"

namespace kalam {
namespace {

void BM_HandlerDispatch(benchmark::State& state, const char* sql, Role role) {
  bench::BenchEnvironment env;
  ParsedStatement statement = std::move(parse_statement(sql)).value();
  ExecutionContext ctx;
  ctx.user_id = "bench";
  ctx.role = role;
  for (auto _ : state) {
    StatementHandler* handler = env.handlers.get(statement.kind);
    Status decision = handler->authorize(ctx, statement);
    benchmark::DoNotOptimize(decision);
  }
}

BENCHMARK_CAPTURE(BM_HandlerDispatch, create_namespace_allowed, "CREATE NAMESPACE chat", Role::kDba);
BENCHMARK_CAPTURE(BM_HandlerDispatch, create_namespace_denied, "CREATE NAMESPACE chat", Role::kUser);
BENCHMARK_CAPTURE(BM_HandlerDispatch, show_users, "SHOW USERS", Role::kUser);

// Dispatch plus executing a cheap statement end to end (USE), for context.
void BM_ExecuteUseStatement(benchmark::State& state) {
  bench::BenchEnvironment env;
  {
    CatalogChange change = env.registry->begin_change();
    NamespaceDef ns;
    ns.namespace_id = "chat";
    change.put_namespace(ns);
    change.commit().permit_unchecked();
  }
  SqlExecutor executor(env.services, env.handlers, ExecutorLimits{});
  ParsedStatement statement = std::move(parse_statement("USE chat")).value();
  ExecutionContext ctx;
  ctx.user_id = "bench";
  ctx.role = Role::kUser;
  for (auto _ : state) {
    auto result = executor.execute_statement(ctx, statement);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ExecuteUseStatement);

}  // namespace
}  // namespace kalam
