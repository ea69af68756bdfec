// Tokenizer for the SQL text of one statement: strings, quoted identifiers,
// numbers, $n parameters, operators; comments are skipped.
#include <cctype>

#include "common/string_util.h"
#include "sql/parser/token.h"

namespace kalam {

bool Token::is_keyword(std::string_view keyword) const {
  return kind == TokenKind::kIdentifier && iequals(text, keyword);
}

std::string Token::name() const { return kind == TokenKind::kIdentifier ? to_lower(text) : text; }

Status syntax_error(const Token& token, std::string_view expected) {
  std::string shown = token.kind == TokenKind::kEnd ? std::string("end of statement") : token.text;
  if (shown.size() > 64) shown = shown.substr(0, 64) + "…";
  std::string message = "syntax error at line " + std::to_string(token.line) + ", column " +
                        std::to_string(token.column) + " near '" + shown + "'";
  if (!expected.empty()) message += ": expected " + std::string(expected);
  Status status(ErrorCode::kInvalidSqlSyntax, std::move(message));
  status.with_detail("line", static_cast<int64_t>(token.line));
  status.with_detail("column", static_cast<int64_t>(token.column));
  status.with_detail("token", shown);
  if (!expected.empty()) status.with_detail("expected", std::string(expected));
  return status;
}

namespace {

class Tokenizer {
 public:
  Tokenizer(std::string_view text, SourcePosition start)
      : text_(text), line_(start.line), column_(start.column) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    // SQLite stops reading at a NUL byte; text after one would be read differently.
    if (size_t nul = text_.find('\0'); nul != std::string_view::npos) {
      while (pos_ < nul) advance();
      Token at;
      at.line = line_;
      at.column = column_;
      at.offset = pos_;
      at.text = "\\0";
      return syntax_error(at, "text without NUL bytes");
    }
    while (true) {
      skip_space_and_comments();
      if (!error_.is_ok()) return error_;
      if (pos_ >= text_.size()) break;
      Token token;
      token.line = line_;
      token.column = column_;
      token.offset = pos_;
      char ch = text_[pos_];
      if (is_ident_start(ch)) {
        size_t begin = pos_;
        while (pos_ < text_.size() && is_ident_char(text_[pos_])) advance();
        token.kind = TokenKind::kIdentifier;
        token.text = std::string(text_.substr(begin, pos_ - begin));
      } else if (ch == '\'') {
        auto status = read_quoted('\'', token);
        if (!status.is_ok()) return status;
        token.kind = TokenKind::kString;
      } else if (ch == '"' || ch == '`') {
        auto status = read_quoted(ch, token);
        if (!status.is_ok()) return status;
        token.kind = TokenKind::kQuotedIdentifier;
      } else if (ch == '[') {
        // SQLite's third identifier quote (MS Access style): up to the first ']', no
        // escapes. Read like SQLite so that both agree where strings and comments are.
        Token at = token;
        at.text = "[";
        advance();
        size_t begin = pos_;
        while (pos_ < text_.size() && text_[pos_] != ']') advance();
        if (pos_ >= text_.size()) return syntax_error(at, "closing ']' for identifier");
        token.text = std::string(text_.substr(begin, pos_ - begin));
        advance();
        token.kind = TokenKind::kQuotedIdentifier;
      } else if (std::isdigit(static_cast<unsigned char>(ch)) ||
                 (ch == '.' && pos_ + 1 < text_.size() &&
                  std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
        read_number(token);
      } else if (ch == '$' && pos_ + 1 < text_.size() &&
                 std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
        advance();
        size_t begin = pos_;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) advance();
        token.kind = TokenKind::kParameter;
        token.text = std::string(text_.substr(begin, pos_ - begin));
        // SQLite would read `$1x`, `$1(…)` and `$1::x` as one (other) variable.
        if (pos_ < text_.size() && (is_ident_char(text_[pos_]) || text_[pos_] == '(' || text_[pos_] == ':')) {
          Token bad = token;
          bad.text = "$" + token.text + text_[pos_];
          return syntax_error(bad, "a parameter $1 … $N followed by a space or an operator");
        }
      } else if (ch == '$' || ch == '?' || ch == ':' || ch == '@' || ch == '#') {
        // SQLite's other parameter forms (?, ?NNN, :name, @name, $name, #name): KalamDB
        // binds $1 … $N only.
        Token bad = token;
        bad.text = std::string(1, ch);
        return syntax_error(bad, "a parameter written $1 … $N");
      } else {
        read_symbol(token);
        if (token.text.empty()) {
          Token bad = token;
          bad.text = std::string(1, ch);
          return syntax_error(bad, "a valid token");
        }
      }
      token.length = pos_ - token.offset;
      tokens.push_back(std::move(token));
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.line = line_;
    end.column = column_;
    end.offset = pos_;
    tokens.push_back(std::move(end));
    return tokens;
  }

