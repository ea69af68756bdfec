// Statement classification and the recursive-descent parsers for KalamDB's own
// statements. Engine statements (SELECT, DML) are only classified here.
#include "sql/parser/sql_parser.h"

#include <cctype>
#include <charconv>
#include <set>

#include "common/string_util.h"

namespace kalam {

Status validate_identifier(std::string_view name, std::string_view what) {
  auto invalid = [&](std::string reason) {
    Status status(ErrorCode::kInvalidArgument, "invalid " + std::string(what) + " name: " + reason);
    status.with_detail("argument", std::string(what));
    return status;
  };
  if (name.empty()) return invalid("must not be empty");
  if (name.size() > 64) return invalid("must be at most 64 characters");
  auto is_alpha = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; };
  if (!is_alpha(name[0])) return invalid("must start with a letter or '_'");
  for (char ch : name) {
    if (!is_alpha(ch) && !(ch >= '0' && ch <= '9'))
      return invalid("only letters, digits and '_' are allowed");
  }
  return Status::ok();
}

namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  const Token& peek(size_t ahead = 0) const {
    size_t idx = pos_ + ahead;
    return idx < tokens_.size() ? tokens_[idx] : tokens_.back();
  }
  const Token& next() {
    const Token& token = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return token;
  }
  bool at_end() const { return peek().kind == TokenKind::kEnd; }
  size_t position() const { return pos_; }

  bool accept_keyword(std::string_view keyword) {
    if (peek().is_keyword(keyword)) {
      next();
      return true;
    }
    return false;
  }
  bool accept_keywords(std::initializer_list<std::string_view> keywords) {
    size_t ahead = 0;
    for (auto keyword : keywords) {
      if (!peek(ahead).is_keyword(keyword)) return false;
      ++ahead;
    }
    pos_ += ahead;
    return true;
  }
  Status expect_keyword(std::string_view keyword) {
    if (accept_keyword(keyword)) return Status::ok();
    return syntax_error(peek(), std::string(keyword));
  }
  bool accept_symbol(std::string_view symbol) {
    if (peek().is_symbol(symbol)) {
      next();
      return true;
    }
    return false;
  }
  Status expect_symbol(std::string_view symbol) {
    if (accept_symbol(symbol)) return Status::ok();
    return syntax_error(peek(), "'" + std::string(symbol) + "'");
  }
  Status expect_end() {
    if (at_end()) return Status::ok();
    return syntax_error(peek(), "end of statement");
  }

  // An identifier (bare → lower-case, quoted → as written), validated against sql.md.
  Result<std::string> parse_identifier(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::kIdentifier && token.kind != TokenKind::kQuotedIdentifier) {
      return syntax_error(token, std::string(what) + " name");
    }
    next();
    KALAM_RETURN_IF_ERROR(validate_identifier(token.text, what));
    return token.kind == TokenKind::kIdentifier ? to_lower(token.text) : token.text;
  }
  // A user name: identifier, "quoted" or 'string'. User names are case-insensitive
  // (stored lower-case in every form) because logins compare them that way.
  Result<std::string> parse_user_name() {
    const Token& token = peek();
    if (token.kind != TokenKind::kIdentifier && token.kind != TokenKind::kQuotedIdentifier &&
        token.kind != TokenKind::kString) {
      return syntax_error(token, "user name");
    }
    next();
    KALAM_RETURN_IF_ERROR(validate_identifier(token.text, "user"));
    return to_lower(token.text);
  }
  Result<std::string> parse_string(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::kString) return syntax_error(token, std::string(what) + " as a 'string'");
    next();
    return token.text;
  }
  // A secret string: on error the token's text is never echoed.
  Result<std::string> parse_secret_string(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::kString) {
      Token masked = token;
      masked.text = "***";
      return syntax_error(masked, std::string(what) + " as a 'string'");
    }
    next();
    return token.text;
  }
  // A literal option value: string, number, TRUE/FALSE, NULL.
  Result<Value> parse_literal() {
    bool negative = accept_symbol("-");
    const Token& token = peek();
    if (token.kind == TokenKind::kNumber) {
      next();
      if (token.text.find_first_of(".eE") == std::string::npos) {
        int64_t number = 0;
        auto [ptr, ec] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), number);
        if (ec == std::errc() && ptr == token.text.data() + token.text.size()) {
          return Value(negative ? -number : number);
        }
      }
      double real = std::strtod(token.text.c_str(), nullptr);
      return Value(negative ? -real : real);
    }
    if (negative) return syntax_error(token, "a number");
    if (token.kind == TokenKind::kString) {
      next();
      return Value(token.text);
    }
    if (token.is_keyword("true") || token.is_keyword("false")) {
      next();
      return Value(token.is_keyword("true"));
    }
    if (token.is_keyword("null")) {
      next();
      return Value(std::monostate{});
    }
    return syntax_error(token, "a literal value");
  }
  // `( key = literal [, …] )`: namespace options, WITH (…) and ALTER TABLE … SET (…).
  Result<std::vector<std::pair<std::string, Value>>> parse_option_list() {
    std::vector<std::pair<std::string, Value>> options;
    KALAM_RETURN_IF_ERROR(expect_symbol("("));
    do {
      std::string key;
      KALAM_ASSIGN_OR_RETURN(key, parse_identifier("option"));
      KALAM_RETURN_IF_ERROR(expect_symbol("="));
      Value value;
      KALAM_ASSIGN_OR_RETURN(value, parse_literal());
      options.emplace_back(std::move(key), std::move(value));
    } while (accept_symbol(","));
    KALAM_RETURN_IF_ERROR(expect_symbol(")"));
    return options;
  }
  bool parse_if_not_exists() { return accept_keywords({"if", "not", "exists"}); }
  bool parse_if_exists() { return accept_keywords({"if", "exists"}); }

 private:
  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
};

Status unknown_statement(const std::vector<Token>& tokens) {
  const Token& first = tokens.front();
  std::string words;
  for (size_t idx = 0; idx < tokens.size() && idx < 2; ++idx) {
    if (tokens[idx].kind != TokenKind::kIdentifier) break;
    if (!words.empty()) words += ' ';
    words += to_upper(tokens[idx].text);
  }
  if (words.empty()) words = first.text;
  Status status(ErrorCode::kInvalidSqlSyntax, "unsupported or unknown statement '" + words + "' at line " +
                                                  std::to_string(first.line) + ", column " +
                                                  std::to_string(first.column));
  status.with_detail("line", static_cast<int64_t>(first.line));
  status.with_detail("column", static_cast<int64_t>(first.column));
  status.with_detail("token", words);
  return status;
}

