// Tokens of KalamDB's SQL dialect and the tokenizer that produces them with line/column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam {

enum class TokenKind : uint8_t {
  kIdentifier,        // bare word (keywords are identifiers compared case-insensitively)
  kQuotedIdentifier,  // "…" or `…`, text holds the unquoted content
  kString,            // '…', text holds the unescaped content
  kNumber,            // 12, 1.5, 1e3
  kParameter,         // $1 … $N, text holds the digits
  kSymbol,            // punctuation and operators: ( ) , . ; = < > * + - / etc.
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  uint32_t line = 1;    // 1-based, relative to the whole request text
  uint32_t column = 1;  // 1-based
  size_t offset = 0;    // byte offset in the statement text
  size_t length = 0;    // bytes of the token in the source (quotes included)

  // True for an identifier (not quoted) equal to `keyword` case-insensitively.
  bool is_keyword(std::string_view keyword) const;
  bool is_symbol(std::string_view symbol) const { return kind == TokenKind::kSymbol && text == symbol; }
  // A bare or quoted identifier (a name of a table, column, namespace …).
  bool is_name() const { return kind == TokenKind::kIdentifier || kind == TokenKind::kQuotedIdentifier; }
  // The name an identifier means: bare names lower-cased, quoted ones as written.
  std::string name() const;
};

struct SourcePosition {
  uint32_t line = 1;
  uint32_t column = 1;
};

// Tokenizes one statement. `start` is the statement's position in the request, so
// reported lines/columns are request-relative. Comments and whitespace are skipped.
// Errors: unterminated string/identifier/comment, invalid character → INVALID_SQL_SYNTAX.
Result<std::vector<Token>> tokenize_sql(std::string_view text, SourcePosition start = {});

// Builds an INVALID_SQL_SYNTAX status with line/column/token/expected details.
Status syntax_error(const Token& token, std::string_view expected);

}  // namespace kalam
