// Tests for ServerConfig loading: defaults, config.toml, KALAMDB_* overrides, validation,
// warnings, secret masking and the committed config.example.toml.
#include "config/server_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace kalam {
namespace {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;

class ServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kalam_config_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string write_toml(const std::string& content, const std::string& name = "config.toml") {
    const fs::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path.string();
  }

  Result<ConfigLoadResult> load_toml(const std::string& content, const Env& env = {}) {
    return load_server_config(write_toml(content), env);
  }

  // Loads and expects success; returns the result.
  ConfigLoadResult load_ok(const std::optional<std::string>& toml, const Env& env = {}) {
    auto result = toml ? load_toml(*toml, env) : load_server_config(std::nullopt, env);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return result.is_ok() ? result.value() : ConfigLoadResult{};
  }

  // Loads and expects INVALID_ARGUMENT naming `key`; returns the message.
  std::string load_error(const std::optional<std::string>& toml, const Env& env, const std::string& key) {
    auto result = toml ? load_toml(*toml, env) : load_server_config(std::nullopt, env);
    if (result.is_ok()) {
      ADD_FAILURE() << "expected an error for " << key;
      return {};
    }
    const Status& status = result.status();
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << status.to_string();
    EXPECT_NE(status.message().find("'" + key + "'"), std::string::npos) << status.message();
    const DetailValue* detail = status.detail("key");
    EXPECT_TRUE(detail != nullptr && std::get<std::string>(*detail) == key) << status.message();
    return status.message();
  }

  static bool has_warning_containing(const ConfigLoadResult& result, const std::string& text) {
    for (const std::string& warning : result.warnings) {
      if (warning.find(text) != std::string::npos) return true;
    }
    return false;
  }

  fs::path dir_;
};

TEST_F(ServerConfigTest, DefaultsMatchTheSpec) {
  ConfigLoadResult loaded = load_ok(std::nullopt);
  EXPECT_TRUE(loaded.warnings.empty());
  const ServerConfig& config = loaded.config;
  EXPECT_EQ(config.server.host, "127.0.0.1");
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.server.io_threads, 0);
  EXPECT_EQ(config.server.public_origin, "");
  EXPECT_EQ(config.storage.data_path, "./data");
  EXPECT_EQ(config.storage.secrets_key, "");
  EXPECT_FALSE(config.storage.rocksdb.sync_writes);
  EXPECT_EQ(config.storage.rocksdb.block_cache_mb, 64);
  EXPECT_EQ(config.storage.rocksdb.write_buffer_mb, 16);
  EXPECT_EQ(config.storage.rocksdb.max_open_files, 512);
  EXPECT_EQ(config.execution.handler_timeout_seconds, 30);
  EXPECT_EQ(config.execution.max_parameters, 50);
  EXPECT_EQ(config.execution.max_parameter_size_bytes, 524288);
  EXPECT_EQ(config.execution.worker_threads, 0);
  EXPECT_EQ(config.execution.max_statements_per_request, 1000);
  EXPECT_EQ(config.execution.max_value_bytes, 16777216);
  EXPECT_EQ(config.execution.max_rows_per_statement, 1000000);
  EXPECT_EQ(config.execution.max_statement_memory_bytes, 268435456);
  EXPECT_EQ(config.auth.jwt_secret, "");  // generated into the data directory at start-up
  EXPECT_EQ(config.auth.root_password, "");
  EXPECT_EQ(config.auth.bcrypt_cost, 12);
  EXPECT_EQ(config.auth.access_token_ttl_seconds, 3600);
  EXPECT_EQ(config.auth.refresh_token_ttl_seconds, 604800);
  EXPECT_EQ(config.auth.max_failed_attempts, 5);
  EXPECT_EQ(config.auth.lockout_minutes, 15);
  EXPECT_EQ(config.limits.max_sql_bytes, 1048576);
  EXPECT_EQ(config.limits.max_request_body_bytes, 10485760);
  EXPECT_EQ(config.limits.max_json_depth, 64);
  EXPECT_EQ(config.limits.max_result_bytes, 268435456);
  EXPECT_EQ(config.flush.default_row_limit, 10000);
  EXPECT_EQ(config.flush.default_interval_seconds, 300);
  EXPECT_EQ(config.flush.check_interval_seconds, 10);
  EXPECT_EQ(config.flush.compression, "snappy");
  EXPECT_EQ(config.jobs.max_concurrent, 4);
  EXPECT_EQ(config.jobs.max_retries, 3);
  EXPECT_EQ(config.jobs.retry_backoff_ms, 1000);
  EXPECT_EQ(config.stream.eviction_interval_seconds, 10);
  EXPECT_EQ(config.websocket.auth_timeout_seconds, 3);
  EXPECT_EQ(config.websocket.heartbeat_seconds, 5);
  EXPECT_EQ(config.websocket.client_timeout_seconds, 30);
  EXPECT_EQ(config.websocket.max_connections, 25000);
  EXPECT_EQ(config.websocket.max_subscriptions_per_connection, 100);
  EXPECT_EQ(config.websocket.max_message_bytes, 1048576);
  EXPECT_EQ(config.websocket.max_messages_per_second, 100);
  EXPECT_EQ(config.websocket.max_queued_messages, 1000);
  EXPECT_EQ(config.rate_limit.max_queries_per_sec, 0);
  EXPECT_TRUE(config.audit.log_dml);
  EXPECT_EQ(config.audit.retention_days, 90);
  EXPECT_EQ(config.logging.level, "info");
  EXPECT_EQ(config.logging.slow_query_ms, 1000);
  EXPECT_EQ(config.logging.file, "");
  EXPECT_EQ(config.shutdown.timeout_seconds, 30);
  EXPECT_EQ(config.user_management.deletion_grace_period_days, 30);
}