// ---- namespaces -------------------------------------------------------------

Result<StatementBody> parse_create_namespace(Parser& parser) {
  CreateNamespaceStmt stmt;
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("namespace"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_alter_namespace(Parser& parser) {
  AlterNamespaceStmt stmt;
  KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("namespace"));
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("set"));
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("options"));
  KALAM_ASSIGN_OR_RETURN(stmt.options, parser.parse_option_list());
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_drop_namespace(Parser& parser) {
  DropNamespaceStmt stmt;
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("namespace"));
  stmt.cascade = parser.accept_keyword("cascade");
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_use_namespace(Parser& parser) {
  UseNamespaceStmt stmt;
  KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("namespace"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// ---- storages ---------------------------------------------------------------

Result<StatementBody> parse_create_storage(Parser& parser) {
  CreateStorageStmt stmt;
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.storage_id, parser.parse_identifier("storage"));
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("type"));
  const Token& type_token = parser.peek();
  std::string type_name;
  if (type_token.kind == TokenKind::kIdentifier || type_token.kind == TokenKind::kString) {
    type_name = to_lower(parser.next().text);
  }
  if (type_name == "filesystem" || type_name == "local") {
    stmt.storage_type = StorageType::kFilesystem;
  } else if (type_name == "s3") {
    stmt.storage_type = StorageType::kS3;
  } else {
    return syntax_error(type_token, "storage type filesystem or s3");
  }
  std::set<std::string> seen;
  while (!parser.at_end()) {
    const Token& clause = parser.peek();
    if (clause.kind != TokenKind::kIdentifier) return syntax_error(clause, "a storage clause");
    std::string name = to_lower(clause.text);
    if (!seen.insert(name).second) {
      return Status(ErrorCode::kInvalidArgument, "storage clause " + to_upper(name) + " given twice")
          .with_detail("argument", name);
    }
    parser.next();
    std::optional<std::string>* target = nullptr;
    if (name == "name")
      target = &stmt.storage_name;
    else if (name == "description")
      target = &stmt.description;
    else if (name == "base_directory")
      target = &stmt.base_directory;
    else if (name == "shared_tables_template")
      target = &stmt.shared_tables_template;
    else if (name == "user_tables_template")
      target = &stmt.user_tables_template;
    else if (name == "region")
      target = &stmt.region;
    else if (name == "endpoint")
      target = &stmt.endpoint;
    if (target != nullptr) {
      KALAM_ASSIGN_OR_RETURN(*target, parser.parse_string(to_upper(name)));
    } else if (name == "credentials") {
      KALAM_ASSIGN_OR_RETURN(stmt.credentials, parser.parse_secret_string("CREDENTIALS"));
    } else {
      return syntax_error(clause,
                          "NAME, DESCRIPTION, BASE_DIRECTORY, SHARED_TABLES_TEMPLATE, USER_TABLES_TEMPLATE, "
                          "REGION, ENDPOINT or CREDENTIALS");
    }
  }
  if (!stmt.base_directory) return syntax_error(parser.peek(), "BASE_DIRECTORY '…'");
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_alter_storage(Parser& parser) {
  AlterStorageStmt stmt;
  KALAM_ASSIGN_OR_RETURN(stmt.storage_id, parser.parse_identifier("storage"));
  bool any = false;
  while (!parser.at_end()) {
    if (any) parser.accept_symbol(",");
    KALAM_RETURN_IF_ERROR(parser.expect_keyword("set"));
    const Token& clause = parser.peek();
    std::string name = clause.kind == TokenKind::kIdentifier ? to_lower(clause.text) : std::string();
    std::optional<std::string>* target = nullptr;
    if (name == "name")
      target = &stmt.storage_name;
    else if (name == "description")
      target = &stmt.description;
    else if (name == "shared_tables_template")
      target = &stmt.shared_tables_template;
    else if (name == "user_tables_template")
      target = &stmt.user_tables_template;
    else if (name == "credentials")
      target = &stmt.credentials;
    if (target == nullptr) {
      return syntax_error(clause,
                          "NAME, DESCRIPTION, SHARED_TABLES_TEMPLATE, USER_TABLES_TEMPLATE or CREDENTIALS");
    }
    parser.next();
    if (name == "credentials") {
      KALAM_ASSIGN_OR_RETURN(*target, parser.parse_secret_string("CREDENTIALS"));
    } else {
      KALAM_ASSIGN_OR_RETURN(*target, parser.parse_string(to_upper(name)));
    }
    any = true;
  }
  if (!any) return syntax_error(parser.peek(), "SET …");
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_drop_storage(Parser& parser) {
  DropStorageStmt stmt;
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.storage_id, parser.parse_identifier("storage"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_check_storage(Parser& parser) {
  CheckStorageStmt stmt;
  KALAM_ASSIGN_OR_RETURN(stmt.storage_id, parser.parse_identifier("storage"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// ---- users ------------------------------------------------------------------

Result<Role> parse_role_token(Parser& parser) {
  const Token& token = parser.peek();
  if (token.kind != TokenKind::kIdentifier && token.kind != TokenKind::kString) {
    return syntax_error(token, "a role (user, service, dba, system)");
  }
  parser.next();
  auto role = parse_role(token.text);
  if (!role) {
    return Status(ErrorCode::kInvalidArgument,
                  "unknown role '" + token.text + "': expected user, service, dba or system")
        .with_detail("argument", std::string("role"));
  }
  return *role;
}

Result<StatementBody> parse_create_user(Parser& parser) {
  CreateUserStmt stmt;
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.user_id, parser.parse_user_name());
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("with"));
  bool has_password = false;
  bool has_role = false;
  bool has_email = false;
  while (!parser.at_end()) {
    if (parser.accept_keyword("password")) {
      if (has_password) return syntax_error(parser.peek(), "PASSWORD only once");
      KALAM_ASSIGN_OR_RETURN(stmt.password, parser.parse_secret_string("PASSWORD"));
      has_password = true;
    } else if (parser.accept_keyword("role")) {
      if (has_role) return syntax_error(parser.peek(), "ROLE only once");
      KALAM_ASSIGN_OR_RETURN(stmt.role, parse_role_token(parser));
      has_role = true;
    } else if (parser.accept_keyword("email")) {
      if (has_email) return syntax_error(parser.peek(), "EMAIL only once");
      KALAM_ASSIGN_OR_RETURN(stmt.email, parser.parse_string("EMAIL"));
      has_email = true;
    } else {
      return syntax_error(parser.peek(), "PASSWORD, ROLE or EMAIL");
    }
  }
  if (!has_password) return syntax_error(parser.peek(), "PASSWORD '…'");
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_alter_user(Parser& parser) {
  AlterUserStmt stmt;
  KALAM_ASSIGN_OR_RETURN(stmt.user_id, parser.parse_user_name());
  bool any = false;
  while (!parser.at_end()) {
    if (any) parser.accept_symbol(",");
    KALAM_RETURN_IF_ERROR(parser.expect_keyword("set"));
    if (parser.accept_keyword("password")) {
      KALAM_ASSIGN_OR_RETURN(stmt.password, parser.parse_secret_string("PASSWORD"));
    } else if (parser.accept_keyword("role")) {
      KALAM_ASSIGN_OR_RETURN(stmt.role, parse_role_token(parser));
    } else if (parser.accept_keyword("email")) {
      KALAM_ASSIGN_OR_RETURN(stmt.email, parser.parse_string("EMAIL"));
    } else {
      return syntax_error(parser.peek(), "PASSWORD, ROLE or EMAIL");
    }
    any = true;
  }
  if (!any) return syntax_error(parser.peek(), "SET PASSWORD | SET ROLE | SET EMAIL");
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_drop_user(Parser& parser) {
  DropUserStmt stmt;
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.user_id, parser.parse_user_name());
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// ---- tables -----------------------------------------------------------------

bool is_table_kind_word(const Token& token) {
  return token.is_keyword("user") || token.is_keyword("shared") || token.is_keyword("stream");
}

size_t position_of(const Parser& parser, const std::vector<Token>&) { return parser.position(); }

// `name` or `ns.name`.
Result<TableRef> parse_table_ref(Parser& parser) {
  TableRef ref;
  KALAM_ASSIGN_OR_RETURN(ref.table_name, parser.parse_identifier("table"));
  if (parser.accept_symbol(".")) {
    ref.namespace_id = std::move(ref.table_name);
    KALAM_ASSIGN_OR_RETURN(ref.table_name, parser.parse_identifier("table"));
  }
  return ref;
}

// Compact SQL text of tokens [begin, end): used for DEFAULT expressions.
std::string tokens_to_sql(const std::vector<Token>& tokens, size_t begin, size_t end) {
  std::string out;
  bool previous_word = false;
  for (size_t idx = begin; idx < end; ++idx) {
    const Token& token = tokens[idx];
    bool word = token.kind != TokenKind::kSymbol;
    if (word && previous_word) out += ' ';
    switch (token.kind) {
      case TokenKind::kString: {
        out += '\'';
        for (char ch : token.text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
        out += '\'';
        break;
      }
      case TokenKind::kQuotedIdentifier:
        out += '"' + token.text + '"';
        break;
      case TokenKind::kIdentifier:
        out += to_upper(token.text);
        break;
      default:
        out += token.text;
    }
    previous_word = word;
  }
  return out;
}

bool is_column_constraint_start(const Token& token) {
  for (const char* keyword : {"not", "null", "primary", "unique", "default", "auto_increment",
                              "autoincrement", "generated", "references", "check", "constraint", "collate"}) {
    if (token.is_keyword(keyword)) return true;
  }
  return token.is_symbol(",") || token.is_symbol(")") || token.kind == TokenKind::kEnd;
}

Result<int32_t> parse_small_int(Parser& parser, std::string_view what) {
  const Token& token = parser.peek();
  int32_t value = 0;
  if (token.kind == TokenKind::kNumber) {
    auto [ptr, ec] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (ec == std::errc() && ptr == token.text.data() + token.text.size() && value >= 0) {
      parser.next();
      return value;
    }
  }
  return syntax_error(token, std::string(what));
}

Result<ColumnSpec> parse_column_spec(Parser& parser, const std::vector<Token>& tokens, size_t& position) {
  ColumnSpec column;
  KALAM_ASSIGN_OR_RETURN(column.name, parser.parse_identifier("column"));
  // Type: one or two words (DOUBLE PRECISION), optional (n) or (p, s). Omitted → empty.
  if (parser.peek().kind == TokenKind::kIdentifier && !is_column_constraint_start(parser.peek())) {
    column.type_name = to_upper(parser.next().text);
    if (column.type_name == "DOUBLE" && parser.peek().is_keyword("precision")) {
      parser.next();
    }
    if (column.type_name == "SERIAL" || column.type_name == "BIGSERIAL") {
      column.type_name = "BIGINT";
      column.auto_increment = true;
    }
    if (parser.accept_symbol("(")) {
      KALAM_ASSIGN_OR_RETURN(int32_t first, parse_small_int(parser, "a length or precision"));
      if (parser.accept_symbol(",")) {
        column.precision = first;
        KALAM_ASSIGN_OR_RETURN(column.scale, parse_small_int(parser, "a scale"));
      } else if (column.type_name == "DECIMAL" || column.type_name == "NUMERIC") {
        column.precision = first;
      } else {
        column.length = first;
      }
      KALAM_RETURN_IF_ERROR(parser.expect_symbol(")"));
    }
  }
  while (!parser.peek().is_symbol(",") && !parser.peek().is_symbol(")") && !parser.at_end()) {
    if (parser.accept_keywords({"not", "null"})) {
      column.not_null = true;
    } else if (parser.accept_keyword("null")) {
      column.not_null = false;
    } else if (parser.accept_keywords({"primary", "key"})) {
      column.primary_key = true;
      parser.accept_keyword("asc");
      parser.accept_keyword("desc");
      if (parser.accept_keyword("autoincrement")) column.auto_increment = true;
    } else if (parser.accept_keyword("unique")) {
      column.unique = true;
    } else if (parser.accept_keyword("auto_increment") || parser.accept_keyword("autoincrement")) {
      column.auto_increment = true;
    } else if (parser.accept_keyword("generated")) {
      // GENERATED [ALWAYS | BY DEFAULT] AS IDENTITY
      if (!parser.accept_keyword("always")) parser.accept_keywords({"by", "default"});
      KALAM_RETURN_IF_ERROR(parser.expect_keyword("as"));
      KALAM_RETURN_IF_ERROR(parser.expect_keyword("identity"));
      column.auto_increment = true;
    } else if (parser.accept_keyword("default")) {
      size_t begin = position_of(parser, tokens);
      int depth = 0;
      while (!parser.at_end()) {
        const Token& token = parser.peek();
        if (depth == 0 && is_column_constraint_start(token) &&
            !(token.is_keyword("null") && begin == position_of(parser, tokens))) {
          break;
        }
        if (token.is_symbol("(")) ++depth;
        if (token.is_symbol(")")) {
          if (depth == 0) break;
          --depth;
        }
        parser.next();
      }
      size_t end = position_of(parser, tokens);
      if (end == begin) return syntax_error(parser.peek(), "a DEFAULT expression");
      column.default_sql = tokens_to_sql(tokens, begin, end);
    } else {
      return syntax_error(parser.peek(), "NOT NULL, NULL, DEFAULT, PRIMARY KEY, UNIQUE or AUTO_INCREMENT");
    }
  }
  (void)position;
  return column;
}

// Converts trailing clauses (STORAGE x, FLUSH ROWS n, FLUSH INTERVAL ns, TTL n,
// ACCESS LEVEL x) and WITH (k = v, …) into options.
Status parse_table_options(Parser& parser, CreateTableStmt& stmt) {
  std::string flush_rows;
  std::string flush_interval;
  auto add = [&](std::string key, Value value) -> Status {
    for (const auto& [existing, ignored] : stmt.options) {
      if (existing == key) {
        return Status(ErrorCode::kInvalidArgument, "table option " + to_upper(key) + " given twice")
            .with_detail("argument", key);
      }
    }
    stmt.options.emplace_back(std::move(key), std::move(value));
    return Status::ok();
  };
  while (!parser.at_end()) {
    if (parser.accept_keyword("with")) {
      std::vector<std::pair<std::string, Value>> options;
      KALAM_ASSIGN_OR_RETURN(options, parser.parse_option_list());
      for (auto& [key, value] : options) KALAM_RETURN_IF_ERROR(add(std::move(key), std::move(value)));
    } else if (parser.accept_keyword("storage")) {
      const Token& name = parser.peek();
      if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kString) {
        return syntax_error(name, "a storage id");
      }
      parser.next();
      KALAM_RETURN_IF_ERROR(add("storage_id", Value(to_lower(name.text))));
    } else if (parser.accept_keyword("flush")) {
      if (parser.accept_keyword("rows") || parser.accept_keyword("row_threshold")) {
        KALAM_ASSIGN_OR_RETURN(int32_t rows, parse_small_int(parser, "a row count"));
        flush_rows = "rows:" + std::to_string(rows);
      } else if (parser.accept_keyword("interval")) {
        KALAM_ASSIGN_OR_RETURN(int32_t seconds, parse_small_int(parser, "an interval in seconds"));
        parser.accept_keyword("s");
        flush_interval = "interval:" + std::to_string(seconds);
      } else {
        return syntax_error(parser.peek(), "ROWS, ROW_THRESHOLD or INTERVAL");
      }
    } else if (parser.accept_keyword("ttl")) {
      KALAM_ASSIGN_OR_RETURN(int32_t seconds, parse_small_int(parser, "a TTL in seconds"));
      parser.accept_keyword("s");
      KALAM_RETURN_IF_ERROR(add("ttl_seconds", Value(static_cast<int64_t>(seconds))));
    } else if (parser.accept_keywords({"access", "level"})) {
      const Token& level = parser.peek();
      if (level.kind != TokenKind::kIdentifier && level.kind != TokenKind::kString) {
        return syntax_error(level, "PUBLIC, PRIVATE or RESTRICTED");
      }
      parser.next();
      KALAM_RETURN_IF_ERROR(add("access_level", Value(to_upper(level.text))));
    } else {
      return syntax_error(parser.peek(), "WITH (…), STORAGE, FLUSH, TTL, ACCESS LEVEL or end of statement");
    }
  }
  if (!flush_rows.empty() || !flush_interval.empty()) {
    std::string policy = flush_rows;
    if (!flush_interval.empty()) policy += (policy.empty() ? "" : ",") + flush_interval;
    KALAM_RETURN_IF_ERROR(add("flush_policy", Value(policy)));
  }
  return Status::ok();
}

Result<StatementBody> parse_create_table(Parser& parser, const std::vector<Token>& tokens) {
  CreateTableStmt stmt;
  parser.accept_keyword("create");
  if (is_table_kind_word(parser.peek())) stmt.kind_keyword = to_upper(parser.next().text);
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("table"));
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_symbol("("));
  size_t position = 0;
  do {
    if (parser.accept_keywords({"primary", "key"})) {
      KALAM_RETURN_IF_ERROR(parser.expect_symbol("("));
      do {
        std::string column;
        KALAM_ASSIGN_OR_RETURN(column, parser.parse_identifier("column"));
        stmt.primary_key.push_back(std::move(column));
      } while (parser.accept_symbol(","));
      KALAM_RETURN_IF_ERROR(parser.expect_symbol(")"));
    } else if (parser.peek().is_keyword("unique") && parser.peek(1).is_symbol("(")) {
      return Status(ErrorCode::kNotImplemented, "table-level UNIQUE constraints are not implemented yet")
          .with_detail("feature", std::string("UNIQUE constraint"));
    } else {
      ColumnSpec column;
      KALAM_ASSIGN_OR_RETURN(column, parse_column_spec(parser, tokens, position));
      stmt.columns.push_back(std::move(column));
    }
  } while (parser.accept_symbol(","));
  KALAM_RETURN_IF_ERROR(parser.expect_symbol(")"));
  KALAM_RETURN_IF_ERROR(parse_table_options(parser, stmt));
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_execute_as(Parser& parser, const std::vector<Token>& tokens,
                                       std::string_view text) {
  ExecuteAsStmt stmt;
  parser.accept_keyword("execute");
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("as"));
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("user"));
  KALAM_ASSIGN_OR_RETURN(stmt.target_user, parser.parse_user_name());
  const Token& open = parser.peek();
  KALAM_RETURN_IF_ERROR(parser.expect_symbol("("));
  // The inner statement is everything up to the matching ')', which must end the text.
  int depth = 1;
  size_t close_idx = parser.position();
  for (; close_idx < tokens.size() && tokens[close_idx].kind != TokenKind::kEnd; ++close_idx) {
    if (tokens[close_idx].is_symbol("(")) ++depth;
    if (tokens[close_idx].is_symbol(")") && --depth == 0) break;
  }
  if (depth != 0) return syntax_error(tokens[close_idx], "')' closing EXECUTE AS USER (…)");
  if (tokens[close_idx + 1].kind != TokenKind::kEnd)
    return syntax_error(tokens[close_idx + 1], "end of statement");
  size_t begin = open.offset + open.length;
  stmt.inner_sql = std::string(text.substr(begin, tokens[close_idx].offset - begin));
  std::vector<Token> inner(tokens.begin() + static_cast<std::ptrdiff_t>(parser.position()),
                           tokens.begin() + static_cast<std::ptrdiff_t>(close_idx));
  if (inner.empty()) return syntax_error(tokens[close_idx], "a SELECT, INSERT, UPDATE or DELETE");
  inner.push_back(tokens.back());
  KALAM_ASSIGN_OR_RETURN(stmt.inner_kind, classify_statement(inner));
  if (stmt.inner_kind != StatementKind::kSelect && stmt.inner_kind != StatementKind::kInsert &&
      stmt.inner_kind != StatementKind::kUpdate && stmt.inner_kind != StatementKind::kDelete) {
    return Status(ErrorCode::kInvalidArgument, "EXECUTE AS USER wraps one SELECT, INSERT, UPDATE or DELETE")
        .with_detail("argument", std::string("statement"));
  }
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_alter_table(Parser& parser, const std::vector<Token>& tokens) {
  AlterTableStmt stmt;
  parser.accept_keywords({"alter", "table"});
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  if (parser.accept_keyword("add")) {
    parser.accept_keyword("column");
    stmt.action = AlterTableAction::kAddColumn;
    size_t position = 0;
    KALAM_ASSIGN_OR_RETURN(stmt.column, parse_column_spec(parser, tokens, position));
  } else if (parser.accept_keyword("drop")) {
    parser.accept_keyword("column");
    stmt.action = AlterTableAction::kDropColumn;
    KALAM_ASSIGN_OR_RETURN(stmt.column_name, parser.parse_identifier("column"));
  } else if (parser.accept_keyword("rename")) {
    parser.accept_keyword("column");
    stmt.action = AlterTableAction::kRenameColumn;
    KALAM_ASSIGN_OR_RETURN(stmt.column_name, parser.parse_identifier("column"));
    KALAM_RETURN_IF_ERROR(parser.expect_keyword("to"));
    KALAM_ASSIGN_OR_RETURN(stmt.new_name, parser.parse_identifier("column"));
  } else if (parser.accept_keyword("alter")) {
    parser.accept_keyword("column");
    KALAM_ASSIGN_OR_RETURN(stmt.column_name, parser.parse_identifier("column"));
    if (parser.accept_keywords({"set", "default"})) {
      stmt.action = AlterTableAction::kSetDefault;
      size_t begin = parser.position();
      while (!parser.at_end()) parser.next();
      if (parser.position() == begin) return syntax_error(parser.peek(), "a DEFAULT expression");
      stmt.default_sql = tokens_to_sql(tokens, begin, parser.position());
    } else if (parser.accept_keywords({"drop", "default"})) {
      stmt.action = AlterTableAction::kDropDefault;
    } else if (parser.accept_keywords({"set", "not", "null"})) {
      stmt.action = AlterTableAction::kSetNotNull;
    } else if (parser.accept_keywords({"drop", "not", "null"})) {
      stmt.action = AlterTableAction::kDropNotNull;
    } else {
      return syntax_error(parser.peek(), "SET DEFAULT, DROP DEFAULT, SET NOT NULL or DROP NOT NULL");
    }
  } else if (parser.accept_keywords({"set", "access", "level"})) {
    stmt.action = AlterTableAction::kSetAccessLevel;
    const Token& level = parser.peek();
    if (level.kind != TokenKind::kIdentifier && level.kind != TokenKind::kString) {
      return syntax_error(level, "PUBLIC, PRIVATE or RESTRICTED");
    }
    stmt.access_level = to_upper(parser.next().text);
  } else if (parser.accept_keyword("set")) {
    stmt.action = AlterTableAction::kSetOptions;
    KALAM_ASSIGN_OR_RETURN(stmt.options, parser.parse_option_list());
  } else {
    return syntax_error(parser.peek(), "ADD, DROP, RENAME, ALTER or SET");
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_show_stats(Parser& parser) {
  ShowStatsStmt stmt;
  parser.accept_keywords({"show", "stats"});
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("for"));
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("table"));
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_explain(Parser& parser, std::string_view text) {
  parser.accept_keyword("explain");
  parser.accept_keywords({"query", "plan"});
  const Token& first = parser.peek();
  if (first.kind == TokenKind::kEnd) return syntax_error(first, "a query to explain");
  return StatementBody(ExplainStmt{std::string(text.substr(first.offset))});
}

Result<StatementBody> parse_drop_table(Parser& parser) {
  DropTableStmt stmt;
  parser.accept_keyword("drop");
  if (is_table_kind_word(parser.peek())) stmt.kind_keyword = to_upper(parser.next().text);
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("table"));
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_show_tables(Parser& parser) {
  ShowTablesStmt stmt;
  parser.accept_keywords({"show", "tables"});
  if (parser.accept_keyword("in") || parser.accept_keyword("from")) {
    parser.accept_keyword("namespace");
    KALAM_ASSIGN_OR_RETURN(stmt.namespace_id, parser.parse_identifier("namespace"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_describe_table(Parser& parser) {
  DescribeTableStmt stmt;
  if (!parser.accept_keyword("describe")) parser.accept_keyword("desc");
  parser.accept_keyword("table");
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  stmt.history = parser.accept_keyword("history");
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [ns.]name ON [ns.]t (col [COLLATE BINARY] [ASC|DESC], …)
Result<StatementBody> parse_create_index(Parser& parser) {
  CreateIndexStmt stmt;
  parser.accept_keyword("create");
  stmt.unique = parser.accept_keyword("unique");
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("index"));
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.index_name, parser.parse_identifier("index"));
  if (parser.accept_symbol(".")) {
    stmt.index_namespace = std::move(stmt.index_name);
    KALAM_ASSIGN_OR_RETURN(stmt.index_name, parser.parse_identifier("index"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("on"));
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_symbol("("));
  do {
    KALAM_ASSIGN_OR_RETURN(std::string column, parser.parse_identifier("column"));
    if (parser.peek().is_symbol("(") || parser.peek().is_symbol("+") || parser.peek().is_symbol("-") ||
        parser.peek().is_symbol("||") || parser.peek().is_symbol("*") || parser.peek().is_symbol("/")) {
      return Status(ErrorCode::kNotImplemented, "indexes on expressions are not supported: list columns")
          .with_detail("feature", std::string("index on an expression"));
    }
    if (parser.accept_keyword("collate")) {
      const Token& collation = parser.next();
      if (!collation.is_keyword("binary")) {
        return Status(ErrorCode::kNotImplemented,
                      "index columns compare with the BINARY collation only (COLLATE " + collation.text + ")")
            .with_detail("feature", std::string("COLLATE in an index"));
      }
    }
    bool descending = false;
    if (parser.accept_keyword("desc")) {
      descending = true;
    } else {
      parser.accept_keyword("asc");
    }
    stmt.columns.push_back(std::move(column));
    stmt.descending.push_back(descending);
  } while (parser.accept_symbol(","));
  KALAM_RETURN_IF_ERROR(parser.expect_symbol(")"));
  if (parser.peek().is_keyword("where")) {
    return Status(ErrorCode::kNotImplemented, "partial indexes (CREATE INDEX … WHERE) are not supported")
        .with_detail("feature", std::string("partial index"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_drop_index(Parser& parser) {
  DropIndexStmt stmt;
  parser.accept_keywords({"drop", "index"});
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.index_name, parser.parse_identifier("index"));
  if (parser.accept_symbol(".")) {
    stmt.namespace_id = std::move(stmt.index_name);
    KALAM_ASSIGN_OR_RETURN(stmt.index_name, parser.parse_identifier("index"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_reindex(Parser& parser) {
  ReindexStmt stmt;
  parser.accept_keyword("reindex");
  if (!parser.at_end()) {
    KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("table or index"));
    if (parser.accept_symbol(".")) {
      stmt.namespace_id = std::move(stmt.name);
      KALAM_ASSIGN_OR_RETURN(stmt.name, parser.parse_identifier("table or index"));
    }
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_show_indexes(Parser& parser) {
  ShowIndexesStmt stmt;
  parser.accept_keyword("show");
  if (!parser.accept_keyword("indexes")) parser.accept_keyword("index");
  if (parser.accept_keyword("on") || parser.accept_keyword("from") || parser.accept_keyword("in")) {
    parser.accept_keyword("table");
    KALAM_ASSIGN_OR_RETURN(TableRef table, parse_table_ref(parser));
    stmt.table = std::move(table);
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_check_table(Parser& parser) {
  CheckTableStmt stmt;
  parser.accept_keywords({"check", "table"});
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// STORAGE FLUSH TABLE [ns.]t | FLUSH TABLE [ns.]t
Result<StatementBody> parse_flush_table(Parser& parser) {
  FlushTableStmt stmt;
  parser.accept_keyword("storage");
  parser.accept_keywords({"flush", "table"});
  KALAM_ASSIGN_OR_RETURN(stmt.table, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// STORAGE FLUSH ALL [IN [NAMESPACE] ns] | FLUSH ALL TABLES [IN [NAMESPACE] ns]
Result<StatementBody> parse_flush_all(Parser& parser) {
  FlushAllStmt stmt;
  const bool storage_form = parser.accept_keyword("storage");
  parser.accept_keywords({"flush", "all"});
  if (!storage_form) KALAM_RETURN_IF_ERROR(parser.expect_keyword("tables"));
  if (parser.accept_keyword("in")) {
    parser.accept_keyword("namespace");
    KALAM_ASSIGN_OR_RETURN(stmt.namespace_id, parser.parse_identifier("namespace"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

// KILL JOB 'id'
Result<StatementBody> parse_kill_job(Parser& parser) {
  KillJobStmt stmt;
  parser.accept_keywords({"kill", "job"});
  KALAM_ASSIGN_OR_RETURN(stmt.job_id, parser.parse_string("job id"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_show_jobs(Parser& parser) {
  parser.accept_keywords({"show", "jobs"});
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(ShowJobsStmt{});
}

// KILL LIVE QUERY 'live-id'
Result<StatementBody> parse_kill_live_query(Parser& parser) {
  KillLiveQueryStmt stmt;
  parser.accept_keywords({"kill", "live", "query"});
  KALAM_ASSIGN_OR_RETURN(stmt.live_id, parser.parse_string("live query id"));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

Result<StatementBody> parse_show_live_queries(Parser& parser) {
  parser.accept_keywords({"show", "live", "queries"});
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(ShowLiveQueriesStmt{});
}

// CREATE VIEW [IF NOT EXISTS] [ns.]v [(col, …)] AS <SELECT | WITH … SELECT | VALUES …>
Result<StatementBody> parse_create_view(Parser& parser, const std::vector<Token>& tokens,
                                        std::string_view text) {
  CreateViewStmt stmt;
  parser.accept_keyword("create");
  if (parser.accept_keyword("temp") || parser.accept_keyword("temporary")) {
    return Status(ErrorCode::kNotImplemented,
                  "TEMP views are not supported: a view is stored in the catalog for every caller")
        .with_detail("feature", std::string("TEMP VIEW"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("view"));
  stmt.if_not_exists = parser.parse_if_not_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.view, parse_table_ref(parser));
  if (parser.accept_symbol("(")) {
    do {
      KALAM_ASSIGN_OR_RETURN(std::string column, parser.parse_identifier("column"));
      stmt.columns.push_back(std::move(column));
    } while (parser.accept_symbol(","));
    KALAM_RETURN_IF_ERROR(parser.expect_symbol(")"));
  }
  KALAM_RETURN_IF_ERROR(parser.expect_keyword("as"));
  const Token& first = parser.peek();
  if (!first.is_keyword("select") && !first.is_keyword("with") && !first.is_keyword("values") &&
      !first.is_symbol("(")) {
    return syntax_error(first, "a query (SELECT …)");
  }
  for (size_t idx = parser.position(); idx < tokens.size(); ++idx) {
    if (tokens[idx].kind == TokenKind::kParameter) {
      return Status(ErrorCode::kInvalidArgument, "a view's query cannot use parameters ($n)")
          .with_detail("argument", std::string("sql"));
    }
  }
  std::string_view query = text.substr(first.offset);
  while (!query.empty() && (query.back() == ';' || std::isspace(static_cast<unsigned char>(query.back())))) {
    query.remove_suffix(1);
  }
  stmt.query_sql = std::string(query);
  return StatementBody(std::move(stmt));
}

// DROP VIEW [IF EXISTS] [ns.]v
Result<StatementBody> parse_drop_view(Parser& parser) {
  DropViewStmt stmt;
  parser.accept_keywords({"drop", "view"});
  stmt.if_exists = parser.parse_if_exists();
  KALAM_ASSIGN_OR_RETURN(stmt.view, parse_table_ref(parser));
  KALAM_RETURN_IF_ERROR(parser.expect_end());
  return StatementBody(std::move(stmt));
}

}  // namespace

Result<StatementKind> classify_statement(const std::vector<Token>& tokens) {
  const Token& first = tokens.front();
  auto at = [&](size_t idx) -> const Token& { return idx < tokens.size() ? tokens[idx] : tokens.back(); };
  if (first.kind != TokenKind::kIdentifier) {
    if (first.is_symbol("(")) return StatementKind::kSelect;  // (SELECT …) UNION …
    return unknown_statement(tokens);
  }
  const Token& second = at(1);
  if (first.is_keyword("with")) {
    // The statement after the CTE list decides: the first keyword outside parentheses.
    int depth = 0;
    for (size_t idx = 1; idx < tokens.size(); ++idx) {
      const Token& token = tokens[idx];
      if (token.is_symbol("(")) ++depth;
      if (token.is_symbol(")")) --depth;
      if (depth != 0) continue;
      if (token.is_keyword("insert") || token.is_keyword("replace")) return StatementKind::kInsert;
      if (token.is_keyword("update")) return StatementKind::kUpdate;
      if (token.is_keyword("delete")) return StatementKind::kDelete;
      if (token.is_keyword("select") || token.is_keyword("values")) return StatementKind::kSelect;
    }
    return StatementKind::kSelect;
  }
  if (first.is_keyword("select") || first.is_keyword("values")) return StatementKind::kSelect;
  if (first.is_keyword("insert") || first.is_keyword("replace")) return StatementKind::kInsert;
  if (first.is_keyword("update")) return StatementKind::kUpdate;
  if (first.is_keyword("delete")) return StatementKind::kDelete;
  if (first.is_keyword("explain")) return StatementKind::kExplain;
  if (first.is_keyword("execute") && second.is_keyword("as")) return StatementKind::kExecuteAsUser;
  if (first.is_keyword("create")) {
    if (second.is_keyword("namespace")) return StatementKind::kCreateNamespace;
    if (second.is_keyword("storage")) return StatementKind::kCreateStorage;
    if (second.is_keyword("table")) return StatementKind::kCreateTable;
    if (is_table_kind_word(second) && at(2).is_keyword("table")) return StatementKind::kCreateTable;
    if (second.is_keyword("user")) return StatementKind::kCreateUser;
    if (second.is_keyword("index") || (second.is_keyword("unique") && at(2).is_keyword("index"))) {
      return StatementKind::kCreateIndex;
    }
    if (second.is_keyword("view") ||
        ((second.is_keyword("temp") || second.is_keyword("temporary")) && at(2).is_keyword("view"))) {
      return StatementKind::kCreateView;
    }
  }
  if (first.is_keyword("alter")) {
    if (second.is_keyword("namespace")) return StatementKind::kAlterNamespace;
    if (second.is_keyword("storage")) return StatementKind::kAlterStorage;
    if (second.is_keyword("table")) return StatementKind::kAlterTable;
    if (second.is_keyword("user")) return StatementKind::kAlterUser;
  }
  if (first.is_keyword("drop")) {
    if (second.is_keyword("namespace")) return StatementKind::kDropNamespace;
    if (second.is_keyword("storage")) return StatementKind::kDropStorage;
    if (second.is_keyword("table")) return StatementKind::kDropTable;
    if (is_table_kind_word(second) && at(2).is_keyword("table")) return StatementKind::kDropTable;
    if (second.is_keyword("user")) return StatementKind::kDropUser;
    if (second.is_keyword("index")) return StatementKind::kDropIndex;
    if (second.is_keyword("view")) return StatementKind::kDropView;
  }
  if (first.is_keyword("show")) {
    if (second.is_keyword("namespaces")) return StatementKind::kShowNamespaces;
    if (second.is_keyword("storages")) return StatementKind::kShowStorages;
    if (second.is_keyword("tables")) return StatementKind::kShowTables;
    if (second.is_keyword("stats")) return StatementKind::kShowStats;
    if (second.is_keyword("jobs")) return StatementKind::kShowJobs;
    if (second.is_keyword("live") && at(2).is_keyword("queries")) return StatementKind::kShowLiveQueries;
    if (second.is_keyword("users")) return StatementKind::kShowUsers;
    if (second.is_keyword("indexes") || second.is_keyword("index")) return StatementKind::kShowIndexes;
  }
  if (first.is_keyword("reindex")) return StatementKind::kReindex;
  if (first.is_keyword("check") && second.is_keyword("table")) return StatementKind::kCheckTable;
  if (first.is_keyword("use")) return StatementKind::kUseNamespace;
  if (first.is_keyword("set") && second.is_keyword("namespace")) return StatementKind::kUseNamespace;
  if (first.is_keyword("describe") || first.is_keyword("desc")) return StatementKind::kDescribeTable;
  if (first.is_keyword("storage")) {
    if (second.is_keyword("check")) return StatementKind::kCheckStorage;
    if (second.is_keyword("flush") && at(2).is_keyword("table")) return StatementKind::kFlushTable;
    if (second.is_keyword("flush") && at(2).is_keyword("all")) return StatementKind::kFlushAll;
  }
  if (first.is_keyword("flush")) {
    if (second.is_keyword("table")) return StatementKind::kFlushTable;
    if (second.is_keyword("all")) return StatementKind::kFlushAll;
  }
  if (first.is_keyword("kill")) {
    if (second.is_keyword("job")) return StatementKind::kKillJob;
    if (second.is_keyword("live") && at(2).is_keyword("query")) return StatementKind::kKillLiveQuery;
  }
  if (first.is_keyword("subscribe") && second.is_keyword("to")) return StatementKind::kSubscribe;
  if (first.is_keyword("begin") || (first.is_keyword("start") && second.is_keyword("transaction"))) {
    return StatementKind::kBeginTransaction;
  }
  if (first.is_keyword("commit") || first.is_keyword("end")) return StatementKind::kCommitTransaction;
  if (first.is_keyword("rollback")) return StatementKind::kRollbackTransaction;
  return unknown_statement(tokens);
}

Result<ParsedStatement> parse_statement(std::string_view text, SourcePosition start) {
  std::vector<Token> tokenized;
  KALAM_ASSIGN_OR_RETURN(tokenized, tokenize_sql(text, start));
  auto shared_tokens = std::make_shared<const std::vector<Token>>(std::move(tokenized));
  const std::vector<Token>& tokens = *shared_tokens;
  ParsedStatement parsed;
  parsed.sql = std::string(text);
  parsed.start = start;
  if (tokens.size() <= 1) return Status(ErrorCode::kEmptySql, "empty statement");
  KALAM_ASSIGN_OR_RETURN(parsed.kind, classify_statement(tokens));

  std::set<size_t> params;
  for (const Token& token : tokens) {
    if (token.kind != TokenKind::kParameter) continue;
    size_t index = 0;
    auto [ptr, ec] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), index);
    if (ec != std::errc() || index == 0 || index > 65535) {
      return syntax_error(token, "a parameter $1 … $65535");
    }
    params.insert(index);
  }
  parsed.distinct_params = params.size();
  parsed.max_param_index = params.empty() ? 0 : *params.rbegin();

  Parser parser(tokens);
  Result<StatementBody> body = StatementBody(RawSqlStatement{parsed.kind});
  switch (parsed.kind) {
    case StatementKind::kSelect:
      body = StatementBody(SelectStmt{std::string(text), shared_tokens});
      break;
    case StatementKind::kInsert:
    case StatementKind::kUpdate:
    case StatementKind::kDelete:
      body = StatementBody(DmlStmt{parsed.kind, std::string(text), shared_tokens});
      break;
    case StatementKind::kCreateNamespace:
      parser.accept_keywords({"create", "namespace"});
      body = parse_create_namespace(parser);
      break;
    case StatementKind::kAlterNamespace:
      parser.accept_keywords({"alter", "namespace"});
      body = parse_alter_namespace(parser);
      break;
    case StatementKind::kDropNamespace:
      parser.accept_keywords({"drop", "namespace"});
      body = parse_drop_namespace(parser);
      break;
    case StatementKind::kShowNamespaces:
      parser.accept_keywords({"show", "namespaces"});
      if (auto status = parser.expect_end(); !status.is_ok()) return status;
      body = StatementBody(ShowNamespacesStmt{});
      break;
    case StatementKind::kUseNamespace:
      if (!parser.accept_keywords({"set", "namespace"})) {
        parser.accept_keyword("use");
        parser.accept_keyword("namespace");
      }
      body = parse_use_namespace(parser);
      break;
    case StatementKind::kCreateStorage:
      parser.accept_keywords({"create", "storage"});
      body = parse_create_storage(parser);
      parsed.contains_secret = true;
      break;
    case StatementKind::kAlterStorage:
      parser.accept_keywords({"alter", "storage"});
      body = parse_alter_storage(parser);
      parsed.contains_secret = true;
      break;
    case StatementKind::kDropStorage:
      parser.accept_keywords({"drop", "storage"});
      body = parse_drop_storage(parser);
      break;
    case StatementKind::kShowStorages:
      parser.accept_keywords({"show", "storages"});
      if (auto status = parser.expect_end(); !status.is_ok()) return status;
      body = StatementBody(ShowStoragesStmt{});
      break;
    case StatementKind::kCheckStorage:
      parser.accept_keywords({"storage", "check"});
      body = parse_check_storage(parser);
      break;
    case StatementKind::kCreateUser:
      parser.accept_keywords({"create", "user"});
      body = parse_create_user(parser);
      parsed.contains_secret = true;
      break;
    case StatementKind::kAlterUser:
      parser.accept_keywords({"alter", "user"});
      body = parse_alter_user(parser);
      parsed.contains_secret = true;
      break;
    case StatementKind::kDropUser:
      parser.accept_keywords({"drop", "user"});
      body = parse_drop_user(parser);
      break;
    case StatementKind::kShowUsers:
      parser.accept_keywords({"show", "users"});
      if (auto status = parser.expect_end(); !status.is_ok()) return status;
      body = StatementBody(ShowUsersStmt{});
      break;
    case StatementKind::kExecuteAsUser:
      body = parse_execute_as(parser, tokens, text);
      break;
    case StatementKind::kCreateTable:
      body = parse_create_table(parser, tokens);
      break;
    case StatementKind::kBeginTransaction:
    case StatementKind::kCommitTransaction:
    case StatementKind::kRollbackTransaction: {
      // BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK [TRANSACTION|WORK]; nothing else
      // (savepoints are not supported: ROLLBACK TO … must not roll back everything).
      parser.next();
      if (parsed.kind == StatementKind::kBeginTransaction && tokens.front().is_keyword("start")) {
        parser.accept_keyword("transaction");
      } else if (!parser.accept_keyword("transaction")) {
        parser.accept_keyword("work");
      }
      if (auto status = parser.expect_end(); !status.is_ok()) return status;
      break;
    }
    case StatementKind::kShowStats:
      body = parse_show_stats(parser);
      break;
    case StatementKind::kExplain:
      body = parse_explain(parser, text);
      break;
    case StatementKind::kAlterTable:
      body = parse_alter_table(parser, tokens);
      break;
    case StatementKind::kDropTable:
      body = parse_drop_table(parser);
      break;
    case StatementKind::kShowTables:
      body = parse_show_tables(parser);
      break;
    case StatementKind::kDescribeTable:
      body = parse_describe_table(parser);
      break;
    case StatementKind::kCreateIndex:
      body = parse_create_index(parser);
      break;
    case StatementKind::kDropIndex:
      body = parse_drop_index(parser);
      break;
    case StatementKind::kReindex:
      body = parse_reindex(parser);
      break;
    case StatementKind::kShowIndexes:
      body = parse_show_indexes(parser);
      break;
    case StatementKind::kCheckTable:
      body = parse_check_table(parser);
      break;
    case StatementKind::kFlushTable:
      body = parse_flush_table(parser);
      break;
    case StatementKind::kFlushAll:
      body = parse_flush_all(parser);
      break;
    case StatementKind::kKillJob:
      body = parse_kill_job(parser);
      break;
    case StatementKind::kShowJobs:
      body = parse_show_jobs(parser);
      break;
    case StatementKind::kKillLiveQuery:
      body = parse_kill_live_query(parser);
      break;
    case StatementKind::kShowLiveQueries:
      body = parse_show_live_queries(parser);
      break;
    case StatementKind::kSubscribe:
      body = StatementBody(SubscribeStmt{std::string(text)});
      break;
    case StatementKind::kCreateView:
      body = parse_create_view(parser, tokens, text);
      break;
    case StatementKind::kDropView:
      body = parse_drop_view(parser);
      break;
    default:
      break;  // engine statements and kinds parsed by later layers travel as text
  }
  if (!body.is_ok()) return std::move(body).status();
  parsed.body = std::move(body).value();
  return parsed;
}

std::string redact_sql_for_log(const ParsedStatement& statement) {
  if (!statement.contains_secret) return statement.sql;
  auto tokens = tokenize_sql(statement.sql);
  if (!tokens.is_ok()) return "<statement with secrets: redacted>";
  std::string out;
  for (const Token& token : *tokens) {
    if (token.kind == TokenKind::kEnd) break;
    if (!out.empty()) out += ' ';
    if (token.kind == TokenKind::kString) {
      out += "'***'";
    } else if (token.kind == TokenKind::kQuotedIdentifier) {
      out += '"' + token.text + '"';
    } else {
      out += token.text;
    }
  }
  return out;
}

}  // namespace kalam
