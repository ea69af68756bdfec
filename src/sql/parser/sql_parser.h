// Classifies a statement into its StatementKind and parses KalamDB's own
// statements (namespaces, storages, users …) into their typed structs.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sql/parser/statements.h"

namespace kalam {

// Classifies and parses one statement (as produced by split_statements).
// Errors: INVALID_SQL_SYNTAX with line/column/token/expected; INVALID_ARGUMENT for
// semantically invalid values (bad identifier, unknown role, bad option).
Result<ParsedStatement> parse_statement(std::string_view text, SourcePosition start = {});

// Classification only (first keywords); INVALID_SQL_SYNTAX for unknown statements.
Result<StatementKind> classify_statement(const std::vector<Token>& tokens);

// Validates an identifier of sql.md ([A-Za-z_][A-Za-z0-9_]*, at most 64 chars).
Status validate_identifier(std::string_view name, std::string_view what);

// The statement text safe for logs: string literals of statements carrying
// secrets are replaced by '***'.
std::string redact_sql_for_log(const ParsedStatement& statement);

}  // namespace kalam