 private:
  static bool is_ident_start(char ch) {
    return std::isalpha(static_cast<unsigned char>(ch)) || ch == '_' ||
           static_cast<unsigned char>(ch) >= 0x80;
  }
  // As SQLite's IdChar: `$` may continue a name (`a$1` is one identifier).
  static bool is_ident_char(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$' ||
           static_cast<unsigned char>(ch) >= 0x80;
  }
  // As SQLite's sqlite3Isspace: no vertical tab.
  static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r'; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
      ++column_;  // count code points, not continuation bytes
    }
    ++pos_;
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      char ch = text_[pos_];
      if (is_space(ch)) {
        advance();
      } else if (ch == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '-') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      } else if (ch == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        Token at;
        at.line = line_;
        at.column = column_;
        at.text = "/*";
        advance();
        advance();
        bool closed = false;
        while (pos_ < text_.size()) {
          if (text_[pos_] == '*' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
            advance();
            advance();
            closed = true;
            break;
          }
          advance();
        }
        if (!closed) {
          error_ = syntax_error(at, "end of comment '*/'");
          return;
        }
      } else {
        return;
      }
    }
  }

  Status read_quoted(char quote, Token& token) {
    Token at = token;
    at.text = std::string(1, quote);
    advance();
    std::string value;
    while (pos_ < text_.size()) {
      char ch = text_[pos_];
      if (ch == quote) {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == quote) {
          value += quote;
          advance();
          advance();
          continue;
        }
        advance();
        token.text = std::move(value);
        return Status::ok();
      }
      value += ch;
      advance();
    }
    return syntax_error(at,
                        quote == '\'' ? "closing quote for string literal" : "closing quote for identifier");
  }

  void read_number(Token& token) {
    size_t begin = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) advance();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      advance();
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) advance();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_;
      auto save_line = line_;
      auto save_column = column_;
      advance();
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) advance();
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) advance();
      } else {
        pos_ = save;
        line_ = save_line;
        column_ = save_column;
      }
    }
    token.kind = TokenKind::kNumber;
    token.text = std::string(text_.substr(begin, pos_ - begin));
  }

  void read_symbol(Token& token) {
    static constexpr std::string_view kTwoCharSymbols[] = {
        "<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->"};
    token.kind = TokenKind::kSymbol;
    if (pos_ + 1 < text_.size()) {
      std::string_view two = text_.substr(pos_, 2);
      for (auto candidate : kTwoCharSymbols) {
        if (two == candidate) {
          token.text = std::string(two);
          advance();
          advance();
          return;
        }
      }
    }
    static constexpr std::string_view kOneCharSymbols = "(),.;=<>*+-/%&|~!]{}^";
    char ch = text_[pos_];
    if (kOneCharSymbols.find(ch) != std::string_view::npos) {
      token.text = std::string(1, ch);
      advance();
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_;
  uint32_t column_;
  Status error_;
};

}  // namespace

Result<std::vector<Token>> tokenize_sql(std::string_view text, SourcePosition start) {
  return Tokenizer(text, start).run();
}

}  // namespace kalam