TEST_F(ServerConfigTest, TomlFileOverridesDefaults) {
  ConfigLoadResult loaded = load_ok(R"(
[server]
host = "0.0.0.0"
port = 9000
public_origin = "https://db.example.com"

[storage]
data_path = "/var/lib/kalamdb"

[storage.rocksdb]
sync_writes = true
max_open_files = -1

[execution]
max_parameters = 7

[logging]
level = "DEBUG"

[flush]
compression = "zstd"

[audit]
log_dml = false
)");
  EXPECT_TRUE(loaded.warnings.empty());
  const ServerConfig& config = loaded.config;
  EXPECT_EQ(config.server.host, "0.0.0.0");
  EXPECT_EQ(config.server.port, 9000);
  EXPECT_EQ(config.server.public_origin, "https://db.example.com");
  EXPECT_EQ(config.storage.data_path, "/var/lib/kalamdb");
  EXPECT_TRUE(config.storage.rocksdb.sync_writes);
  EXPECT_EQ(config.storage.rocksdb.max_open_files, -1);
  EXPECT_EQ(config.execution.max_parameters, 7);
  EXPECT_EQ(config.logging.level, "debug");  // canonical spelling
  EXPECT_EQ(config.flush.compression, "zstd");
  EXPECT_FALSE(config.audit.log_dml);
  // Untouched keys keep their defaults.
  EXPECT_EQ(config.storage.rocksdb.block_cache_mb, 64);
  EXPECT_EQ(config.execution.handler_timeout_seconds, 30);
}

TEST_F(ServerConfigTest, DottedAndInlineTomlKeysWork) {
  ConfigLoadResult loaded = load_ok(R"(
server.port = 9001
storage = { rocksdb = { block_cache_mb = 128 } }
)");
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.config.server.port, 9001);
  EXPECT_EQ(loaded.config.storage.rocksdb.block_cache_mb, 128);
}

