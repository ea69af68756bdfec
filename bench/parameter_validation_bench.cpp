// Budget: validation of 50 parameters < 10 µs.
#include <benchmark/benchmark.h>

#include <string>

#include "sql/parser/parameter_binding.h"
#include "sql/parser/sql_parser.h"

namespace kalam {
namespace {

void BM_Validate50Parameters(benchmark::State& state) {
  std::string sql = "INSERT INTO chat.messages VALUES (";
  for (int index = 1; index <= 50; ++index) sql += (index > 1 ? ", $" : "$") + std::to_string(index);
  sql += ")";
  std::vector<ParsedStatement> statements;
  statements.push_back(std::move(parse_statement(sql)).value());
  std::vector<ParamValue> params;
  for (int index = 0; index < 50; ++index) {
    switch (index % 5) {
      case 0:
        params.emplace_back(int64_t{index});
        break;
      case 1:
        params.emplace_back(std::string(64, 'x'));
        break;
      case 2:
        params.emplace_back(index * 1.5);
        break;
      case 3:
        params.emplace_back(true);
        break;
      default:
        params.emplace_back(std::monostate{});
    }
  }
  ParameterLimits limits;
  size_t failed = 0;
  for (auto _ : state) {
    Status values = validate_parameter_values(params, limits);
    Status binding = validate_statement_parameters(statements, params, &failed);
    benchmark::DoNotOptimize(values);
    benchmark::DoNotOptimize(binding);
  }
}
BENCHMARK(BM_Validate50Parameters);

// Parsing the statement that carries 50 parameters (tokenize + classify + scan $n), for context.
void BM_Parse50ParameterStatement(benchmark::State& state) {
  std::string sql = "INSERT INTO chat.messages VALUES (";
  for (int index = 1; index <= 50; ++index) sql += (index > 1 ? ", $" : "$") + std::to_string(index);
  sql += ")";
  for (auto _ : state) {
    auto parsed = parse_statement(sql);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_Parse50ParameterStatement);

}  // namespace
}  // namespace kalam
