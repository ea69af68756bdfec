// Splits a request's SQL text into statements at top-level ';', respecting
// string literals, quoted identifiers and comments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/token.h"

namespace kalam {

struct StatementText {
  std::string text;      // the statement without its terminating ';'
  SourcePosition start;  // where `text` begins in the request
};

// Statements consisting only of whitespace and comments are dropped. Never fails:
// an unterminated literal extends to the end and is reported by the tokenizer.
std::vector<StatementText> split_statements(std::string_view sql);

}  // namespace kalam