TEST_F(ServerConfigTest, EnvironmentOverridesNamedInTheSpec) {
  const Env env = {
      {"KALAMDB_SERVER_HOST", "10.0.0.5"},  {"KALAMDB_SERVER_PORT", "9100"},
      {"KALAMDB_DATA_DIR", "/srv/kalam"},   {"KALAMDB_LOG_LEVEL", "warn"},
      {"KALAMDB_JWT_SECRET", "env-secret"}, {"KALAMDB_ROOT_PASSWORD", "root-pass-123"},
  };
  ConfigLoadResult loaded = load_ok(std::nullopt, env);
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.config.server.host, "10.0.0.5");
  EXPECT_EQ(loaded.config.server.port, 9100);
  EXPECT_EQ(loaded.config.storage.data_path, "/srv/kalam");
  EXPECT_EQ(loaded.config.logging.level, "warn");
  EXPECT_EQ(loaded.config.auth.jwt_secret, "env-secret");
  EXPECT_EQ(loaded.config.auth.root_password, "root-pass-123");
}

TEST_F(ServerConfigTest, EnvironmentGeneralRule) {
  const Env env = {
      {"KALAMDB_EXECUTION_MAX_PARAMETERS", "12"},
      {"KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES", "true"},
      {"KALAMDB_AUDIT_LOG_DML", "0"},
      {"KALAMDB_WEBSOCKET_MAX_CONNECTIONS", " 42 "},
      {"KALAMDB_FLUSH_COMPRESSION", "none"},
      {"KALAMDB_USER_MANAGEMENT_DELETION_GRACE_PERIOD_DAYS", "0"},
      {"KALAMDB_STORAGE_SECRETS_KEY", "sk"},
      {"KALAMDB_AUTH_BCRYPT_COST", "4"},
  };
  ConfigLoadResult loaded = load_ok(std::nullopt, env);
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.config.execution.max_parameters, 12);
  EXPECT_TRUE(loaded.config.storage.rocksdb.sync_writes);
  EXPECT_FALSE(loaded.config.audit.log_dml);
  EXPECT_EQ(loaded.config.websocket.max_connections, 42);
  EXPECT_EQ(loaded.config.flush.compression, "none");
  EXPECT_EQ(loaded.config.user_management.deletion_grace_period_days, 0);
  EXPECT_EQ(loaded.config.storage.secrets_key, "sk");
  EXPECT_EQ(loaded.config.auth.bcrypt_cost, 4);
}

TEST_F(ServerConfigTest, EnvironmentBooleanSpellings) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, bool>>{{"true", true},
                                                                                {"TRUE", true},
                                                                                {"1", true},
                                                                                {"yes", true},
                                                                                {"on", true},
                                                                                {"false", false},
                                                                                {"False", false},
                                                                                {"0", false},
                                                                                {"no", false},
                                                                                {"off", false}}) {
    ConfigLoadResult loaded = load_ok(std::nullopt, {{"KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES", text}});
    EXPECT_EQ(loaded.config.storage.rocksdb.sync_writes, expected) << text;
  }
}

TEST_F(ServerConfigTest, EnvironmentWinsOverFile) {
  ConfigLoadResult loaded =
      load_ok("[server]\nport = 9000\nhost = \"0.0.0.0\"\n", {{"KALAMDB_SERVER_PORT", "9200"}});
  EXPECT_EQ(loaded.config.server.port, 9200);
  EXPECT_EQ(loaded.config.server.host, "0.0.0.0");
}

TEST_F(ServerConfigTest, GeneralNameWinsOverAliasWithWarning) {
  ConfigLoadResult loaded =
      load_ok(std::nullopt, {{"KALAMDB_DATA_DIR", "/alias"}, {"KALAMDB_STORAGE_DATA_PATH", "/general"}});
  EXPECT_EQ(loaded.config.storage.data_path, "/general");
  EXPECT_TRUE(has_warning_containing(loaded, "KALAMDB_DATA_DIR"))
      << ::testing::PrintToString(loaded.warnings);
}

