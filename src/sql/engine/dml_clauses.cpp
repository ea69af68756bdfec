// Splitting RETURNING and ON CONFLICT clauses off DML statements (dml_clauses.h).
#include "sql/engine/dml_clauses.h"

#include <charconv>

#include "common/string_util.h"
#include "sql/parser/token.h"

namespace kalam {
namespace {

// The n of a `$n` token (-1 when it does not fit).
int64_t param_number(const Token& token) {
  int64_t number = -1;
  auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), number);
  return error == std::errc() && end == token.text.data() + token.text.size() ? number : -1;
}

// Keywords that end a RETURNING list: it is an expression list, nothing more.
bool ends_expression_list(const Token& token) {
  for (std::string_view keyword : {"from", "where", "group", "having", "order", "limit", "union", "except",
                                   "intersect", "window", "returning"}) {
    if (token.is_keyword(keyword)) return true;
  }
  return token.is_symbol(";");
}

class ClauseParser {
 public:
  ClauseParser(std::string_view sql, const std::vector<Token>& tokens) : sql_(sql), tokens_(tokens) {}

  Result<DmlClauses> parse() {
    DmlClauses out;
    out.base_sql = std::string(sql_);
    size_t head = dml_head_index(tokens_);
    if (head >= tokens_.size()) return out;
    const Token& verb = tokens_[head];
    size_t pos = head + 1;
    if (verb.is_keyword("insert") || verb.is_keyword("replace")) {
      out.action = "INSERT";
      out.resolves_conflicts = verb.is_keyword("replace") ||
                               (tok(pos).is_keyword("or") &&
                                (tok(pos + 1).is_keyword("ignore") || tok(pos + 1).is_keyword("replace")));
      if (tok(pos).is_keyword("or")) pos += 2;
      if (!tok(pos).is_keyword("into")) return out;
      ++pos;
    } else if (verb.is_keyword("update")) {
      out.action = "UPDATE";
      if (tok(pos).is_keyword("or")) pos += 2;
    } else {
      out.action = "DELETE";
      if (!tok(pos).is_keyword("from")) return out;
      ++pos;
    }
    if (!tok(pos).is_name()) {
      out.action.clear();
      return out;
    }
    size_t name_begin = pos;
    if (tok(pos + 1).is_symbol(".") && tok(pos + 2).is_name()) {
      out.target_ns = tok(pos).name();
      out.target_name = tok(pos + 2).name();
      pos += 3;
    } else {
      out.target_name = tok(pos).name();
      pos += 1;
    }
    out.target = text_between(name_begin, pos);
    out.alias = out.target_name;
    if (tok(pos).is_keyword("as") && tok(pos + 1).is_name()) {
      out.alias = tok(pos + 1).name();
      pos += 2;
    }
    size_t after_target = pos;
    find_placements(after_target, out);

    // Clauses at parenthesis depth 0 after the target.
    std::optional<size_t> returning_at;
    std::optional<size_t> conflict_at;
    int depth = 0;
    for (size_t idx = pos; idx + 1 < tokens_.size(); ++idx) {
      const Token& token = tokens_[idx];
      if (token.is_symbol("(")) ++depth;
      if (token.is_symbol(")")) --depth;
      if (depth != 0) continue;
      if (token.is_keyword("returning") && !returning_at) returning_at = idx;
      if (token.is_keyword("on") && tok(idx + 1).is_keyword("conflict") && !returning_at) {
        if (conflict_at) {
          return Status(ErrorCode::kNotImplemented, "only one ON CONFLICT clause per INSERT is supported")
              .with_detail("feature", std::string("ON CONFLICT"));
        }
        conflict_at = idx;
      }
    }
    size_t end = statement_end();
    if (returning_at) {
      KALAM_ASSIGN_OR_RETURN(std::string list, returning_list(*returning_at, end));
      out.returning = std::move(list);
      end = *returning_at;
    }
    if (!conflict_at || out.action != "INSERT") {
      if (conflict_at) return syntax_error(tokens_[*conflict_at], "the end of the statement");
      out.base_sql = text_between(0, end);
      return out;
    }
    // ON CONFLICT [(cols)] DO NOTHING | DO UPDATE SET … [WHERE …]
    out.resolves_conflicts = true;
    size_t conflict = *conflict_at;
    pos = conflict + 2;
    std::vector<std::string> target_columns;
    if (tok(pos).is_symbol("(")) {
      for (++pos; pos < end && !tok(pos).is_symbol(")"); ++pos) {
        if (tok(pos).is_name()) {
          target_columns.push_back(tok(pos).name());
        } else if (!tok(pos).is_symbol(",")) {
          return syntax_error(tok(pos), "a column name");
        }
      }
      if (!tok(pos).is_symbol(")") || target_columns.empty()) return syntax_error(tok(pos), "a column list");
      ++pos;
      if (tok(pos).is_keyword("where")) {
        return Status(ErrorCode::kNotImplemented,
                      "ON CONFLICT targets with WHERE (partial indexes) are not supported")
            .with_detail("feature", std::string("ON CONFLICT … WHERE"));
      }
    }
    if (!tok(pos).is_keyword("do")) return syntax_error(tok(pos), "DO");
    if (tok(pos + 1).is_keyword("nothing")) {
      if (pos + 2 != end) return syntax_error(tok(pos + 2), "the end of the statement");
      // SQLite has no UPSERT on virtual tables: DO NOTHING is INSERT OR IGNORE (which
      // takes the place of any OR clause, or of REPLACE).
      size_t into = head + 1;
      if (tok(into).is_keyword("or")) into += 2;
      std::string prefix = text_between(0, head);
      out.base_sql =
          prefix + (prefix.empty() ? "" : " ") + "INSERT OR IGNORE " + text_between(into, conflict);
      return out;
    }
    if (!tok(pos + 1).is_keyword("update")) return syntax_error(tok(pos + 1), "NOTHING or UPDATE");
    if (!tok(pos + 2).is_keyword("set")) return syntax_error(tok(pos + 2), "SET");
    size_t set_begin = pos + 3;
    if (set_begin >= end) return syntax_error(tok(set_begin), "an assignment");
    UpsertClause upsert;
    upsert.conflict_columns = std::move(target_columns);
    std::optional<size_t> where_at;
    depth = 0;
    for (size_t idx = set_begin; idx < end; ++idx) {
      if (tokens_[idx].is_symbol("(")) ++depth;
      if (tokens_[idx].is_symbol(")")) --depth;
      if (depth != 0) continue;
      if (tokens_[idx].is_keyword("where") && !where_at) where_at = idx;
      if (tokens_[idx].is_keyword("from") || tokens_[idx].is_symbol(";")) {
        return syntax_error(tokens_[idx], "the end of the DO UPDATE clause");
      }
    }
    KALAM_RETURN_IF_ERROR(check_fragment(set_begin, where_at.value_or(end)));
    if (where_at) KALAM_RETURN_IF_ERROR(check_fragment(*where_at + 1, end));
    upsert.assignments = text_between(set_begin, where_at.value_or(end));
    set_placements(set_begin, where_at.value_or(end), out.params);
    if (where_at) {
      if (*where_at + 1 >= end) return syntax_error(tok(*where_at + 1), "a condition");
      upsert.condition = text_between(*where_at + 1, end);
    }
    upsert.with_prefix = text_between(0, head);
    size_t verb_end = head + 1;
    if (tok(verb_end).is_keyword("or")) {
      upsert.or_clause = text_between(verb_end, verb_end + 2) + " ";
    } else if (verb.is_keyword("replace")) {
      upsert.or_clause = "OR REPLACE ";
    }
    pos = after_target;
    if (tok(pos).is_symbol("(") && !tok(pos + 1).is_keyword("select") && !tok(pos + 1).is_keyword("with")) {
      size_t open = pos;
      while (pos < conflict && !tok(pos).is_symbol(")")) ++pos;
      upsert.columns = text_between(open, pos + 1);
      ++pos;
    }
    if (tok(pos).is_keyword("default") && tok(pos + 1).is_keyword("values")) {
      if (pos + 2 != conflict) return syntax_error(tok(pos + 2), "ON CONFLICT");
    } else {
      if (pos >= conflict) return syntax_error(tok(pos), "VALUES or SELECT");
      KALAM_RETURN_IF_ERROR(check_fragment(pos, conflict));
      upsert.source = text_between(pos, conflict);
    }
    out.upsert = std::move(upsert);
    out.base_sql = text_between(0, end);
    return out;
  }

