// ServerConfig: every server setting with its default, loaded from defaults, then
// config.toml, then KALAMDB_* environment variables (spec/architecture.md § Configuration names).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam {

// The built-in development JWT secret. The server refuses to start with it on a
// non-loopback bind (spec/api.md § Authentication).

// One struct per TOML section. The defaults below are the documented defaults; the
// meaning of each key and its valid range are in the key table of server_config.cpp
// (see config.example.toml for the rendered form). All integer keys are int64_t.
struct ServerConfig {
  struct Server {
    std::string host = "127.0.0.1";
    int64_t port = 8080;
    int64_t io_threads = 0;  // 0 = number of cores
    std::string public_origin;
  } server;

  struct Storage {
    std::string data_path = "./data";
    std::string secrets_key;    // secret; empty = derive from auth.jwt_secret
    std::string allowed_roots;  // comma-separated absolute folders for filesystem storages; empty = data_path
    struct RocksDb {
      bool sync_writes = false;
      int64_t block_cache_mb = 64;
      int64_t write_buffer_mb = 16;
      int64_t max_open_files = 512;  // -1 = unlimited
    } rocksdb;
  } storage;

  struct Execution {
    int64_t handler_timeout_seconds = 30;
    int64_t max_parameters = 50;
    int64_t max_parameter_size_bytes = 524288;
    int64_t worker_threads = 0;  // 0 = number of cores
    int64_t max_statements_per_request = 1000;
    int64_t max_value_bytes = 16777216;              // one TEXT/BLOB value inside SQL
    int64_t max_rows_per_statement = 1000000;        // rows one statement may write
    int64_t max_statement_memory_bytes = 268435456;  // pending writes a statement or transaction may hold
  } execution;

  struct Auth {
    std::string jwt_secret;     // secret; empty = generated on first start into <data_path>/jwt_secret
    std::string root_password;  // secret; empty = unset
    int64_t bcrypt_cost = 12;
    int64_t access_token_ttl_seconds = 3600;
    int64_t refresh_token_ttl_seconds = 604800;
    int64_t max_failed_attempts = 5;
    int64_t lockout_minutes = 15;
  } auth;

  struct Limits {
    int64_t max_sql_bytes = 1048576;
    int64_t max_request_body_bytes = 10485760;
    int64_t max_json_depth = 64;
    int64_t max_result_bytes = 268435456;
  } limits;

  struct Flush {
    int64_t default_row_limit = 10000;
    int64_t default_interval_seconds = 300;
    int64_t check_interval_seconds = 10;
    std::string compression = "snappy";  // snappy | zstd | none
  } flush;

  struct Jobs {
    int64_t max_concurrent = 4;
    int64_t max_retries = 3;
    int64_t retry_backoff_ms = 1000;
  } jobs;

  struct Stream {
    int64_t eviction_interval_seconds = 10;
  } stream;

  struct WebSocket {
    int64_t auth_timeout_seconds = 3;
    int64_t heartbeat_seconds = 5;
    int64_t client_timeout_seconds = 30;
    int64_t max_connections = 25000;
    int64_t max_subscriptions_per_connection = 100;
    int64_t max_message_bytes = 1048576;
    int64_t max_messages_per_second = 100;
    int64_t max_queued_messages = 1000;
    int64_t progress_interval_ms = 1000;
  } websocket;

  struct RateLimit {
    int64_t max_queries_per_sec = 0;  // 0 = off
  } rate_limit;

  struct Audit {
    bool log_dml = true;
    int64_t retention_days = 90;
  } audit;

  struct Logging {
    std::string level = "info";  // trace | debug | info | warn | error | off
    int64_t slow_query_ms = 1000;
    std::string file;  // empty = stderr
  } logging;

  struct Shutdown {
    int64_t timeout_seconds = 30;
  } shutdown;

  struct UserManagement {
    int64_t deletion_grace_period_days = 30;
  } user_management;
};

struct ConfigLoadResult {
  ServerConfig config;
  // Human-readable, one per problem that does not stop the server (unknown keys,
  // unknown KALAMDB_* variables). Never contain secret values.
  std::vector<std::string> warnings;
};

// Builds the configuration: defaults, then the TOML file at `toml_path` (if given), then
// the overrides in `env` (normally current_environment()). Each key can be overridden by
// KALAMDB_<SECTION>_<KEY> upper-cased with '.' → '_' (KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES);
// KALAMDB_DATA_DIR, KALAMDB_LOG_LEVEL, KALAMDB_JWT_SECRET and KALAMDB_ROOT_PASSWORD are
// aliases for storage.data_path, logging.level, auth.jwt_secret and auth.root_password
// (when both an alias and the general name are set, the general name wins, with a warning).
// Errors, all INVALID_ARGUMENT with the key in the message and in details["key"]:
//   unreadable file or TOML syntax error (message and details carry line and column);
//   a value of the wrong type or outside its valid range:
//   "invalid config value for 'execution.max_parameters': must be >= 1".
// Messages never contain secret values.
Result<ConfigLoadResult> load_server_config(const std::optional<std::string>& toml_path,
                                            const std::map<std::string, std::string>& env);

// The process environment, restricted to variables whose name starts with "KALAMDB_".
std::map<std::string, std::string> current_environment();

// A complete config.toml: every key with its default and a one-line comment, grouped by
// section; secrets are rendered as "". config.example.toml at the repository root is
// exactly this text (a unit test keeps them in sync).
std::string render_example_config();

// One line per key, `section.key = value`, for the startup log. Secrets (auth.jwt_secret,
// auth.root_password, storage.secrets_key) are shown as "***" when set and "" when empty.
std::string describe_config_for_log(const ServerConfig& config);

enum class ConfigValueType : uint8_t { kString, kInteger, kBool };

// Read-only description of one configuration key, for tools and tests.
struct ConfigKeyInfo {
  std::string key;        // "storage.rocksdb.sync_writes"
  std::string env_var;    // "KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES"
  std::string env_alias;  // "KALAMDB_DATA_DIR" or empty
  ConfigValueType type;
  bool secret;
};

// Every configuration key, in section order.
std::vector<ConfigKeyInfo> list_config_keys();

}  // namespace kalam