TEST_F(ServerConfigTest, EveryKeyCanBeSetThroughItsEnvironmentVariable) {
  const std::vector<ConfigKeyInfo> keys = list_config_keys();
  ASSERT_EQ(keys.size(), 55u);  // every key of DefaultsMatchTheSpec
  for (const ConfigKeyInfo& key : keys) {
    switch (key.type) {
      case ConfigValueType::kInteger:
      case ConfigValueType::kBool:
        // Reaching the key's parser proves the variable is wired to the key.
        load_error(std::nullopt, {{key.env_var, "not-a-value"}}, key.key);
        break;
      case ConfigValueType::kString: {
        auto result = load_server_config(std::nullopt, {{key.env_var, "zstd"}});
        if (result.is_ok()) {
          const std::string described = describe_config_for_log(result->config);
          const std::string expected = key.key + " = " + (key.secret ? "\"***\"" : "\"zstd\"");
          EXPECT_NE(described.find(expected), std::string::npos) << key.env_var;
          EXPECT_TRUE(result->warnings.empty()) << key.env_var;
        } else {
          // Keys with a fixed set of values (logging.level) refuse it, naming the key.
          EXPECT_NE(result.status().message().find("'" + key.key + "'"), std::string::npos);
        }
        break;
      }
    }
  }
}

TEST_F(ServerConfigTest, EnvironmentNamesFollowTheGeneralRuleAndAreUnique) {
  std::set<std::string> names;
  for (const ConfigKeyInfo& key : list_config_keys()) {
    std::string expected = "KALAMDB_";
    for (char symbol : key.key) expected += symbol == '.' ? '_' : static_cast<char>(std::toupper(symbol));
    EXPECT_EQ(key.env_var, expected);
    EXPECT_TRUE(names.insert(key.env_var).second) << key.env_var;
    if (!key.env_alias.empty()) {
      EXPECT_TRUE(names.insert(key.env_alias).second) << key.env_alias;
    }
  }
  EXPECT_TRUE(names.count("KALAMDB_SERVER_HOST"));
  EXPECT_TRUE(names.count("KALAMDB_SERVER_PORT"));
  EXPECT_TRUE(names.count("KALAMDB_DATA_DIR"));
  EXPECT_TRUE(names.count("KALAMDB_LOG_LEVEL"));
  EXPECT_TRUE(names.count("KALAMDB_JWT_SECRET"));
  EXPECT_TRUE(names.count("KALAMDB_ROOT_PASSWORD"));
}

TEST_F(ServerConfigTest, UnknownTomlKeysAndSectionsWarn) {
  ConfigLoadResult loaded = load_ok(R"(
top_level = 1
[server]
prot = 8081
[serverx]
port = 1
[storage.rocksdb]
sync_write = true
[storage.rocksdbb]
x = 1
)");
  EXPECT_EQ(loaded.config.server.port, 8080);
  EXPECT_TRUE(has_warning_containing(loaded, "unknown config key 'server.prot'"));
  EXPECT_TRUE(has_warning_containing(loaded, "did you mean 'server.port'"));
  EXPECT_TRUE(has_warning_containing(loaded, "unknown config key 'top_level'"));
  EXPECT_TRUE(has_warning_containing(loaded, "unknown config section 'serverx'"));
  EXPECT_TRUE(has_warning_containing(loaded, "unknown config key 'storage.rocksdb.sync_write'"));
  EXPECT_TRUE(has_warning_containing(loaded, "unknown config section 'storage.rocksdbb'"));
  EXPECT_EQ(loaded.warnings.size(), 5u) << ::testing::PrintToString(loaded.warnings);
}

TEST_F(ServerConfigTest, QuotedKeyWithDotIsNotANestedKey) {
  ConfigLoadResult loaded = load_ok("\"server.port\" = 1\n");
  EXPECT_EQ(loaded.config.server.port, 8080);
  EXPECT_EQ(loaded.warnings.size(), 1u);
}

