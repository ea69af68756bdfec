// Shared set-up for micro-benchmarks: a real RocksDB-backed catalog in a temp dir.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "common/ids.h"
#include "config/server_config.h"
#include "sql/executor/handler_registry.h"
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

}  // namespace kalam::bench
