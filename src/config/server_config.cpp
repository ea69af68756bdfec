// Loading ServerConfig: one table of key descriptors drives defaults rendering, TOML
// parsing, KALAMDB_* environment overrides, validation and the example config file.
#include "config/server_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <variant>

#include "common/string_util.h"

extern char** environ;  // NOLINT: POSIX process environment

namespace kalam {
namespace {

// ---------------------------------------------------------------------------------------
// The key table
// ---------------------------------------------------------------------------------------

using FieldRef = std::variant<std::string*, int64_t*, bool*>;
using FieldAccessor = FieldRef (*)(ServerConfig&);

// What values a key accepts. Integers: min..max. Strings: optionally non-empty, optionally
// one of `allowed` (matched case-insensitively, stored in the canonical spelling).
struct Constraint {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  std::span<const std::string_view> allowed;
  bool non_empty = false;
};

constexpr Constraint any_value() { return Constraint{}; }
constexpr Constraint at_least(int64_t min) {
  Constraint constraint;
  constraint.min = min;
  return constraint;
}
constexpr Constraint between(int64_t min, int64_t max) {
  Constraint constraint;
  constraint.min = min;
  constraint.max = max;
  return constraint;
}
constexpr Constraint one_of(std::span<const std::string_view> allowed) {
  Constraint constraint;
  constraint.allowed = allowed;
  return constraint;
}
constexpr Constraint non_empty() {
  Constraint constraint;
  constraint.non_empty = true;
  return constraint;
}

// One configuration key. The default value is the member initializer in ServerConfig.
struct KeySpec {
  std::string_view section;  // "storage.rocksdb"
  std::string_view name;     // "sync_writes"
  FieldAccessor field;
  Constraint constraint;
  std::string_view doc;             // one line, rendered as the comment in config.example.toml
  std::string_view env_alias = {};  // extra environment variable name, besides the general rule
  bool secret = false;              // never rendered, logged or echoed in messages
};

#define KALAM_CONFIG_FIELD(member) [](ServerConfig& config) -> FieldRef { return &config.member; }

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr std::string_view kCompressions[] = {"snappy", "zstd", "none"};

// Every key, grouped by section, in the order of config.example.toml.
constexpr KeySpec kKeys[] = {
    // [server]
    {"server", "host", KALAM_CONFIG_FIELD(server.host), non_empty(),
     "Address the HTTP/WebSocket listener binds to; a non-loopback address needs a non-default "
     "auth.jwt_secret."},
    {"server", "port", KALAM_CONFIG_FIELD(server.port), between(1, 65535),
     "TCP port of the HTTP/WebSocket listener (1..65535)."},
    {"server", "io_threads", KALAM_CONFIG_FIELD(server.io_threads), at_least(0),
     "Network I/O threads; 0 = number of CPU cores."},
    {"server", "public_origin", KALAM_CONFIG_FIELD(server.public_origin), any_value(),
     "Public base URL used to build ws_url for SUBSCRIBE TO (e.g. https://db.example.com); empty = the "
     "request's "
     "Host header."},
    // [storage]
    {"storage", "data_path", KALAM_CONFIG_FIELD(storage.data_path), non_empty(),
     "Data directory: RocksDB in {data_path}/rocksdb, the built-in 'local' storage in {data_path}/storage.",
     "KALAMDB_DATA_DIR"},
    {"storage",
     "secrets_key",
     KALAM_CONFIG_FIELD(storage.secrets_key),
     any_value(),
     "Key for encrypting storage credentials at rest; empty = derived from auth.jwt_secret.",
     {},
     true},
    {"storage", "allowed_roots", KALAM_CONFIG_FIELD(storage.allowed_roots), any_value(),
     "Comma-separated absolute folders that filesystem storages may use; empty = the data directory only."},
    // [storage.rocksdb]
    {"storage.rocksdb", "sync_writes", KALAM_CONFIG_FIELD(storage.rocksdb.sync_writes), any_value(),
     "fsync the write-ahead log on every commit (survives power loss, slower)."},
    {"storage.rocksdb", "block_cache_mb", KALAM_CONFIG_FIELD(storage.rocksdb.block_cache_mb), at_least(1),
     "RocksDB block cache size in MiB."},
    {"storage.rocksdb", "write_buffer_mb", KALAM_CONFIG_FIELD(storage.rocksdb.write_buffer_mb), at_least(1),
     "RocksDB memtable size per column family in MiB."},
    {"storage.rocksdb", "max_open_files", KALAM_CONFIG_FIELD(storage.rocksdb.max_open_files), at_least(-1),
     "Maximum number of files RocksDB keeps open; -1 = unlimited."},
    // [execution]
    {"execution", "handler_timeout_seconds", KALAM_CONFIG_FIELD(execution.handler_timeout_seconds),
     at_least(1),
     "Deadline for each statement; exceeded -> interrupted, rolled back, TIMEOUT_HANDLER_EXECUTION."},
    {"execution", "max_parameters", KALAM_CONFIG_FIELD(execution.max_parameters), at_least(1),
     "Maximum number of parameters ($1..$n) per request; exceeded -> PARAM_COUNT_EXCEEDED."},
    {"execution", "max_parameter_size_bytes", KALAM_CONFIG_FIELD(execution.max_parameter_size_bytes),
     at_least(1), "Maximum size of one parameter value in bytes; exceeded -> PARAM_SIZE_EXCEEDED."},
    {"execution", "worker_threads", KALAM_CONFIG_FIELD(execution.worker_threads), at_least(0),
     "SQL execution threads, each with its own SQLite connection; 0 = number of CPU cores."},
    {"execution", "max_statements_per_request", KALAM_CONFIG_FIELD(execution.max_statements_per_request),
     at_least(1), "Maximum number of statements in one request."},
    {"execution", "max_value_bytes", KALAM_CONFIG_FIELD(execution.max_value_bytes), between(1024, 1000000000),
     "Largest TEXT or BLOB value a statement may build; exceeded -> RESOURCE_LIMIT_EXCEEDED."},
    {"execution", "max_rows_per_statement", KALAM_CONFIG_FIELD(execution.max_rows_per_statement), at_least(1),
     "Rows one statement may write (INSERT ... SELECT included); exceeded -> RESOURCE_LIMIT_EXCEEDED."},
    {"execution", "max_statement_memory_bytes", KALAM_CONFIG_FIELD(execution.max_statement_memory_bytes),
     at_least(1048576),
     "Memory the pending writes of a statement or transaction may hold; exceeded -> "
     "RESOURCE_LIMIT_EXCEEDED."},
    // [auth]
    {"auth", "jwt_secret", KALAM_CONFIG_FIELD(auth.jwt_secret), any_value(),
     "HMAC-SHA256 key for tokens; empty = a random secret generated on first start and kept in "
     "<data_path>/jwt_secret.",
     "KALAMDB_JWT_SECRET", true},
    {"auth", "root_password", KALAM_CONFIG_FIELD(auth.root_password), any_value(),
     "Password of the root user; empty = root may log in only from loopback with an empty password.",
     "KALAMDB_ROOT_PASSWORD", true},
    {"auth", "bcrypt_cost", KALAM_CONFIG_FIELD(auth.bcrypt_cost), between(4, 31),
     "bcrypt work factor for password hashes (4..31); each step doubles the hashing time."},
    {"auth", "access_token_ttl_seconds", KALAM_CONFIG_FIELD(auth.access_token_ttl_seconds), at_least(1),
     "Lifetime of an access token in seconds."},
    {"auth", "refresh_token_ttl_seconds", KALAM_CONFIG_FIELD(auth.refresh_token_ttl_seconds), at_least(1),
     "Lifetime of a refresh token in seconds."},
    {"auth", "max_failed_attempts", KALAM_CONFIG_FIELD(auth.max_failed_attempts), at_least(1),
     "Failed logins after which the account is locked."},
    {"auth", "lockout_minutes", KALAM_CONFIG_FIELD(auth.lockout_minutes), at_least(1),
     "How long a locked account stays locked, in minutes."},
    // [limits]
    {"limits", "max_sql_bytes", KALAM_CONFIG_FIELD(limits.max_sql_bytes), at_least(1),
     "Maximum size of the SQL text of one request in bytes."},
    {"limits", "max_request_body_bytes", KALAM_CONFIG_FIELD(limits.max_request_body_bytes), at_least(1),
     "Larger request bodies are refused with 413 before parsing."},
    {"limits", "max_json_depth", KALAM_CONFIG_FIELD(limits.max_json_depth), at_least(1),
     "Maximum nesting depth of JSON in requests."},
    {"limits", "max_result_bytes", KALAM_CONFIG_FIELD(limits.max_result_bytes), at_least(1),
     "A query whose result grows past this many bytes fails with INVALID_ARGUMENT."},
    // [flush]
    {"flush", "default_row_limit", KALAM_CONFIG_FIELD(flush.default_row_limit), at_least(1),
     "Flush a table after this many unflushed rows, unless its FLUSH_POLICY says otherwise."},
    {"flush", "default_interval_seconds", KALAM_CONFIG_FIELD(flush.default_interval_seconds), at_least(1),
     "Flush a table whose oldest unflushed row is older than this, unless its FLUSH_POLICY says otherwise."},
    {"flush", "check_interval_seconds", KALAM_CONFIG_FIELD(flush.check_interval_seconds), at_least(1),
     "How often the flush scheduler looks for tables that are due."},
    {"flush", "compression", KALAM_CONFIG_FIELD(flush.compression), one_of(kCompressions),
     "Parquet compression of flushed files: snappy, zstd or none."},
    // [jobs]
    {"jobs", "max_concurrent", KALAM_CONFIG_FIELD(jobs.max_concurrent), at_least(1),
     "Background jobs running at the same time."},
    {"jobs", "max_retries", KALAM_CONFIG_FIELD(jobs.max_retries), at_least(0),
     "Retries of a failed job before it is marked failed."},
    {"jobs", "retry_backoff_ms", KALAM_CONFIG_FIELD(jobs.retry_backoff_ms), at_least(0),
     "Delay before the first retry in milliseconds; doubles on each further retry."},
    // [stream]
    {"stream", "eviction_interval_seconds", KALAM_CONFIG_FIELD(stream.eviction_interval_seconds), at_least(1),
     "How often expired rows are evicted from STREAM tables."},
    // [websocket]
    {"websocket", "auth_timeout_seconds", KALAM_CONFIG_FIELD(websocket.auth_timeout_seconds), at_least(1),
     "The first client message (authenticate) must arrive within this many seconds."},
    {"websocket", "heartbeat_seconds", KALAM_CONFIG_FIELD(websocket.heartbeat_seconds), at_least(1),
     "Interval between server pings."},
    {"websocket", "client_timeout_seconds", KALAM_CONFIG_FIELD(websocket.client_timeout_seconds), at_least(1),
     "Connections silent for this many seconds are closed."},
    {"websocket", "max_connections", KALAM_CONFIG_FIELD(websocket.max_connections), at_least(1),
     "Maximum number of open WebSocket connections."},
    {"websocket", "max_subscriptions_per_connection",
     KALAM_CONFIG_FIELD(websocket.max_subscriptions_per_connection), at_least(1),
     "Maximum number of live subscriptions on one connection."},
    {"websocket", "max_message_bytes", KALAM_CONFIG_FIELD(websocket.max_message_bytes), at_least(1),
     "Maximum size of one client message in bytes."},
    {"websocket", "max_messages_per_second", KALAM_CONFIG_FIELD(websocket.max_messages_per_second),
     at_least(1), "Maximum client messages per second on one connection."},
    {"websocket", "max_queued_messages", KALAM_CONFIG_FIELD(websocket.max_queued_messages), at_least(1),
     "Outgoing queue length per connection; overflow ends the subscription with OVERFLOW."},
    {"websocket", "progress_interval_ms", KALAM_CONFIG_FIELD(websocket.progress_interval_ms), at_least(10),
     "A quiet subscription receives a progress message (its resume point) at most this often."},
    // [rate_limit]
    {"rate_limit", "max_queries_per_sec", KALAM_CONFIG_FIELD(rate_limit.max_queries_per_sec), at_least(0),
     "Per-user query rate limit, above it -> 429; 0 = off."},
    // [audit]
    {"audit", "log_dml", KALAM_CONFIG_FIELD(audit.log_dml), any_value(),
     "Audit INSERT/UPDATE/DELETE statements (DDL, logins and user management are always audited)."},
    {"audit", "retention_days", KALAM_CONFIG_FIELD(audit.retention_days), at_least(1),
     "Days audit log rows are kept."},
    // [logging]
    {"logging", "level", KALAM_CONFIG_FIELD(logging.level), one_of(kLogLevels),
     "Log level: trace, debug, info, warn, error or off.", "KALAMDB_LOG_LEVEL"},
    {"logging", "slow_query_ms", KALAM_CONFIG_FIELD(logging.slow_query_ms), at_least(0),
     "Requests slower than this many milliseconds are logged."},
    {"logging", "file", KALAM_CONFIG_FIELD(logging.file), any_value(), "Log file path; empty = stderr."},
    // [shutdown]
    {"shutdown", "timeout_seconds", KALAM_CONFIG_FIELD(shutdown.timeout_seconds), at_least(1),
     "On SIGTERM/SIGINT, how long to wait for in-flight requests and jobs before exiting."},
    // [user_management]
    {"user_management", "deletion_grace_period_days",
     KALAM_CONFIG_FIELD(user_management.deletion_grace_period_days), at_least(0),
     "Days after DROP USER before the user's table data is purged."},
};

#undef KALAM_CONFIG_FIELD

constexpr std::string_view kEnvPrefix = "KALAMDB_";

std::string full_key(const KeySpec& spec) {
  std::string key(spec.section);
  key += '.';
  key += spec.name;
  return key;
}

// KALAMDB_<SECTION>_<KEY>, upper-cased, '.' → '_'.
std::string env_var_name(const KeySpec& spec) {
  std::string name(kEnvPrefix);
  name += to_upper(full_key(spec));
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

ConfigValueType value_type(const KeySpec& spec) {
  ServerConfig scratch;
  switch (spec.field(scratch).index()) {
    case 0:
      return ConfigValueType::kString;
    case 1:
      return ConfigValueType::kInteger;
    default:
      return ConfigValueType::kBool;
  }
}

std::string_view type_expectation(ConfigValueType type) {
  switch (type) {
    case ConfigValueType::kString:
      return "expected a string";
    case ConfigValueType::kInteger:
      return "expected an integer";
    case ConfigValueType::kBool:
      return "expected a boolean (true or false)";
  }
  return "unexpected type";
}

const KeySpec* find_key(std::string_view key) {
  for (const KeySpec& spec : kKeys) {
    if (key.size() == spec.section.size() + 1 + spec.name.size() && key.starts_with(spec.section) &&
        key[spec.section.size()] == '.' && key.ends_with(spec.name)) {
      return &spec;
    }
  }
  return nullptr;
}

// True for a section ("storage.rocksdb") or a parent of one ("storage").
bool is_section_path(std::string_view path) {
  for (const KeySpec& spec : kKeys) {
    if (spec.section == path) return true;
    if (spec.section.size() > path.size() && spec.section.starts_with(path) &&
        spec.section[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

size_t edit_distance(std::string_view lhs, std::string_view rhs) {
  std::vector<size_t> previous(rhs.size() + 1), current(rhs.size() + 1);
  for (size_t rhs_idx = 0; rhs_idx <= rhs.size(); ++rhs_idx) previous[rhs_idx] = rhs_idx;
  for (size_t lhs_idx = 1; lhs_idx <= lhs.size(); ++lhs_idx) {
    current[0] = lhs_idx;
    for (size_t rhs_idx = 1; rhs_idx <= rhs.size(); ++rhs_idx) {
      size_t substitution = previous[rhs_idx - 1] + (lhs[lhs_idx - 1] == rhs[rhs_idx - 1] ? 0 : 1);
      current[rhs_idx] = std::min({previous[rhs_idx] + 1, current[rhs_idx - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[rhs.size()];
}

// " (did you mean 'x'?)" for the closest candidate within a small edit distance, else "".
std::string suggestion(std::string_view unknown, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 3;  // suggest only for distance <= 2
  for (const std::string& candidate : candidates) {
    size_t distance = edit_distance(unknown, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = &candidate;
    }
  }
  return best == nullptr ? std::string() : " (did you mean '" + *best + "'?)";
}

std::vector<std::string> all_key_names() {
  std::vector<std::string> names;
  for (const KeySpec& spec : kKeys) names.push_back(full_key(spec));
  return names;
}

std::vector<std::string> all_section_names() {
  std::vector<std::string> names;
  for (const KeySpec& spec : kKeys) {
    if (names.empty() || names.back() != spec.section) names.emplace_back(spec.section);
  }
  return names;
}

std::vector<std::string> all_env_names() {
  std::vector<std::string> names;
  for (const KeySpec& spec : kKeys) {
    names.push_back(env_var_name(spec));
    if (!spec.env_alias.empty()) names.emplace_back(spec.env_alias);
  }
  return names;
}

// ---------------------------------------------------------------------------------------
// Assigning and validating values
// ---------------------------------------------------------------------------------------

using ParsedValue = std::variant<std::string, int64_t, bool>;

// `origin` says where the value came from, e.g. "at config.toml:3:8" or "from KALAMDB_X".
Status invalid_value(const KeySpec& spec, std::string_view reason, std::string_view origin) {
  std::string key = full_key(spec);
  std::string message = "invalid config value for '" + key + "': " + std::string(reason);
  if (!origin.empty()) message += " (" + std::string(origin) + ")";
  return Status(ErrorCode::kInvalidArgument, std::move(message)).with_detail("key", std::move(key));
}

std::string describe_range(const Constraint& constraint) {
  constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
  if (constraint.max == kNoMax) return "must be >= " + std::to_string(constraint.min);
  if (constraint.min == kNoMin) return "must be <= " + std::to_string(constraint.max);
  return "must be between " + std::to_string(constraint.min) + " and " + std::to_string(constraint.max);
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (size_t idx = 0; idx < items.size(); ++idx) {
    if (idx > 0) out += ", ";
    out += items[idx];
  }
  return out;
}

Status assign(ServerConfig& config, const KeySpec& spec, ParsedValue value, std::string_view origin) {
  FieldRef field = spec.field(config);
  if (field.index() != value.index()) return invalid_value(spec, type_expectation(value_type(spec)), origin);
  const Constraint& constraint = spec.constraint;

  if (int64_t** target = std::get_if<int64_t*>(&field)) {
    int64_t number = std::get<int64_t>(value);
    if (number < constraint.min || number > constraint.max) {
      return invalid_value(spec, describe_range(constraint), origin);
    }
    **target = number;
  } else if (bool** target = std::get_if<bool*>(&field)) {
    **target = std::get<bool>(value);
  } else {
    std::string& text = std::get<std::string>(value);
    if (constraint.non_empty && text.empty()) return invalid_value(spec, "must not be empty", origin);
    if (!constraint.allowed.empty()) {
      auto match = std::find_if(constraint.allowed.begin(), constraint.allowed.end(),
                                [&](std::string_view allowed) { return iequals(allowed, text); });
      if (match == constraint.allowed.end()) {
        return invalid_value(spec, "must be one of " + join(constraint.allowed), origin);
      }
      text = std::string(*match);
    }
    *std::get<std::string*>(field) = std::move(text);
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------
// TOML
// ---------------------------------------------------------------------------------------

std::string toml_origin(const std::string& path, const toml::node& node) {
  const toml::source_position& begin = node.source().begin;
  return "at " + path + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
}

std::optional<ParsedValue> toml_scalar(const toml::node& node) {
  if (const auto* text = node.as_string()) return ParsedValue(text->get());
  if (const auto* integer = node.as_integer()) return ParsedValue(integer->get());
  if (const auto* boolean = node.as_boolean()) return ParsedValue(boolean->get());
  return std::nullopt;  // floats, dates, arrays, tables
}

Status apply_toml_table(const toml::table& table, const std::string& prefix, const std::string& path,
                        ServerConfig& config, std::vector<std::string>& warnings) {
  for (const auto& [toml_key, node] : table) {
    const std::string_view name = toml_key.str();
    const std::string key = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
    // A quoted key containing '.' must not alias a nested key.
    const bool plain_name = name.find('.') == std::string_view::npos;

    if (const KeySpec* spec = plain_name ? find_key(key) : nullptr) {
      std::optional<ParsedValue> value = toml_scalar(node);
      if (!value) return invalid_value(*spec, type_expectation(value_type(*spec)), toml_origin(path, node));
      KALAM_RETURN_IF_ERROR(assign(config, *spec, std::move(*value), toml_origin(path, node)));
      continue;
    }
    if (plain_name && is_section_path(key)) {
      const toml::table* section = node.as_table();
      if (section == nullptr) {
        return Status(ErrorCode::kInvalidArgument, "invalid config value for '" + key +
                                                       "': expected a table (" + toml_origin(path, node) +
                                                       ")")
            .with_detail("key", key);
      }
      KALAM_RETURN_IF_ERROR(apply_toml_table(*section, key, path, config, warnings));
      continue;
    }
    if (node.is_table()) {
      warnings.push_back("unknown config section '" + key + "' (" + toml_origin(path, node) + ")" +
                         suggestion(key, all_section_names()));
    } else {
      warnings.push_back("unknown config key '" + key + "' (" + toml_origin(path, node) + ")" +
                         suggestion(key, all_key_names()));
    }
  }
  return Status::ok();
}

Status apply_toml_file(const std::string& path, ServerConfig& config, std::vector<std::string>& warnings) {
  std::error_code fs_error;
  if (!std::filesystem::is_regular_file(path, fs_error)) {
    std::string reason = fs_error ? fs_error.message() : "not a regular file";
    if (!fs_error && !std::filesystem::exists(path, fs_error)) reason = "no such file";
    return Status(ErrorCode::kInvalidArgument, "cannot read config file '" + path + "': " + reason)
        .with_detail("path", path);
  }
  std::ifstream stream(path, std::ios::binary);
  std::stringstream content;
  content << stream.rdbuf();
  if (!stream || !content) {
    return Status(ErrorCode::kInvalidArgument,
                  "cannot read config file '" + path + "': " + std::string(std::strerror(errno)))
        .with_detail("path", path);
  }

  toml::table root;
  try {
    root = toml::parse(content.str(), path);
  } catch (const toml::parse_error& error) {
    const toml::source_position& begin = error.source().begin;
    return Status(ErrorCode::kInvalidArgument,
                  "cannot parse config file '" + path + "': " + std::string(error.description()) + " (line " +
                      std::to_string(begin.line) + ", column " + std::to_string(begin.column) + ")")
        .with_detail("path", path)
        .with_detail("line", static_cast<int64_t>(begin.line))
        .with_detail("column", static_cast<int64_t>(begin.column));
  }
  return apply_toml_table(root, "", path, config, warnings);
}

// ---------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::optional<ParsedValue> parse_env_value(ConfigValueType type, const std::string& raw) {
  switch (type) {
    case ConfigValueType::kString:
      return ParsedValue(raw);
    case ConfigValueType::kInteger: {
      std::string_view text = trim(raw);
      int64_t number = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return ParsedValue(number);
    }
    case ConfigValueType::kBool: {
      std::string text = to_lower(trim(raw));
      if (text == "true" || text == "1" || text == "yes" || text == "on") return ParsedValue(true);
      if (text == "false" || text == "0" || text == "no" || text == "off") return ParsedValue(false);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Status apply_environment(const std::map<std::string, std::string>& env, ServerConfig& config,
                         std::vector<std::string>& warnings) {
  for (const KeySpec& spec : kKeys) {
    const std::string general = env_var_name(spec);
    auto general_it = env.find(general);
    auto alias_it = spec.env_alias.empty() ? env.end() : env.find(std::string(spec.env_alias));
    if (general_it != env.end() && alias_it != env.end()) {
      warnings.push_back("both " + std::string(spec.env_alias) + " and " + general + " are set; using " +
                         general);
    }
    auto chosen = general_it != env.end() ? general_it : alias_it;
    if (chosen == env.end()) continue;

    const std::string origin = "from " + chosen->first;
    const ConfigValueType type = value_type(spec);
    std::optional<ParsedValue> value = parse_env_value(type, chosen->second);
    if (!value) {
      std::string_view reason = type == ConfigValueType::kBool
                                    ? "expected a boolean (true/false, 1/0, yes/no, on/off)"
                                    : type_expectation(type);
      return invalid_value(spec, reason, origin);
    }
    KALAM_RETURN_IF_ERROR(assign(config, spec, std::move(*value), origin));
  }

  const std::vector<std::string> known = all_env_names();
  for (const auto& [name, value] : env) {
    if (!name.starts_with(kEnvPrefix)) continue;
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    warnings.push_back("unknown environment variable '" + name + "' (not a config key)" +
                       suggestion(name, known));
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

// A TOML basic string, quotes included.
std::string toml_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char symbol : text) {
    const auto byte = static_cast<unsigned char>(symbol);
    switch (symbol) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += symbol;
        }
    }
  }
  out += '"';
  return out;
}

// The value of `spec` in `config` as TOML; secrets become `secret_text`, or "" when empty.
std::string render_value(const KeySpec& spec, ServerConfig& config, std::string_view secret_text) {
  FieldRef field = spec.field(config);
  if (const auto* text = std::get_if<std::string*>(&field)) {
    if (spec.secret && !(*text)->empty()) return toml_quote(secret_text);
    return toml_quote(**text);
  }
  if (const auto* number = std::get_if<int64_t*>(&field)) return std::to_string(**number);
  return *std::get<bool*>(field) ? "true" : "false";
}

}  // namespace

Result<ConfigLoadResult> load_server_config(const std::optional<std::string>& toml_path,
                                            const std::map<std::string, std::string>& env) {
  ConfigLoadResult result;
  if (toml_path) KALAM_RETURN_IF_ERROR(apply_toml_file(*toml_path, result.config, result.warnings));
  KALAM_RETURN_IF_ERROR(apply_environment(env, result.config, result.warnings));
  return result;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with(kEnvPrefix)) continue;
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::string render_example_config() {
  ServerConfig defaults;
  std::string out =
      "# KalamDB server configuration (config.toml): every key with its default value.\n"
      "# Any key can also be set with the environment variable KALAMDB_<SECTION>_<KEY>\n"
      "# (upper-cased, '.' -> '_'), e.g. KALAMDB_SERVER_PORT=9000 or\n"
      "# KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES=true; the environment wins over this file.\n"
      "# Generated by render_example_config() (src/config/server_config.cpp).\n";
  std::string_view current_section;
  for (const KeySpec& spec : kKeys) {
    if (spec.section != current_section) {
      current_section = spec.section;
      out += "\n[";
      out += spec.section;
      out += "]\n";
    }
    out += "# ";
    out += spec.doc;
    if (!spec.env_alias.empty()) {
      out += " Also ";
      out += spec.env_alias;
      out += '.';
    }
    out += '\n';
    out += spec.name;
    out += " = ";
    // Secrets are never written into an example, whatever their default.
    out += spec.secret ? std::string("\"\"") : render_value(spec, defaults, "");
    out += '\n';
  }
  return out;
}

std::string describe_config_for_log(const ServerConfig& config) {
  ServerConfig copy = config;  // accessors take a mutable config; nothing is modified
  std::string out;
  for (const KeySpec& spec : kKeys) {
    out += full_key(spec);
    out += " = ";
    out += render_value(spec, copy, "***");
    out += '\n';
  }
  return out;
}

std::vector<ConfigKeyInfo> list_config_keys() {
  std::vector<ConfigKeyInfo> keys;
  keys.reserve(std::size(kKeys));
  for (const KeySpec& spec : kKeys) {
    keys.push_back(ConfigKeyInfo{full_key(spec), env_var_name(spec), std::string(spec.env_alias),
                                 value_type(spec), spec.secret});
  }
  return keys;
}

}  // namespace kalam