 private:
  // Parameter placements of the INSERT's VALUES or the UPDATE's SET list.
  void find_placements(size_t pos, DmlClauses& out) const {
    if (out.action == "UPDATE") {
      if (!tok(pos).is_keyword("set")) return;
      out.params.known = true;
      set_placements(pos + 1, tokens_.size() - 1, out.params);
      return;
    }
    if (out.action != "INSERT") return;
    std::vector<std::string> columns;
    bool listed = false;
    if (tok(pos).is_symbol("(") && !tok(pos + 1).is_keyword("select") && !tok(pos + 1).is_keyword("with")) {
      listed = true;
      for (++pos; pos + 1 < tokens_.size() && !tok(pos).is_symbol(")"); ++pos) {
        if (tok(pos).is_name()) columns.push_back(tok(pos).name());
      }
      ++pos;
    }
    if (tok(pos).is_keyword("default") && tok(pos + 1).is_keyword("values")) {
      out.params.known = true;
      return;
    }
    if (!tok(pos).is_keyword("values")) return;  // INSERT … SELECT: not known
    out.params.known = true;
    ++pos;
    while (tok(pos).is_symbol("(")) {
      size_t element = 0;
      size_t element_begin = pos + 1;
      int depth = 0;
      for (++pos; pos + 1 < tokens_.size(); ++pos) {
        const Token& token = tokens_[pos];
        if (token.is_symbol("(")) ++depth;
        if (token.is_symbol(")") && depth > 0) {
          --depth;
          continue;
        }
        if (depth > 0 || (!token.is_symbol(",") && !token.is_symbol(")"))) continue;
        if (pos == element_begin + 1 && tokens_[element_begin].kind == TokenKind::kParameter) {
          int64_t number = param_number(tokens_[element_begin]);
          if (listed && element < columns.size()) {
            out.params.by_name.emplace_back(columns[element], number);
          } else if (!listed) {
            out.params.by_position.emplace_back(element, number);
          }
        }
        ++element;
        element_begin = pos + 1;
        if (token.is_symbol(")")) break;
      }
      ++pos;
      if (!tok(pos).is_symbol(",")) break;
      ++pos;
    }
  }