TEST_F(ServerConfigTest, UnknownEnvironmentVariablesWarn) {
  ConfigLoadResult loaded =
      load_ok(std::nullopt, {{"KALAMDB_SERVER_PROT", "1"}, {"PATH", "/bin"}, {"KALAMDBX_SERVER_PORT", "1"}});
  ASSERT_EQ(loaded.warnings.size(), 1u) << ::testing::PrintToString(loaded.warnings);
  EXPECT_NE(loaded.warnings[0].find("KALAMDB_SERVER_PROT"), std::string::npos);
  EXPECT_NE(loaded.warnings[0].find("KALAMDB_SERVER_PORT"), std::string::npos);  // suggestion
  EXPECT_EQ(loaded.config.server.port, 8080);
}

TEST_F(ServerConfigTest, InvalidTomlValuesNameTheKey) {
  struct Case {
    std::string toml;
    std::string key;
    std::string reason;
  };
  const std::vector<Case> kCases = {
      {"[execution]\nmax_parameters = 0", "execution.max_parameters", "must be >= 1"},
      {"[server]\nport = 0", "server.port", "must be between 1 and 65535"},
      {"[server]\nport = 65536", "server.port", "must be between 1 and 65535"},
      {"[server]\nport = \"8080\"", "server.port", "expected an integer"},
      {"[server]\nport = 80.5", "server.port", "expected an integer"},
      {"[server]\nhost = \"\"", "server.host", "must not be empty"},
      {"[server]\nhost = 127", "server.host", "expected a string"},
      {"[storage]\ndata_path = \"\"", "storage.data_path", "must not be empty"},
      {"[storage.rocksdb]\nblock_cache_mb = -1", "storage.rocksdb.block_cache_mb", "must be >= 1"},
      {"[storage.rocksdb]\nmax_open_files = -2", "storage.rocksdb.max_open_files", "must be >= -1"},
      {"[storage.rocksdb]\nsync_writes = \"yes\"", "storage.rocksdb.sync_writes", "expected a boolean"},
      {"[execution]\nhandler_timeout_seconds = 0", "execution.handler_timeout_seconds", "must be >= 1"},
      {"[execution]\nworker_threads = -1", "execution.worker_threads", "must be >= 0"},
      {"[auth]\nbcrypt_cost = 3", "auth.bcrypt_cost", "must be between 4 and 31"},
      {"[auth]\nbcrypt_cost = 32", "auth.bcrypt_cost", "must be between 4 and 31"},
      {"[limits]\nmax_request_body_bytes = -10", "limits.max_request_body_bytes", "must be >= 1"},
      {"[flush]\ncompression = \"lz4\"", "flush.compression", "must be one of snappy, zstd, none"},
      {"[websocket]\nauth_timeout_seconds = 0", "websocket.auth_timeout_seconds", "must be >= 1"},
      {"[logging]\nlevel = \"verbose\"", "logging.level",
       "must be one of trace, debug, info, warn, error, off"},
      {"[shutdown]\ntimeout_seconds = 0", "shutdown.timeout_seconds", "must be >= 1"},
      {"[rate_limit]\nmax_queries_per_sec = -1", "rate_limit.max_queries_per_sec", "must be >= 0"},
      {"[server.port]\nx = 1", "server.port", "expected an integer"},
      {"server = 5", "server", "expected a table"},
      {"[[server]]\nport = 1", "server", "expected a table"},
  };
  for (const Case& test_case : kCases) {
    SCOPED_TRACE(test_case.toml);
    const std::string message = load_error(test_case.toml, {}, test_case.key);
    EXPECT_NE(message.find(test_case.reason), std::string::npos) << message;
  }
  EXPECT_EQ(load_error("[execution]\nmax_parameters = 0\n", {}, "execution.max_parameters")
                .rfind("invalid config value for 'execution.max_parameters': must be >= 1", 0),
            0u);
}

TEST_F(ServerConfigTest, InvalidTomlValueReportsItsPosition) {
  const std::string message = load_error("[server]\nhost = \"x\"\nport = 0\n", {}, "server.port");
  EXPECT_NE(message.find("config.toml:3:"), std::string::npos) << message;
}

