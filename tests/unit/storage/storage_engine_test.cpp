// Tests for storage/storage_engine.h against a real RocksDB in a temporary directory.
#include "storage/storage_engine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/key_encoding.h"

namespace kalam {
namespace {

using namespace std::string_literals;

constexpr ColumnFamily kAllFamilies[] = {ColumnFamily::kSystem, ColumnFamily::kRows, ColumnFamily::kStreams,
                                         ColumnFamily::kIndex};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class StorageEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kalam_storage_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    options_.path = (root_ / "data" / "rocksdb").string();  // nested: open must create it
    options_.block_cache_mb = 8;
    options_.write_buffer_mb = 4;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::unique_ptr<StorageEngine> open_engine() {
    Result<std::unique_ptr<StorageEngine>> engine = StorageEngine::open(options_);
    EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
    if (!engine.is_ok()) return nullptr;
    return std::move(engine).value();
  }

  static std::optional<std::string> get(const StorageEngine& engine, ColumnFamily family,
                                        std::string_view key) {
    Result<std::optional<std::string>> value = engine.get(family, key);
    EXPECT_TRUE(value.is_ok()) << value.status().to_string();
    return value.is_ok() ? *value : std::nullopt;
  }

  static KeyValues scan_prefix(const StorageEngine& engine, ColumnFamily family, std::string_view prefix) {
    KeyValues out;
    Status status = engine.scan_prefix(family, prefix, [&out](std::string_view key, std::string_view value) {
      out.emplace_back(key, value);
      return true;
    });
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return out;
  }

  static KeyValues scan_range(const StorageEngine& engine, ColumnFamily family, std::string_view begin,
                              std::string_view end, bool reverse = false) {
    KeyValues out;
    Status status = engine.scan_range(
        family, begin, end,
        [&out](std::string_view key, std::string_view value) {
          out.emplace_back(key, value);
          return true;
        },
        reverse);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return out;
  }

  static void put(StorageEngine& engine, ColumnFamily family, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.put(family, key, value);
    Status status = engine.write(batch);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  std::filesystem::path root_;
  StorageOptions options_;
};

TEST_F(StorageEngineTest, ColumnFamilyNames) {
  EXPECT_EQ(column_family_name(ColumnFamily::kSystem), "system");
  EXPECT_EQ(column_family_name(ColumnFamily::kRows), "rows");
  EXPECT_EQ(column_family_name(ColumnFamily::kStreams), "streams");
  EXPECT_EQ(column_family_name(ColumnFamily::kIndex), "index");
}

TEST_F(StorageEngineTest, PutGetDeleteInEveryColumnFamilyIsolated) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(std::filesystem::is_directory(options_.path));
  for (ColumnFamily family : kAllFamilies) {
    EXPECT_EQ(get(*engine, family, "key"), std::nullopt);
    put(*engine, family, "key", "value-" + std::string(column_family_name(family)));
  }
  // Same key, four families, four values.
  for (ColumnFamily family : kAllFamilies) {
    EXPECT_EQ(get(*engine, family, "key"), "value-" + std::string(column_family_name(family)));
  }
  // Overwrite and delete in one family leave the others alone.
  put(*engine, ColumnFamily::kRows, "key", "new");
  WriteBatch batch;
  batch.del(ColumnFamily::kIndex, "key");
  ASSERT_TRUE(engine->write(batch).is_ok());
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "key"), "new");
  EXPECT_EQ(get(*engine, ColumnFamily::kIndex, "key"), std::nullopt);
  EXPECT_EQ(get(*engine, ColumnFamily::kSystem, "key"), "value-system");
  EXPECT_EQ(get(*engine, ColumnFamily::kStreams, "key"), "value-streams");
}

TEST_F(StorageEngineTest, BinaryKeysAndValuesAndEmptyValue) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  const std::string key = "\x00\xff\x00k"s;
  const std::string value = "v\x00\x01\xff"s;
  put(*engine, ColumnFamily::kRows, key, value);
  put(*engine, ColumnFamily::kRows, "empty", "");
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, key), value);
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "\x00\xff\x00"s), std::nullopt);
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "empty"), ""s);  // present but empty != missing
}

