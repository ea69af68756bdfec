// Fuzzes the statement splitter, the tokenizer, the parser, the FROM-item scan (view
// resolution) and the log redaction with arbitrary SQL text. Any crash, sanitizer report or hang is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sql/parser/sql_parser.h"
#include "sql/parser/statement_splitter.h"
#include "sql/parser/table_references.h"
#include "sql/parser/token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tokens = kalam::tokenize_sql(text);
  if (tokens.is_ok()) {
    (void)kalam::classify_statement(*tokens);
    for (const kalam::TableReference& reference : kalam::find_table_references(*tokens)) {
      if (reference.first > reference.last || reference.last >= tokens->size()) __builtin_trap();
    }
  }
  for (const kalam::StatementText& statement : kalam::split_statements(text)) {
    auto parsed = kalam::parse_statement(statement.text, statement.start);
    if (parsed.is_ok()) (void)kalam::redact_sql_for_log(*parsed);
  }
  return 0;
}