TEST_F(ServerConfigTest, InvalidEnvironmentValuesNameTheKeyAndVariable) {
  struct Case {
    std::string var;
    std::string value;
    std::string key;
  };
  const std::vector<Case> kCases = {
      {"KALAMDB_SERVER_PORT", "abc", "server.port"},
      {"KALAMDB_SERVER_PORT", "70000", "server.port"},
      {"KALAMDB_SERVER_PORT", "80x", "server.port"},
      {"KALAMDB_SERVER_PORT", "", "server.port"},
      {"KALAMDB_SERVER_PORT", "99999999999999999999999", "server.port"},
      {"KALAMDB_AUTH_BCRYPT_COST", "3", "auth.bcrypt_cost"},
      {"KALAMDB_EXECUTION_MAX_PARAMETERS", "0", "execution.max_parameters"},
      {"KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES", "maybe", "storage.rocksdb.sync_writes"},
      {"KALAMDB_LOG_LEVEL", "loud", "logging.level"},
      {"KALAMDB_DATA_DIR", "", "storage.data_path"},
  };
  for (const Case& test_case : kCases) {
    SCOPED_TRACE(test_case.var + "=" + test_case.value);
    const std::string message = load_error(std::nullopt, {{test_case.var, test_case.value}}, test_case.key);
    EXPECT_NE(message.find(test_case.var), std::string::npos) << message;
  }
}

TEST_F(ServerConfigTest, SecretsNeverAppearInMessages) {
  auto result = load_toml("[auth]\njwt_secret = 987654321\n");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().message().find("987654321"), std::string::npos) << result.status().message();

  ConfigLoadResult loaded = load_ok(std::nullopt, {{"KALAMDB_JWT_SECRET", "hunter2-secret"},
                                                   {"KALAMDB_ROOT_PASSWORD", "hunter3-secret"},
                                                   {"KALAMDB_UNKNOWN", "hunter4-secret"}});
  for (const std::string& warning : loaded.warnings) {
    EXPECT_EQ(warning.find("hunter"), std::string::npos) << warning;
  }
}

TEST_F(ServerConfigTest, SyntaxErrorReportsPosition) {
  auto result = load_toml("[server]\nport = 8080\nhost = \"unterminated\n");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("line 3"), std::string::npos) << result.status().message();
  const DetailValue* line = result.status().detail("line");
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(std::get<int64_t>(*line), 3);
  EXPECT_NE(result.status().detail("column"), nullptr);

  auto duplicate = load_toml("[server]\nport = 1\nport = 2\n");
  ASSERT_FALSE(duplicate.is_ok());
  EXPECT_EQ(duplicate.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, UnreadableFileIsAnError) {
  const std::string missing = (dir_ / "does-not-exist.toml").string();
  auto result = load_server_config(missing, {});
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(missing), std::string::npos);

  auto directory = load_server_config(dir_.string(), {});
  ASSERT_FALSE(directory.is_ok());
  EXPECT_EQ(directory.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ServerConfigTest, EmptyJwtSecretMeansTheDevelopmentDefault) {
  EXPECT_EQ(load_ok("[auth]\njwt_secret = \"\"\n").config.auth.jwt_secret, "");
  EXPECT_EQ(load_ok(std::nullopt, {{"KALAMDB_JWT_SECRET", ""}}).config.auth.jwt_secret, "");
  EXPECT_EQ(load_ok("[auth]\njwt_secret = \"prod\"\n").config.auth.jwt_secret, "prod");
}