TEST_F(StorageEngineTest, BatchAppliesAllOperationsTogether) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  put(*engine, ColumnFamily::kSystem, "old", "x");

  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  batch.put(ColumnFamily::kRows, "row", "r");
  batch.put(ColumnFamily::kIndex, "idx", "i");
  batch.put(ColumnFamily::kSystem, "audit", "a");
  batch.del(ColumnFamily::kSystem, "old");
  batch.put(ColumnFamily::kRows, "row", "r2");  // later op in the same batch wins
  EXPECT_EQ(batch.count(), 5u);
  EXPECT_FALSE(batch.empty());
  // Nothing is visible before write().
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "row"), std::nullopt);
  ASSERT_TRUE(engine->write(batch).is_ok());
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "row"), "r2");
  EXPECT_EQ(get(*engine, ColumnFamily::kIndex, "idx"), "i");
  EXPECT_EQ(get(*engine, ColumnFamily::kSystem, "audit"), "a");
  EXPECT_EQ(get(*engine, ColumnFamily::kSystem, "old"), std::nullopt);
  EXPECT_EQ(batch.count(), 5u);  // write() leaves the batch unchanged
  batch.clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(engine->write(batch).is_ok());  // empty batch: no-op

  WriteBatch moved_to = std::move(batch);
  moved_to.put(ColumnFamily::kRows, "after-move", "m");
  EXPECT_EQ(moved_to.count(), 1u);
  ASSERT_TRUE(engine->write(moved_to).is_ok());
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "after-move"), "m");
}

TEST_F(StorageEngineTest, FailedBatchAppliesNothing) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  WriteBatch batch;
  batch.put(ColumnFamily::kRows, "first", "1");
  batch.put(static_cast<ColumnFamily>(200), "bogus", "x");  // a caller bug, not a crash
  Status status = engine->write(batch);
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "first"), std::nullopt);
}

TEST_F(StorageEngineTest, ConcurrentReadersNeverSeeHalfABatch) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  put(*engine, ColumnFamily::kRows, "a", "0");
  put(*engine, ColumnFamily::kRows, "b", "0");
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> scans{0};
  std::thread reader([&] {
    while (!stop.load()) {
      KeyValues seen = scan_prefix(*engine, ColumnFamily::kRows, "");
      if (seen.size() != 2 || seen[0].second != seen[1].second) torn.fetch_add(1);
      scans.fetch_add(1);
    }
  });
  // Write while the reader scans: at least 3000 rounds and until it has scanned a
  // few times (a loaded machine may start the reader late), bounded either way.
  int round_idx = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((round_idx < 3000 || scans.load() < 20) && std::chrono::steady_clock::now() < deadline) {
    ++round_idx;
    WriteBatch batch;
    batch.put(ColumnFamily::kRows, "a", std::to_string(round_idx));
    batch.put(ColumnFamily::kRows, "b", std::to_string(round_idx));
    ASSERT_TRUE(engine->write(batch).is_ok());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GE(scans.load(), 20);
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "a"), std::to_string(round_idx));
}

// Keys laid out like spec/storage.md: [table_id u64][scope string][pk int64].
std::string row_key(uint64_t table_id, std::string_view scope, int64_t pk) {
  KeyEncoder encoder;
  encoder.append_u64(table_id);
  encoder.append_string(scope);
  encoder.append_int64(pk);
  return encoder.release();
}
std::string scope_prefix(uint64_t table_id, std::string_view scope) {
  KeyEncoder encoder;
  encoder.append_u64(table_id);
  encoder.append_string(scope);
  return encoder.release();
}

