// Parsing of a subscription's SQL: a small recursive reading of the token stream that
// keeps the WHERE condition as text (SQLite compiles it, see row_filter.h) and refuses
// what a live query cannot be.
#include "live/subscription_query.h"

#include <charconv>

#include "common/string_util.h"
#include "sql/parser/token.h"

namespace kalam {
namespace {

Status unsupported(const std::string& what) {
  return Status(ErrorCode::kUnsupported, "a live query cannot use " + what +
                                             " (one table, an optional column list and WHERE: see live.md)")
      .with_detail("feature", what);
}

Status invalid_option(const std::string& option, const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, "option " + option + ": " + message)
      .with_detail("argument", option);
}

class Reader {
 public:
  Reader(std::string_view text, std::vector<Token> tokens) : text_(text), tokens_(std::move(tokens)) {}

  const Token& peek(size_t ahead = 0) const {
    size_t index = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  const Token& take() {
    const Token& token = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return token;
  }
  bool accept_keyword(std::string_view keyword) {
    if (!peek().is_keyword(keyword)) return false;
    take();
    return true;
  }
  bool accept_symbol(std::string_view symbol) {
    if (!peek().is_symbol(symbol)) return false;
    take();
    return true;
  }
  Status expect_keyword(std::string_view keyword) {
    if (accept_keyword(keyword)) return Status::ok();
    return syntax_error(peek(), to_upper(std::string(keyword)));
  }
  Status expect_symbol(std::string_view symbol) {
    if (accept_symbol(symbol)) return Status::ok();
    return syntax_error(peek(), "'" + std::string(symbol) + "'");
  }
  Result<std::string> expect_name(std::string_view what) {
    if (!peek().is_name()) return syntax_error(peek(), what);
    return take().name();
  }
  bool at_end() const {
    return peek().kind == TokenKind::kEnd || (peek().is_symbol(";") && peek(1).kind == TokenKind::kEnd);
  }
  size_t position() const { return pos_; }
  const std::vector<Token>& tokens() const { return tokens_; }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

// Keywords that cannot occur in a plain condition (SELECT: a subquery).
constexpr std::string_view kRefusedKeywords[] = {"join",  "group",  "order",  "limit",    "having",
                                                 "union", "except", "select", "returning"};
constexpr std::string_view kAggregates[] = {"count", "sum",   "avg",          "min",
                                            "max",   "total", "group_concat", "string_agg"};

bool is_aggregate_call(const Token& name, const Token& next) {
  if (name.kind != TokenKind::kIdentifier || !next.is_symbol("(")) return false;
  for (std::string_view aggregate : kAggregates) {
    if (name.is_keyword(aggregate)) return true;
  }
  return false;
}

// Reads the condition from the current token up to OPTIONS (at nesting depth 0), the
// closing parenthesis of an EXECUTE AS (`close_paren`), or the end.
Result<std::string> read_condition(Reader& reader, bool close_paren) {
  size_t first = reader.position();
  int depth = 0;
  while (true) {
    const Token& token = reader.peek();
    if (token.kind == TokenKind::kEnd) break;
    if (depth == 0 && token.is_keyword("options")) break;
    if (depth == 0 && token.is_symbol(";") && reader.peek(1).kind == TokenKind::kEnd) break;
    if (token.is_symbol("(")) ++depth;
    if (token.is_symbol(")")) {
      if (depth == 0 && close_paren) break;
      if (--depth < 0) return syntax_error(token, "a condition");
    }
    for (std::string_view keyword : kRefusedKeywords) {
      if (token.is_keyword(keyword)) return unsupported(to_upper(std::string(keyword)) + " in WHERE");
    }
    if (token.kind == TokenKind::kParameter) return unsupported("$n parameters");
    if (is_aggregate_call(token, reader.peek(1))) return unsupported("aggregates");
    reader.take();
  }
  size_t last = reader.position();
  if (last == first) return syntax_error(reader.peek(), "a condition");
  if (depth != 0) return syntax_error(reader.peek(), "')'");
  const auto& tokens = reader.tokens();
  size_t begin = tokens[first].offset;
  size_t end = tokens[last - 1].offset + tokens[last - 1].length;
  return std::string(reader.text().substr(begin, end - begin));
}

Result<int64_t> option_integer(const Token& token, const std::string& option) {
  std::string_view text = token.text;
  int64_t value = 0;
  if (token.kind == TokenKind::kNumber || token.kind == TokenKind::kString) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && ptr == text.data() + text.size()) return value;
  }
  return invalid_option(option, "expected an integer, got '" + token.text + "'");
}

Status read_options(Reader& reader, SubscriptionOptions& options) {
  KALAM_RETURN_IF_ERROR(reader.expect_symbol("("));
  while (true) {
    KALAM_ASSIGN_OR_RETURN(std::string name, reader.expect_name("an option name"));
    KALAM_RETURN_IF_ERROR(reader.expect_symbol("="));
    const Token& value = reader.take();
    KALAM_ASSIGN_OR_RETURN(int64_t number, option_integer(value, name));
    if (name == "last_rows") {
      if (number < 1) return invalid_option(name, "must be at least 1");
      options.last_rows = static_cast<uint64_t>(number);
    } else if (name == "batch_size") {
      if (number < 1) return invalid_option(name, "must be at least 1");
      options.batch_size = static_cast<uint64_t>(number);
    } else if (name == "from") {
      options.from = number;
    } else {
      return invalid_option(name, "unknown option (last_rows, batch_size, from)");
    }
    if (reader.accept_symbol(")")) break;
    KALAM_RETURN_IF_ERROR(reader.expect_symbol(","));
  }
  return options.validate();
}

Status read_table_name(Reader& reader, SubscriptionQuery& query) {
  KALAM_ASSIGN_OR_RETURN(std::string first, reader.expect_name("a table name"));
  if (reader.accept_symbol(".")) {
    KALAM_ASSIGN_OR_RETURN(std::string second, reader.expect_name("a table name"));
    query.namespace_id = std::move(first);
    query.table_name = std::move(second);
  } else {
    query.table_name = std::move(first);
  }
  if (reader.peek().is_symbol(",") || reader.peek().is_keyword("join") ||
      reader.peek().is_keyword("natural") || reader.peek().is_keyword("cross") ||
      reader.peek().is_keyword("left") || reader.peek().is_keyword("inner")) {
    return unsupported("joins or several tables");
  }
  if (reader.peek().is_keyword("as") || (reader.peek().is_name() && !reader.peek().is_keyword("where") &&
                                         !reader.peek().is_keyword("options"))) {
    return unsupported("a table alias");
  }
  return Status::ok();
}

// The column list of a SELECT: `*` or plain column names.
Status read_columns(Reader& reader, SubscriptionQuery& query) {
  if (reader.accept_symbol("*")) return Status::ok();
  while (true) {
    const Token& token = reader.peek();
    if (is_aggregate_call(token, reader.peek(1))) return unsupported("aggregates");
    if (!token.is_name()) return unsupported("expressions in the column list");
    if (token.is_keyword("distinct")) return unsupported("DISTINCT");
    query.columns.push_back(reader.take().name());
    if (!reader.peek().is_symbol(",") && !reader.peek().is_keyword("from")) {
      return unsupported("expressions or aliases in the column list");
    }
    if (!reader.accept_symbol(",")) break;
  }
  return Status::ok();
}

Status read_body(Reader& reader, SubscriptionQuery& query, bool close_paren) {
  if (reader.accept_keyword("select")) {
    KALAM_RETURN_IF_ERROR(read_columns(reader, query));
    KALAM_RETURN_IF_ERROR(reader.expect_keyword("from"));
    if (reader.peek().is_symbol("(")) return unsupported("subqueries");
    KALAM_RETURN_IF_ERROR(read_table_name(reader, query));
  } else if (reader.accept_keyword("subscribe")) {
    KALAM_RETURN_IF_ERROR(reader.expect_keyword("to"));
    KALAM_RETURN_IF_ERROR(read_table_name(reader, query));
  } else {
    return syntax_error(reader.peek(), "SELECT or SUBSCRIBE TO");
  }
  if (reader.accept_keyword("where")) {
    KALAM_ASSIGN_OR_RETURN(query.where, read_condition(reader, close_paren));
  }
  for (std::string_view keyword : {"group", "order", "limit", "having", "union", "window"}) {
    if (reader.peek().is_keyword(keyword)) return unsupported(to_upper(std::string(keyword)));
  }
  if (reader.accept_keyword("options")) KALAM_RETURN_IF_ERROR(read_options(reader, query.options));
  return Status::ok();
}

}  // namespace