TEST_F(ServerConfigTest, DescribeForLogMasksSecrets) {
  ServerConfig config;
  config.auth.jwt_secret = "jwt-secret-value";
  config.auth.root_password = "root-password-value";
  config.storage.secrets_key = "";
  config.server.port = 9999;
  const std::string described = describe_config_for_log(config);
  EXPECT_EQ(described.find("jwt-secret-value"), std::string::npos);
  EXPECT_EQ(described.find("root-password-value"), std::string::npos);
  EXPECT_NE(described.find("auth.jwt_secret = \"***\""), std::string::npos) << described;
  EXPECT_NE(described.find("auth.root_password = \"***\""), std::string::npos) << described;
  EXPECT_NE(described.find("storage.secrets_key = \"\""), std::string::npos) << described;
  EXPECT_NE(described.find("server.port = 9999"), std::string::npos) << described;
  EXPECT_NE(described.find("storage.rocksdb.sync_writes = false"), std::string::npos) << described;
}

TEST_F(ServerConfigTest, ExampleConfigListsEveryKeyAndLoadsAsDefaults) {
  const std::string example = render_example_config();
  for (const ConfigKeyInfo& key : list_config_keys()) {
    const size_t dot = key.key.rfind('.');
    const std::string section = "[" + key.key.substr(0, dot) + "]";
    const size_t section_pos = example.find("\n" + section + "\n");
    ASSERT_NE(section_pos, std::string::npos) << section;
    EXPECT_NE(example.find("\n" + key.key.substr(dot + 1) + " = ", section_pos), std::string::npos)
        << key.key;
  }
  EXPECT_NE(example.find("jwt_secret = \"\""), std::string::npos);
  EXPECT_NE(example.find("root_password = \"\""), std::string::npos);
  EXPECT_NE(example.find("secrets_key = \"\""), std::string::npos);
  EXPECT_NE(example.find("\n# TCP port"), std::string::npos);  // keys carry their comment

  ConfigLoadResult loaded = load_ok(example);
  EXPECT_TRUE(loaded.warnings.empty()) << ::testing::PrintToString(loaded.warnings);
  EXPECT_EQ(describe_config_for_log(loaded.config), describe_config_for_log(ServerConfig{}));
  EXPECT_EQ(loaded.config.auth.jwt_secret, "");
}

// The committed config.example.toml is render_example_config(). To regenerate it, run this
// test with KALAM_WRITE_CONFIG_EXAMPLE=1.
TEST_F(ServerConfigTest, CommittedExampleFileIsInSync) {
  fs::path example_path;
  for (fs::path dir = fs::path(__FILE__).parent_path(); dir.has_relative_path(); dir = dir.parent_path()) {
    if (fs::exists(dir / "config.example.toml") && fs::exists(dir / "CMakeLists.txt")) {
      example_path = dir / "config.example.toml";
      break;
    }
  }
  ASSERT_FALSE(example_path.empty()) << "config.example.toml not found above " << __FILE__;
  const std::string expected = render_example_config();
  if (const char* write = std::getenv("KALAM_WRITE_CONFIG_EXAMPLE");
      write != nullptr && std::string(write) == "1") {
    std::ofstream(example_path, std::ios::binary) << expected;
  }
  std::ifstream in(example_path, std::ios::binary);
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), expected)
      << example_path << " is out of date; rerun this test with KALAM_WRITE_CONFIG_EXAMPLE=1";
}

TEST_F(ServerConfigTest, CurrentEnvironmentReadsOnlyKalamVariables) {
  ASSERT_EQ(::setenv("KALAMDB_TEST_PROBE_VAR", "probe=value", 1), 0);
  ASSERT_EQ(::setenv("NOT_KALAMDB_TEST_PROBE", "x", 1), 0);
  const Env env = current_environment();
  ::unsetenv("KALAMDB_TEST_PROBE_VAR");
  ::unsetenv("NOT_KALAMDB_TEST_PROBE");
  ASSERT_EQ(env.count("KALAMDB_TEST_PROBE_VAR"), 1u);
  EXPECT_EQ(env.at("KALAMDB_TEST_PROBE_VAR"), "probe=value");
  for (const auto& [name, value] : env) EXPECT_TRUE(name.starts_with("KALAMDB_")) << name;
}

}  // namespace
}  // namespace kalam
