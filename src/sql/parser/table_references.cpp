// find_table_references: a scan of FROM clauses over tokens, one level per parenthesis.
#include "sql/parser/table_references.h"

#include <set>
#include <string>


namespace kalam {

namespace {

bool is_any_keyword(const Token& token, std::initializer_list<std::string_view> keywords) {
  for (std::string_view keyword : keywords) {
    if (token.is_keyword(keyword)) return true;
  }
  return false;
}

// Keywords that end a FROM clause at their level.
bool ends_from(const Token& token) {
  return is_any_keyword(token, {"select", "where", "group", "having", "order", "limit", "window", "union",
                                "except", "intersect", "values", "returning", "set"});
}

// Words that may follow a table name and are not an alias.
bool follows_without_alias(const Token& token) {
  return ends_from(token) ||
         is_any_keyword(token, {"join", "left", "right", "full", "inner", "cross", "natural", "outer", "on",
                                "using", "indexed", "not", "from"});
}

// Names a WITH clause declares: `name [(columns)] AS [NOT] [MATERIALIZED] (` after
// WITH, RECURSIVE or a comma (a named window `w AS (…)` matches too, harmlessly).
std::set<std::string> declared_names(const std::vector<Token>& tokens) {
  std::set<std::string> names;
  for (size_t idx = 1; idx + 1 < tokens.size(); ++idx) {
    const Token& before = tokens[idx - 1];
    if (!tokens[idx].is_name()) continue;
    if (!before.is_keyword("with") && !before.is_keyword("recursive") && !before.is_symbol(",")) continue;
    size_t after = idx + 1;
    if (tokens[after].is_symbol("(")) {
      int depth = 0;
      for (; after < tokens.size(); ++after) {
        if (tokens[after].is_symbol("(")) ++depth;
        if (tokens[after].is_symbol(")") && --depth == 0) break;
      }
      ++after;
    }
    if (after + 1 < tokens.size() && tokens[after].is_keyword("as") &&
        (tokens[after + 1].is_symbol("(") || tokens[after + 1].is_keyword("not") ||
         tokens[after + 1].is_keyword("materialized"))) {
      names.insert(tokens[idx].name());
    }
  }
  return names;
}

}  // namespace

std::vector<TableReference> find_table_references(const std::vector<Token>& tokens) {
  std::set<std::string> declared = declared_names(tokens);
  struct Level {
    bool in_from = false;  // inside a FROM clause of this level
    bool expect = false;   // the next token starts a FROM item
  };
  std::vector<Level> levels(1);
  std::vector<TableReference> references;
  for (size_t idx = 0; idx < tokens.size(); ++idx) {
    const Token& token = tokens[idx];
    Level& level = levels.back();
    if (token.is_symbol("(")) {
      // A parenthesized FROM item: a subquery (its SELECT ends the FROM state) or a join.
      bool item = level.expect;
      level.expect = false;
      levels.push_back(Level{item, item});
      continue;
    }
    if (token.is_symbol(")")) {
      if (levels.size() > 1) levels.pop_back();
      continue;
    }
    if (token.is_keyword("from") || token.is_keyword("join")) {
      level.in_from = true;
      level.expect = true;
      continue;
    }
    if (ends_from(token)) {
      level.in_from = false;
      level.expect = false;
      continue;
    }
    if (token.is_symbol(",")) {
      level.expect = level.in_from;
      continue;
    }
    if (!level.expect) continue;
    level.expect = false;
    if (!token.is_name()) continue;
    TableReference reference;
    reference.first = reference.last = idx;
    if (idx + 2 < tokens.size() && tokens[idx + 1].is_symbol(".") && tokens[idx + 2].is_name()) {
      reference.last = idx + 2;
    }
    idx = reference.last;
    const Token& next = idx + 1 < tokens.size() ? tokens[idx + 1] : tokens.back();
    if (next.is_symbol("(")) continue;  // a table-valued function
    if (reference.first == reference.last && declared.count(token.name()) != 0) continue;
    reference.has_alias = next.is_keyword("as") || (next.kind == TokenKind::kQuotedIdentifier) ||
                          (next.kind == TokenKind::kIdentifier && !follows_without_alias(next));
    references.push_back(reference);
  }
  return references;
}

}  // namespace kalam