TEST_F(StorageEngineTest, PrefixScanReturnsExactlyThePrefixKeysInOrder) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  WriteBatch batch;
  // Inserted out of order, with neighbours that share byte prefixes with "alice".
  for (int64_t pk : {5, -3, 100, 0, -100000, 7}) batch.put(ColumnFamily::kRows, row_key(1, "alice", pk), "v");
  batch.put(ColumnFamily::kRows, row_key(1, "alice2", 1), "other user");
  batch.put(ColumnFamily::kRows, row_key(1, "alic", 1), "other user");
  batch.put(ColumnFamily::kRows, row_key(1, "alice\0"s, 1), "other user");
  batch.put(ColumnFamily::kRows, row_key(0, "alice", 1), "other table");
  batch.put(ColumnFamily::kRows, row_key(2, "alice", 1), "other table");
  batch.put(ColumnFamily::kIndex, row_key(1, "alice", 1), "other family");
  ASSERT_TRUE(engine->write(batch).is_ok());

  const KeyValues alice = scan_prefix(*engine, ColumnFamily::kRows, scope_prefix(1, "alice"));
  std::vector<int64_t> pks;
  for (const auto& [key, value] : alice) {
    KeyDecoder decoder(key);
    ASSERT_TRUE(decoder.read_u64().is_ok());
    Result<std::string> scope = decoder.read_string();
    ASSERT_TRUE(scope.is_ok());
    EXPECT_EQ(*scope, "alice");
    Result<int64_t> pk = decoder.read_int64();
    ASSERT_TRUE(pk.is_ok());
    pks.push_back(*pk);
    EXPECT_EQ(value, "v");
  }
  EXPECT_EQ(pks, (std::vector<int64_t>{-100000, -3, 0, 5, 7, 100}));

  // A whole table: its 9 rows, none of table 0 or 2.
  KeyEncoder table_prefix;
  table_prefix.append_u64(1);
  EXPECT_EQ(scan_prefix(*engine, ColumnFamily::kRows, table_prefix.data()).size(), 9u);
  // Whole family, empty prefix.
  EXPECT_EQ(scan_prefix(*engine, ColumnFamily::kRows, "").size(), 11u);
  EXPECT_TRUE(scan_prefix(*engine, ColumnFamily::kStreams, "").empty());

  // Visitor returning false stops the scan.
  int visited = 0;
  ASSERT_TRUE(engine
                  ->scan_prefix(ColumnFamily::kRows, scope_prefix(1, "alice"),
                                [&visited](std::string_view, std::string_view) { return ++visited < 2; })
                  .is_ok());
  EXPECT_EQ(visited, 2);
}

TEST_F(StorageEngineTest, PrefixScanWithAllFfPrefixAndRawBytes) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  for (const std::string& key : {"\xfe\xff"s, "\xff"s, "\xff\xff"s, "\xff\xff\x00"s, "\xff\xff\xff"s, "a"s}) {
    put(*engine, ColumnFamily::kSystem, key, "v");
  }
  const KeyValues all_ff = scan_prefix(*engine, ColumnFamily::kSystem, "\xff\xff"s);
  ASSERT_EQ(all_ff.size(), 3u);
  EXPECT_EQ(all_ff[0].first, "\xff\xff"s);
  EXPECT_EQ(all_ff[1].first, "\xff\xff\x00"s);
  EXPECT_EQ(all_ff[2].first, "\xff\xff\xff"s);
  const KeyValues fe = scan_prefix(*engine, ColumnFamily::kSystem, "\xfe"s);
  ASSERT_EQ(fe.size(), 1u);
  EXPECT_EQ(fe[0].first, "\xfe\xff"s);
}

TEST_F(StorageEngineTest, RangeScanBoundsAndDeleteRange) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  for (char c = 'a'; c <= 'f'; ++c) put(*engine, ColumnFamily::kIndex, std::string(1, c), std::string(1, c));
  auto keys = [](const KeyValues& rows) {
    std::string out;
    for (const auto& row : rows) out += row.first;
    return out;
  };
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "b", "e")), "bcd");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "bb", "d")), "c");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "c", "")), "cdef");  // unbounded
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "", "")), "abcdef");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "d", "d")), "");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "e", "b")), "");
  // descending: the same ranges, from the last key below the end
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "b", "e", true)), "dcb");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "bb", "dd", true)), "dc");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "c", "", true)), "fedc");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "", "", true)), "fedcba");
  EXPECT_EQ(keys(scan_range(*engine, ColumnFamily::kIndex, "d", "d", true)), "");

  WriteBatch batch;
  batch.del_range(ColumnFamily::kIndex, "b", "e");
  ASSERT_TRUE(engine->write(batch).is_ok());
  EXPECT_EQ(keys(scan_prefix(*engine, ColumnFamily::kIndex, "")), "aef");
  EXPECT_EQ(get(*engine, ColumnFamily::kIndex, "c"), std::nullopt);
  EXPECT_EQ(get(*engine, ColumnFamily::kIndex, "e"), "e");
}

