// Statement splitting: a small state machine over the request text.
#include "sql/parser/statement_splitter.h"

#include <cctype>

namespace kalam {
namespace {

bool has_content(std::string_view text) {
  // True when the text holds anything but whitespace and comments.
  size_t pos = 0;
  while (pos < text.size()) {
    char ch = text[pos];
    if (std::isspace(static_cast<unsigned char>(ch))) {
      ++pos;
    } else if (ch == '-' && pos + 1 < text.size() && text[pos + 1] == '-') {
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else if (ch == '/' && pos + 1 < text.size() && text[pos + 1] == '*') {
      size_t close = text.find("*/", pos + 2);
      if (close == std::string_view::npos) return true;  // unterminated comment: let the tokenizer report it
      pos = close + 2;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<StatementText> split_statements(std::string_view sql) {
  std::vector<StatementText> statements;
  size_t begin = 0;
  SourcePosition begin_pos;
  SourcePosition cursor;
  size_t pos = 0;

  auto step = [&](size_t count) {
    for (size_t n = 0; n < count && pos < sql.size(); ++n) {
      if (sql[pos] == '\n') {
        ++cursor.line;
        cursor.column = 1;
      } else if ((static_cast<unsigned char>(sql[pos]) & 0xC0) != 0x80) {
        ++cursor.column;
      }
      ++pos;
    }
  };
  auto emit = [&](size_t end) {
    std::string_view piece = sql.substr(begin, end - begin);
    if (has_content(piece)) statements.push_back(StatementText{std::string(piece), begin_pos});
  };

  while (pos < sql.size()) {
    char ch = sql[pos];
    if (ch == '\'' || ch == '"' || ch == '`') {
      step(1);
      while (pos < sql.size()) {
        if (sql[pos] == ch) {
          if (pos + 1 < sql.size() && sql[pos + 1] == ch) {
            step(2);
            continue;
          }
          break;
        }
        step(1);
      }
      step(1);
    } else if (ch == '-' && pos + 1 < sql.size() && sql[pos + 1] == '-') {
      while (pos < sql.size() && sql[pos] != '\n') step(1);
    } else if (ch == '/' && pos + 1 < sql.size() && sql[pos + 1] == '*') {
      step(2);
      while (pos < sql.size() && !(sql[pos] == '*' && pos + 1 < sql.size() && sql[pos + 1] == '/')) step(1);
      step(2);
    } else if (ch == ';') {
      emit(pos);
      step(1);
      begin = pos;
      begin_pos = cursor;
    } else {
      step(1);
    }
  }
  emit(sql.size());
  return statements;
}

}  // namespace kalam