  // `col = $n` assignments of a SET list in tokens [begin, end).
  void set_placements(size_t begin, size_t end, ParamPlacements& params) const {
    int depth = 0;
    size_t start = begin;
    for (size_t idx = begin; idx <= end && idx < tokens_.size(); ++idx) {
      const Token& token = tokens_[idx];
      if (token.is_symbol("(")) ++depth;
      if (token.is_symbol(")")) --depth;
      bool stop = idx == end || token.kind == TokenKind::kEnd ||
                  (depth == 0 && (token.is_keyword("where") || token.is_keyword("from") ||
                                  token.is_keyword("returning") || token.is_symbol(";")));
      if (!stop && !(depth == 0 && token.is_symbol(","))) continue;
      if (idx == start + 3 && tokens_[start].is_name() && tokens_[start + 1].is_symbol("=") &&
          tokens_[start + 2].kind == TokenKind::kParameter) {
        params.by_name.emplace_back(tokens_[start].name(), param_number(tokens_[start + 2]));
      }
      if (stop) return;
      start = idx + 1;
    }
  }

  const Token& tok(size_t idx) const { return idx < tokens_.size() ? tokens_[idx] : tokens_.back(); }

  // SQL text from token `begin` up to (not including) token `end`.
  std::string text_between(size_t begin, size_t end) const {
    if (begin >= end) return std::string();
    size_t from = tok(begin).offset;
    const Token& last = tok(end - 1);
    return std::string(sql_.substr(from, last.offset + last.length - from));
  }

  // Index of the kEnd token, or of a trailing ";".
  size_t statement_end() const {
    size_t end = tokens_.size() - 1;
    while (end > 0 && tokens_[end - 1].is_symbol(";")) --end;
    return end;
  }