Status SubscriptionOptions::validate() const {
  if (last_rows && (*last_rows < 1 || *last_rows > kMaxLastRows)) {
    return invalid_option("last_rows", "must be between 1 and " + std::to_string(kMaxLastRows));
  }
  if (batch_size && (*batch_size < 1 || *batch_size > kMaxBatchSize)) {
    return invalid_option("batch_size", "must be between 1 and " + std::to_string(kMaxBatchSize));
  }
  if (from && *from <= 0) return invalid_option("from", "must be a _seq value (a positive integer)");
  if (from && last_rows) return invalid_option("from", "cannot be combined with last_rows");
  return Status::ok();
}

void SubscriptionOptions::merge(const SubscriptionOptions& other) {
  if (other.last_rows) last_rows = other.last_rows;
  if (other.batch_size) batch_size = other.batch_size;
  if (other.from) from = other.from;
}

std::string SubscriptionOptions::to_json() const {
  std::string out = "{";
  auto add = [&](const char* name, const std::string& value) {
    if (out.size() > 1) out += ',';
    out += "\"" + std::string(name) + "\":" + value;
  };
  if (last_rows) add("last_rows", std::to_string(*last_rows));
  if (batch_size) add("batch_size", std::to_string(*batch_size));
  if (from) add("from", "\"" + std::to_string(*from) + "\"");
  return out + "}";
}

Result<SubscriptionQuery> parse_subscription(std::string_view sql) {
  KALAM_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize_sql(sql));
  if (tokens.empty() || tokens.back().kind != TokenKind::kEnd) tokens.push_back(Token{});
  if (tokens.size() == 1) return Status(ErrorCode::kEmptySql, "the subscription has no SQL");
  Reader reader(sql, std::move(tokens));
  SubscriptionQuery query;
  if (reader.accept_keyword("execute")) {
    KALAM_RETURN_IF_ERROR(reader.expect_keyword("as"));
    KALAM_RETURN_IF_ERROR(reader.expect_keyword("user"));
    const Token& target = reader.take();
    if (target.kind != TokenKind::kString && !target.is_name()) return syntax_error(target, "a user id");
    query.execute_as = target.kind == TokenKind::kString ? target.text : target.name();
    KALAM_RETURN_IF_ERROR(reader.expect_symbol("("));
    KALAM_RETURN_IF_ERROR(read_body(reader, query, true));
    KALAM_RETURN_IF_ERROR(reader.expect_symbol(")"));
  } else {
    KALAM_RETURN_IF_ERROR(read_body(reader, query, false));
  }
  bool semicolon = reader.accept_symbol(";");
  if (!reader.at_end()) {
    if (semicolon || reader.peek().is_symbol(";")) return unsupported("several statements");
    return syntax_error(reader.peek(), "the end of the subscription");
  }
  return query;
}

}  // namespace kalam
