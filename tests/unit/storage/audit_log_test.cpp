// Audit log records: ordering, round trip, last id after reopen.
#include "storage/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace kalam {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device seed;
    dir_ = std::filesystem::temp_directory_path() / ("kalam-audit-" + std::to_string(seed()));
    open();
  }
  void TearDown() override {
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    storage_.reset();
    StorageOptions options;
    options.path = dir_.string();
    storage_ = std::move(StorageEngine::open(options)).value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<StorageEngine> storage_;
};

TEST_F(AuditLogTest, EmptyLogHasNoLastId) {
  auto last = last_audit_id(*storage_);
  ASSERT_TRUE(last.is_ok());
  EXPECT_EQ(*last, 0);
}

TEST_F(AuditLogTest, EntriesRoundTripInIdOrderAndLastIdSurvivesReopen) {
  WriteBatch batch;
  for (int64_t id : {300, 5, 70000, 256}) {
    AuditEntry entry;
    entry.audit_id = id;
    entry.action = "ACTION_" + std::to_string(id);
    entry.details_json = R"({"k":"v \"quoted\""})";
    entry.success = id % 2 == 0;
    append_audit_entry(batch, entry);
  }
  // Records under other prefixes must not be mistaken for audit rows.
  batch.put(ColumnFamily::kSystem, "zz:after", "x");
  batch.put(ColumnFamily::kSystem, "ab:before", "x");
  ASSERT_TRUE(storage_->write(batch).is_ok());
  open();
  std::vector<AuditEntry> seen;
  ASSERT_TRUE(scan_audit_log(*storage_, [&](const AuditEntry& entry) {
                seen.push_back(entry);
                return true;
              }).is_ok());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].audit_id, 5);
  EXPECT_EQ(seen[1].audit_id, 256);
  EXPECT_EQ(seen[3].audit_id, 70000);
  EXPECT_EQ(seen[3].action, "ACTION_70000");
  EXPECT_EQ(seen[0].details_json, R"({"k":"v \"quoted\""})");
  EXPECT_TRUE(seen[1].success);
  EXPECT_FALSE(seen[0].success);
  auto last = last_audit_id(*storage_);
  ASSERT_TRUE(last.is_ok());
  EXPECT_EQ(*last, 70000);
}

}  // namespace
}  // namespace kalam