  Result<std::string> returning_list(size_t at, size_t end) const {
    if (at + 1 >= end) return syntax_error(tok(at + 1), "an expression list after RETURNING");
    KALAM_RETURN_IF_ERROR(check_fragment(at + 1, end));
    if (tok(at + 1).is_keyword("distinct") || tok(at + 1).is_keyword("all")) {
      return syntax_error(tok(at + 1), "an expression (RETURNING has no DISTINCT)");
    }
    int depth = 0;
    for (size_t idx = at + 1; idx < end; ++idx) {
      const Token& token = tokens_[idx];
      if (token.is_symbol("(")) ++depth;
      if (token.is_symbol(")")) --depth;
      if (depth == 0 && (ends_expression_list(token) || token.is_keyword("over"))) {
        return syntax_error(token, "an expression or ','");
      }
    }
    return text_between(at + 1, end);
  }

  // A piece of the statement that the engine splices into SQL of its own: its
  // parentheses must balance without ever closing one opened outside it, and it may
  // not end the statement. (The tokenizer reads strings, quoted names and comments
  // exactly as SQLite does, so these tokens are the ones SQLite will see.)
  Status check_fragment(size_t begin, size_t end) const {
    int depth = 0;
    for (size_t idx = begin; idx < end && idx < tokens_.size(); ++idx) {
      const Token& token = tokens_[idx];
      if (token.is_symbol("(")) ++depth;
      if (token.is_symbol(")") && --depth < 0) return syntax_error(token, "an expression (unbalanced ')')");
      if (token.is_symbol(";")) return syntax_error(token, "the end of the clause");
    }
    if (depth != 0) return syntax_error(tok(end), "')'");
    return Status::ok();
  }

  std::string_view sql_;
  const std::vector<Token>& tokens_;
};

}  // namespace

size_t dml_head_index(const std::vector<Token>& tokens) {
  int depth = 0;
  for (size_t idx = 0; idx + 1 < tokens.size(); ++idx) {
    const Token& token = tokens[idx];
    if (token.is_symbol("(")) ++depth;
    if (token.is_symbol(")")) --depth;
    if (depth != 0) continue;
    if (token.is_keyword("insert") || token.is_keyword("replace") || token.is_keyword("update") ||
        token.is_keyword("delete")) {
      return idx;
    }
    if (idx == 0 && !token.is_keyword("with")) return tokens.size();
    if (token.is_keyword("select") || token.is_keyword("values")) return tokens.size();
  }
  return tokens.size();
}

Result<DmlClauses> parse_dml_clauses(std::string_view sql, const std::vector<Token>* tokens) {
  if (tokens != nullptr) return ClauseParser(sql, *tokens).parse();
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> own, tokenize_sql(sql));
  return ClauseParser(sql, own).parse();
}

Result<std::string> replace_excluded(std::string_view text, const std::vector<std::string>& columns,
                                     int64_t first_param) {
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize_sql(text));
  std::string out;
  size_t copied = 0;
  for (size_t idx = 0; idx + 2 < tokens.size(); ++idx) {
    const Token& token = tokens[idx];
    bool excluded = token.is_keyword("excluded") ||
                    (token.kind == TokenKind::kQuotedIdentifier && to_lower(token.text) == "excluded");
    if (!excluded || !tokens[idx + 1].is_symbol(".") || !tokens[idx + 2].is_name()) continue;
    if (idx > 0 && tokens[idx - 1].is_symbol(".")) continue;
    std::string name = tokens[idx + 2].name();
    size_t position = columns.size();
    for (size_t col = 0; col < columns.size(); ++col) {
      if (to_lower(columns[col]) == to_lower(name)) position = col;
    }
    if (position == columns.size()) {
      return Status(ErrorCode::kInvalidSqlSyntax, "no such column: excluded." + name)
          .with_detail("token", "excluded." + name);
    }
    out.append(text.substr(copied, token.offset - copied));
    out += "$" + std::to_string(first_param + static_cast<int64_t>(position));
    copied = tokens[idx + 2].offset + tokens[idx + 2].length;
    idx += 2;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace kalam