TEST_F(StorageEngineTest, ApproximateCount) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  WriteBatch batch;
  for (int64_t pk = 0; pk < 300; ++pk) batch.put(ColumnFamily::kRows, row_key(1, "u1", pk), "v");
  for (int64_t pk = 0; pk < 200; ++pk) batch.put(ColumnFamily::kRows, row_key(1, "u2", pk), "v");
  ASSERT_TRUE(engine->write(batch).is_ok());

  Result<uint64_t> u1 = engine->approximate_count(ColumnFamily::kRows, scope_prefix(1, "u1"));
  ASSERT_TRUE(u1.is_ok());
  EXPECT_EQ(*u1, 300u);
  Result<uint64_t> total = engine->approximate_count(ColumnFamily::kRows, "");
  ASSERT_TRUE(total.is_ok());
  EXPECT_EQ(*total, 500u);  // inserts only: the estimate is exact
  Result<uint64_t> none = engine->approximate_count(ColumnFamily::kRows, scope_prefix(2, "u1"));
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(*none, 0u);

  ASSERT_TRUE(engine->flush_memtables().is_ok());
  Result<uint64_t> u2 = engine->approximate_count(ColumnFamily::kRows, scope_prefix(1, "u2"));
  ASSERT_TRUE(u2.is_ok());
  EXPECT_EQ(*u2, 200u);
  Result<uint64_t> total_after_flush = engine->approximate_count(ColumnFamily::kRows, "");
  ASSERT_TRUE(total_after_flush.is_ok());
  EXPECT_EQ(*total_after_flush, 500u);
}

TEST_F(StorageEngineTest, ReopenKeepsDataFromWalAndFromFlushedFiles) {
  {
    auto engine = open_engine();
    ASSERT_NE(engine, nullptr);
    put(*engine, ColumnFamily::kRows, "flushed", "1");
    ASSERT_TRUE(engine->flush_memtables().is_ok());
    put(*engine, ColumnFamily::kStreams, "wal-only", "2");  // only in the WAL at close
    ASSERT_TRUE(engine->close().is_ok());
    ASSERT_TRUE(engine->close().is_ok());  // idempotent
  }
  {
    auto engine = open_engine();
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(get(*engine, ColumnFamily::kRows, "flushed"), "1");
    EXPECT_EQ(get(*engine, ColumnFamily::kStreams, "wal-only"), "2");
    put(*engine, ColumnFamily::kSystem, "destructor", "3");
    // No close(): the destructor closes.
  }
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(get(*engine, ColumnFamily::kSystem, "destructor"), "3");
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "flushed"), "1");
}

TEST_F(StorageEngineTest, SyncWritesOption) {
  options_.sync_writes = true;
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  put(*engine, ColumnFamily::kRows, "k", "v");
  EXPECT_EQ(get(*engine, ColumnFamily::kRows, "k"), "v");
}

TEST_F(StorageEngineTest, SecondOpenOfSameDirectoryFailsCleanly) {
  auto first = open_engine();
  ASSERT_NE(first, nullptr);
  put(*first, ColumnFamily::kRows, "k", "v");

  Result<std::unique_ptr<StorageEngine>> second = StorageEngine::open(options_);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kInternalStorageError);
  EXPECT_NE(second.status().message().find("locked"), std::string::npos) << second.status().message();
  EXPECT_NE(second.status().message().find(options_.path), std::string::npos) << second.status().message();

  // The first engine is unaffected, and once it is closed the directory opens again.
  EXPECT_EQ(get(*first, ColumnFamily::kRows, "k"), "v");
  ASSERT_TRUE(first->close().is_ok());
  auto third = open_engine();
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(get(*third, ColumnFamily::kRows, "k"), "v");
}

TEST_F(StorageEngineTest, OpenErrors) {
  StorageOptions empty;
  Result<std::unique_ptr<StorageEngine>> no_path = StorageEngine::open(empty);
  ASSERT_FALSE(no_path.is_ok());
  EXPECT_EQ(no_path.status().code(), ErrorCode::kInvalidArgument);

  // A regular file where the directory should be.
  const std::filesystem::path file = root_ / "not_a_dir";
  std::ofstream(file) << "x";
  StorageOptions on_file;
  on_file.path = (file / "rocksdb").string();
  Result<std::unique_ptr<StorageEngine>> bad = StorageEngine::open(on_file);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInternalStorageError);
}

TEST_F(StorageEngineTest, ClosedEngineReturnsErrors) {
  auto engine = open_engine();
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->close().is_ok());
  EXPECT_FALSE(engine->get(ColumnFamily::kRows, "k").is_ok());
  WriteBatch batch;
  batch.put(ColumnFamily::kRows, "k", "v");
  EXPECT_EQ(engine->write(batch).code(), ErrorCode::kInternalStorageError);
  EXPECT_FALSE(
      engine->scan_prefix(ColumnFamily::kRows, "", [](std::string_view, std::string_view) { return true; })
          .is_ok());
  EXPECT_FALSE(engine->approximate_count(ColumnFamily::kRows, "").is_ok());
  EXPECT_FALSE(engine->flush_memtables().is_ok());
}

}  // namespace
}  // namespace kalam
