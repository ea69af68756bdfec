// SchemaRegistry: snapshots are immutable, changes commit atomically and persist.
#include "catalog/schema_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "catalog/storage_template.h"

namespace kalam {
namespace {

class SchemaRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device seed;
    dir_ = std::filesystem::temp_directory_path() / ("kalam-catalog-" + std::to_string(seed()));
    open();
  }
  void TearDown() override {
    registry_.reset();
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    registry_.reset();
    storage_.reset();
    StorageOptions options;
    options.path = (dir_ / "rocksdb").string();
    storage_ = std::move(StorageEngine::open(options)).value();
    registry_ = std::make_unique<SchemaRegistry>(*storage_);
    ASSERT_TRUE(registry_->load("/data").is_ok());
  }
  std::filesystem::path dir_;
  std::unique_ptr<StorageEngine> storage_;
  std::unique_ptr<SchemaRegistry> registry_;
};

TEST_F(SchemaRegistryTest, BuiltInLocalStorageIsCreatedOnce) {
  const StorageDef* local = registry_->snapshot()->find_storage("local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->base_directory, "/data/storage");
  int64_t created = local->created_at_us;
  open();
  EXPECT_EQ(registry_->snapshot()->find_storage("local")->created_at_us, created);
}

TEST_F(SchemaRegistryTest, OldSnapshotsNeverChange) {
  auto before = registry_->snapshot();
  CatalogChange change = registry_->begin_change();
  NamespaceDef ns;
  ns.namespace_id = "chat";
  change.put_namespace(ns);
  EXPECT_EQ(registry_->snapshot()->find_namespace("chat"), nullptr) << "invisible before commit";
  ASSERT_TRUE(change.commit().is_ok());
  EXPECT_EQ(before->find_namespace("chat"), nullptr);
  EXPECT_NE(registry_->snapshot()->find_namespace("chat"), nullptr);
  EXPECT_GT(registry_->snapshot()->version(), before->version());
}

TEST_F(SchemaRegistryTest, AbandonedChangeLeavesNoTrace) {
  {
    CatalogChange change = registry_->begin_change();
    NamespaceDef ns;
    ns.namespace_id = "ghost";
    change.put_namespace(ns);
  }
  EXPECT_EQ(registry_->snapshot()->find_namespace("ghost"), nullptr);
  open();
  EXPECT_EQ(registry_->snapshot()->find_namespace("ghost"), nullptr);
}

TEST_F(SchemaRegistryTest, TablesAndNamespacesPersistAndIndexByName) {
  {
    CatalogChange change = registry_->begin_change();
    NamespaceDef ns;
    ns.namespace_id = "chat";
    change.put_namespace(ns);
    for (const char* name : {"messages", "rooms"}) {
      TableDef table;
      table.table_id = 7;
      table.namespace_id = "chat";
      table.table_name = name;
      table.storage_id = "local";
      change.put_table(table);
    }
    ASSERT_TRUE(change.commit().is_ok());
  }
  open();
  auto snapshot = registry_->snapshot();
  ASSERT_NE(snapshot->find_table("chat", "rooms"), nullptr);
  EXPECT_EQ(snapshot->find_table("chat", "rooms")->table_id, 7u);
  EXPECT_EQ(snapshot->find_table("chat", "nope"), nullptr);
  EXPECT_EQ(snapshot->find_table("cha", "t.rooms"), nullptr);
  EXPECT_EQ(snapshot->table_count("chat"), 2u);
  EXPECT_EQ(snapshot->tables_using_storage("local").size(), 2u);
  std::string long_ns(100, 'n');
  EXPECT_EQ(snapshot->find_table(long_ns, std::string(100, 't')), nullptr);
}

TEST_F(SchemaRegistryTest, ConcurrentWritersSerialize) {
  std::vector<std::thread> writers;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    writers.emplace_back([this, thread_idx] {
      for (int idx = 0; idx < 25; ++idx) {
        CatalogChange change = registry_->begin_change();
        NamespaceDef ns;
        ns.namespace_id = "ns_" + std::to_string(thread_idx) + "_" + std::to_string(idx);
        change.put_namespace(ns);
        ASSERT_TRUE(change.commit().is_ok());
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(registry_->snapshot()->namespaces().size(), 100u);
  open();
  EXPECT_EQ(registry_->snapshot()->namespaces().size(), 100u);
}

TEST(StorageTemplateTest, Rules) {
  EXPECT_TRUE(validate_storage_template("{namespace}/{tableName}", false, "t").is_ok());
  EXPECT_TRUE(validate_storage_template("{namespace}/{tableName}/{userId}", true, "t").is_ok());
  EXPECT_TRUE(validate_storage_template("data/{namespace}-{tableName}", false, "t").is_ok());
  for (const char* bad : {"", "{namespace}", "/{namespace}/{tableName}", "{namespace}/../{tableName}",
                          "{namespace}//{tableName}", "{namespace}/{tableName}/{x}", "{namespace}/{tableName",
                          "{namespace}\\{tableName}", "{namespace}/{tableName}/{userId}"}) {
    EXPECT_EQ(validate_storage_template(bad, false, "t").code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(validate_storage_template("{namespace}/{tableName}", true, "t").code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kalam
