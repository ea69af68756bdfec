// A real executor over a real RocksDB in a temporary directory, for handler tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <thread>

#include "auth/password_hasher.h"
#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "config/server_config.h"
#include "sql/executor/handler_registry.h"
#include "sql/executor/sql_executor.h"
#include "storage/audit_log.h"
#include "storage/storage_engine.h"
#include "table_store/table_store.h"

namespace kalam::testing {

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device seed;
    dir_ = std::filesystem::temp_directory_path() /
           ("kalam-exec-" + std::to_string(seed()) + std::to_string(seed()));
    std::filesystem::create_directories(dir_);
    config_.auth.bcrypt_cost = 4;
    config_.storage.data_path = dir_.string();  // filesystem storages must live under it
    open();
  }
  void TearDown() override {
    close();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    StorageOptions options;
    options.path = (dir_ / "rocksdb").string();
    auto storage = StorageEngine::open(options);
    ASSERT_TRUE(storage.is_ok()) << storage.status().to_string();
    storage_ = std::move(storage).value();
    ids_ = std::make_unique<SnowflakeGenerator>(0);
    registry_ = std::make_unique<SchemaRegistry>(*storage_);
    ASSERT_TRUE(registry_->load(dir_.string()).is_ok());
    tables_ = std::make_unique<TableStore>(*storage_, *registry_, *ids_);
    users_ = std::make_unique<UserStore>(*storage_);
    ASSERT_TRUE(users_->load().is_ok());
    services_ = ExecutorServices{storage_.get(), tables_.get(), registry_.get(), users_.get(),
                                 ids_.get(),     &config_,      nullptr,         "test-key"};
    handlers_ = std::make_unique<HandlerRegistry>();
    register_all_handlers(*handlers_, services_);
    ExecutorLimits limits;
    executor_ = std::make_unique<SqlExecutor>(services_, *handlers_, limits);
  }
  void close() {
    executor_.reset();
    handlers_.reset();
    users_.reset();
    tables_.reset();
    registry_.reset();
    if (storage_) storage_->close().permit_unchecked();
    storage_.reset();
  }
  void reopen() {
    close();
    open();
  }

  // Adds a user directly (as if created earlier).
  void add_user(const std::string& user_id, Role role, const std::string& password = "password123") {
    UserRecord record;
    record.user_id = user_id;
    record.role = role;
    record.password_hash = *hash_password(password, 4);
    record.created_at_us = now_unix_micros();
    WriteBatch batch;
    auto lock = users_->lock_writes();
    ASSERT_TRUE(users_->commit(batch, record).is_ok());
  }

  ExecutionContext context(const std::string& user_id, Role role) {
    ExecutionContext ctx;
    ctx.user_id = user_id;
    ctx.role = role;
    ctx.effective_user_id = user_id;
    ctx.request_id = "req-" + user_id;
    ctx.ip_address = "127.0.0.1";
    ctx.timestamp_us = now_unix_micros();
    return ctx;
  }

  BatchOutcome run(const std::string& user_id, Role role, const std::string& sql) {
    ExecutionContext ctx = context(user_id, role);
    return executor_->execute_batch(ctx, sql);
  }

  // The error code of a failed batch (kOk when it succeeded).
  ErrorCode error_of(const BatchOutcome& outcome) {
    return outcome.error ? outcome.error->code() : ErrorCode::kOk;
  }

  std::vector<AuditEntry> audit_rows() {
    std::vector<AuditEntry> rows;
    EXPECT_TRUE(scan_audit_log(*storage_, [&](const AuditEntry& entry) {
                  rows.push_back(entry);
                  return true;
                }).is_ok());
    return rows;
  }

  std::filesystem::path dir_;
  ServerConfig config_;
  std::unique_ptr<StorageEngine> storage_;
  std::unique_ptr<SnowflakeGenerator> ids_;
  std::unique_ptr<SchemaRegistry> registry_;
  std::unique_ptr<TableStore> tables_;
  std::unique_ptr<UserStore> users_;
  ExecutorServices services_;
  std::unique_ptr<HandlerRegistry> handlers_;
  std::unique_ptr<SqlExecutor> executor_;
};

}  // namespace kalam::testing
