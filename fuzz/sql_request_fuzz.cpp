// Fuzzes the decoding of a POST /v1/api/sql body and the parameter validation that runs
// before anything executes, as the router calls them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/request/sql_request.h"
#include "sql/parser/parameter_binding.h"
#include "sql/parser/sql_parser.h"
#include "sql/parser/statement_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static const std::string kJson = "application/json; charset=utf-8";
  kalam::RequestLimits limits;
  limits.max_sql_bytes = 4096;
  auto request = kalam::decode_sql_request(body, &kJson, limits);
  if (!request.is_ok()) return 0;
  kalam::ParameterLimits parameter_limits;
  if (!kalam::validate_parameter_values(request->params, parameter_limits).is_ok()) return 0;
  std::vector<kalam::ParsedStatement> statements;
  for (const kalam::StatementText& statement : kalam::split_statements(request->sql)) {
    auto parsed = kalam::parse_statement(statement.text, statement.start);
    if (!parsed.is_ok()) return 0;
    statements.push_back(std::move(parsed).value());
  }
  size_t failed_index = 0;
  (void)kalam::validate_statement_parameters(statements, request->params, &failed_index);
  return 0;
}
