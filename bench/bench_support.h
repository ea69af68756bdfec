// Shared set-up for micro-benchmarks: a real RocksDB-backed catalog in a temp dir.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/result_encoding.h"
#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "sql/executor/handler_registry.h"
#include "sql/executor/sql_executor.h"
#include "storage/storage_engine.h"
#include "table_store/table_store.h"

namespace kalam::bench {

struct BenchEnvironment {
  std::filesystem::path dir;
  ServerConfig config;
  std::unique_ptr<StorageEngine> storage;
  std::unique_ptr<SnowflakeGenerator> ids;
  std::unique_ptr<SchemaRegistry> registry;
  std::unique_ptr<TableStore> tables;
  std::unique_ptr<UserStore> users;
  ExecutorServices services;
  HandlerRegistry handlers;

  BenchEnvironment() {
    std::random_device seed;
    dir = std::filesystem::temp_directory_path() / ("kalam-bench-" + std::to_string(seed()));
    StorageOptions options;
    options.path = (dir / "rocksdb").string();
    storage = std::move(StorageEngine::open(options)).value();
    ids = std::make_unique<SnowflakeGenerator>(0);
    registry = std::make_unique<SchemaRegistry>(*storage);
    registry->load(dir.string()).permit_unchecked();
    tables = std::make_unique<TableStore>(*storage, *registry, *ids);
    users = std::make_unique<UserStore>(*storage);
    services = ExecutorServices{storage.get(), tables.get(), registry.get(), users.get(),
                                ids.get(),     &config,      nullptr,        "bench-key"};
    register_all_handlers(handlers, services);
  }
  ~BenchEnvironment() {
    tables.reset();
    storage->close().permit_unchecked();
    std::filesystem::remove_all(dir);
  }
};

// An executor over BenchEnvironment: one request = execute_batch + encode the response,
// as the router does after the HTTP layer.
struct SqlBench {
  BenchEnvironment env;
  SqlExecutor executor{env.services, env.handlers, ExecutorLimits{}};

  explicit SqlBench(const char* ddl) {
    ExecutionContext ctx = context();
    ctx.role = Role::kSystem;
    BatchOutcome setup = executor.execute_batch(ctx, ddl);
    if (setup.error) throw std::runtime_error(setup.error->to_string());
  }
  static ExecutionContext context() {
    ExecutionContext ctx;
    ctx.user_id = "bench";
    ctx.effective_user_id = "bench";
    ctx.role = Role::kUser;
    ctx.request_id = "00000000-0000-0000-0000-000000000000";
    ctx.ip_address = "127.0.0.1";
    ctx.timestamp_us = now_unix_micros();
    return ctx;
  }
  size_t request(const std::string& sql, std::vector<ParamValue> params = {}) {
    ExecutionContext ctx = context();
    ctx.params = std::move(params);
    BatchOutcome outcome = executor.execute_batch(ctx, sql);
    if (outcome.error) throw std::runtime_error(outcome.error->to_string());
    return encode_sql_response(outcome, ctx.request_id, 0.1).size();
  }
};

}  // namespace kalam::bench
