// The table store below the engine: cursors (primary key, index, _seq) reading through
// a write set, the commit (locks, conflicts, _seq order, publication), eviction that
// reads only expired entries, the consistency check, and the upgrade of older data.
#include "table_store/table_store.h"

#include <atomic>
#include <thread>

#include "../sql/executor_test_fixture.h"
#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "sql/executor/helpers/index_builds.h"
#include "storage/key_encoding.h"
#include "table_store/commit_sequencer.h"
#include "table_store/key_layout.h"
#include "table_store/lock_table.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

class RecordingLive final : public LiveQueryManager {
 public:
  void publish(const std::vector<RowChange>& changes) override {
    std::lock_guard<std::mutex> lock(mutex);
    for (const RowChange& change : changes) seqs.push_back(change.seq);
  }
  std::mutex mutex;
  std::vector<int64_t> seqs;
};

class TableStoreTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    ASSERT_FALSE(run("root", Role::kSystem,
                     "CREATE NAMESPACE app; CREATE SHARED TABLE app.t (id INT PRIMARY KEY, v TEXT, n INT); "
                     "CREATE INDEX t_n ON app.t (n)")
                     .error);
  }
  ScopeRef ref() { return ScopeRef::of(registry_->snapshot()->find_table("app", "t")->schema, ""); }
  StoredRow row(int64_t id, const std::string& v, int64_t n) {
    StoredRow out;
    out.schema_version = 1;
    out.seq = ids_->next();
    out.cells = {{1, Value(id)}, {2, Value(v)}, {3, Value(n)}};
    return out;
  }
  // Writes rows id 0..count-1 (n = id % 10) in one commit.
  void fill(int64_t count) {
    WriteSet writes;
    ScopeRef table = ref();
    for (int64_t id = 0; id < count; ++id) {
      std::string key = tables_->row_key(table, {Value(id)});
      auto old = tables_->load_for_write(writes, table, key);
      ASSERT_TRUE(old.is_ok());
      tables_->put(writes, table, key, *old, row(id, "v" + std::to_string(id), id % 10));
    }
    ASSERT_TRUE(tables_->commit(writes, WriteBatch(), nullptr).is_ok());
  }
  std::vector<int64_t> ids(RowCursor& cursor) {
    std::vector<int64_t> out;
    while (cursor.valid()) {
      out.push_back(std::get<int64_t>(*cursor.row().cell(1)));
      EXPECT_TRUE(cursor.next().is_ok());
    }
    return out;
  }
};

TEST_F(TableStoreTest, PrimaryKeyCursorReadsRangesBothWaysWithALimit) {
  fill(100);
  ScanSpec spec;
  spec.lower = ScanBound{Value(int64_t{10}), true};
  spec.upper = ScanBound{Value(int64_t{20}), false};
  auto cursor = tables_->open_cursor(ReadView{}, ref(), spec);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(ids(**cursor).size(), 10u);
  spec.reverse = true;
  spec.limit = 3;
  cursor = tables_->open_cursor(ReadView{}, ref(), spec);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(ids(**cursor), (std::vector<int64_t>{19, 18, 17}));
  EXPECT_LE((*cursor)->entries_read(), 4u) << "a limit stops the read";
}

TEST_F(TableStoreTest, CursorsReadTheirOwnWritesAndHideTombstones) {
  fill(10);
  ScopeRef table = ref();
  WriteSet writes;
  // update id 3 to n = 7, delete id 5, insert id 50 (n = 7)
  for (auto [id, n, deleted] :
       {std::tuple<int64_t, int64_t, bool>{3, 7, false}, {5, 5, true}, {50, 7, false}}) {
    std::string key = tables_->row_key(table, {Value(id)});
    auto old = tables_->load_for_write(writes, table, key);
    ASSERT_TRUE(old.is_ok());
    StoredRow next = row(id, "w", n);
    next.deleted = deleted;
    tables_->put(writes, table, key, *old, next);
  }
  ReadView view{storage_->snapshot(), &writes, now_unix_micros()};
  ScanSpec by_index;
  by_index.access = ScanSpec::Access::kIndex;
  by_index.index_id = table.schema->find_index("t_n")->index_id;
  by_index.equal = {Value(int64_t{7})};
  auto cursor = tables_->open_cursor(view, table, by_index);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(ids(**cursor), (std::vector<int64_t>{3, 7, 50})) << "index order: (n, id)";
  ScanSpec all;
  cursor = tables_->open_cursor(view, table, all);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(ids(**cursor), (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9, 50}));
  all.include_deleted = true;
  cursor = tables_->open_cursor(view, table, all);
  EXPECT_EQ(ids(**cursor).size(), 11u);
  // without the write set nothing changed
  cursor = tables_->open_cursor(ReadView{}, table, by_index);
  EXPECT_EQ(ids(**cursor), (std::vector<int64_t>{7}));
}

TEST_F(TableStoreTest, CommitsDrawIncreasingSeqsAndPublishInCommitOrder) {
  RecordingLive live;
  std::atomic<int> conflicts{0};
  auto writer = [&](int64_t first) {
    for (int64_t id = first; id < first + 50; ++id) {
      WriteSet writes;
      ScopeRef table = ref();
      std::string key = tables_->row_key(table, {Value(id % 60)});
      auto old = tables_->load_for_write(writes, table, key);
      ASSERT_TRUE(old.is_ok());
      tables_->put(writes, table, key, *old, row(id % 60, "x", id));
      RowChange change;
      change.seq = 1;
      writes.add_change(change);
      Status status = tables_->commit(writes, WriteBatch(), &live);
      if (!status.is_ok()) {
        EXPECT_TRUE(status.code() == ErrorCode::kTransactionConflict ||
                    status.code() == ErrorCode::kPrimaryKeyViolation)
            << status.to_string();
        conflicts++;
      } else {
        EXPECT_GT(writes.final_seq_of(0), 0);
      }
    }
  };
  std::thread a(writer, 0), b(writer, 30);
  a.join();
  b.join();
  ASSERT_GE(live.seqs.size(), 50u);
  for (size_t idx = 1; idx < live.seqs.size(); ++idx) EXPECT_LT(live.seqs[idx - 1], live.seqs[idx]);
  EXPECT_EQ(tables_->visible_seq(), live.seqs.back()) << "idle: every commit is settled";
  auto on_disk = TableStore::last_seq_on_disk(*storage_);
  ASSERT_TRUE(on_disk.is_ok());
  EXPECT_GT(*on_disk, live.seqs.back()) << "start-up advances past every _seq written";
  EXPECT_LT(snowflake_unix_ms(*on_disk),
            snowflake_unix_ms(live.seqs.back()) + 2 * TableStore::kHighWaterStepMs + 2);
}

TEST_F(TableStoreTest, AChangedKeyFailsTheLaterCommit) {
  fill(3);
  ScopeRef table = ref();
  std::string key = tables_->row_key(table, {Value(int64_t{1})});
  WriteSet first, second;
  auto seen_first = tables_->load_for_write(first, table, key);
  auto seen_second = tables_->load_for_write(second, table, key);
  tables_->put(first, table, key, *seen_first, row(1, "first", 1));
  tables_->put(second, table, key, *seen_second, row(1, "second", 1));
  ASSERT_TRUE(tables_->commit(first, WriteBatch(), nullptr).is_ok());
  EXPECT_EQ(tables_->commit(second, WriteBatch(), nullptr).code(), ErrorCode::kTransactionConflict);
}

TEST_F(TableStoreTest, SeqCursorReturnsChangesAfterASeqInOrder) {
  fill(5);
  ScopeRef table = ref();
  ScanSpec seq;
  seq.access = ScanSpec::Access::kSeq;
  auto cursor = tables_->open_cursor(ReadView{}, table, seq);
  ASSERT_TRUE(cursor.is_ok());
  std::vector<int64_t> seqs;
  while ((*cursor)->valid()) {
    seqs.push_back((*cursor)->row().seq);
    ASSERT_TRUE((*cursor)->next().is_ok());
  }
  ASSERT_EQ(seqs.size(), 5u);
  // a delete of id 2 moves it past every other row, as a tombstone
  ASSERT_FALSE(run("root", Role::kSystem, "DELETE FROM app.t WHERE id = 2").error);
  seq.lower = ScanBound{Value(seqs.back()), false};
  seq.include_deleted = true;
  cursor = tables_->open_cursor(ReadView{}, table, seq);
  ASSERT_TRUE(cursor.is_ok());
  ASSERT_TRUE((*cursor)->valid());
  EXPECT_TRUE((*cursor)->row().deleted);
  EXPECT_EQ(std::get<int64_t>(*(*cursor)->row().cell(1)), 2);
}

// A reader of "changes after S" must never see a later commit while an earlier one is
// still being written: it would move S past the earlier commit and never see it.
TEST_F(TableStoreTest, SeqReadsNeverSeeALaterCommitBeforeAnEarlierOne) {
  fill(1);
  ScopeRef table = ref();
  ScanSpec after;
  after.access = ScanSpec::Access::kSeq;
  after.lower = ScanBound{Value(tables_->visible_seq()), false};
  auto write_one = [&](int64_t id, const TableStore::BeforeWrite& before_write) {
    WriteSet writes;
    std::string key = tables_->row_key(table, {Value(id)});
    auto old = tables_->load_for_write(writes, table, key);
    ASSERT_TRUE(old.is_ok());
    tables_->put(writes, table, key, *old, row(id, "x", 1));
    ASSERT_TRUE(tables_->commit(writes, WriteBatch(), nullptr, before_write).is_ok());
  };
  std::atomic<bool> first_in{false}, release_first{false};
  std::thread first([&] {
    write_one(100, [&] {
      first_in = true;
      while (!release_first) std::this_thread::yield();
      return Status::ok();
    });
  });
  while (!first_in) std::this_thread::yield();
  write_one(200, nullptr);  // drew a later _seq, written first
  ReadView pinned;
  tables_->pin(pinned);
  for (const ReadView& view : {ReadView{}, pinned}) {
    auto cursor = tables_->open_cursor(view, table, after);
    ASSERT_TRUE(cursor.is_ok());
    EXPECT_TRUE(ids(**cursor).empty()) << "the later commit waits for the earlier one";
  }
  release_first = true;
  first.join();
  auto cursor = tables_->open_cursor(ReadView{}, table, after);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_EQ(ids(**cursor), (std::vector<int64_t>{100, 200}));
  cursor = tables_->open_cursor(pinned, table, after);
  ASSERT_TRUE(cursor.is_ok());
  EXPECT_TRUE(ids(**cursor).empty()) << "a pinned view keeps its point";
}

TEST_F(TableStoreTest, InterruptedIndexBuildsAreFinishedOrDroppedAtStartUp) {
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE SHARED TABLE app.s (id INT PRIMARY KEY, u TEXT UNIQUE, n INT); "
                   "INSERT INTO app.s (id, u, n) VALUES (1, 'a', 1), (2, 'b', 2), (3, NULL, 2)")
                   .error);
  // What a process killed during three builds leaves: the UNIQUE column's index
  // `building` with no entries, an explicit index and a REINDEX copy `building`.
  {
    CatalogChange change = registry_->begin_change();
    const TableDef* table = change.current().find_table("app", "s");
    TableSchema schema = *table->schema;
    ASSERT_EQ(schema.indexes.size(), 1u);
    IndexDef& implicit = schema.indexes[0];
    implicit.state = IndexState::kBuilding;
    IndexDef copy = implicit;
    copy.index_id = schema.next_index_id++;
    copy.replaces_index_id = implicit.index_id;
    IndexDef by_n;
    by_n.index_id = schema.next_index_id++;
    by_n.name = "s_n";
    by_n.column_ids = {schema.find_column("n")->column_id};
    by_n.descending = {false};
    by_n.state = IndexState::kBuilding;
    TableStore::delete_index(change.batch(), schema.table_id, implicit.index_id);
    schema.indexes.push_back(copy);
    schema.indexes.push_back(by_n);
    schema.index_epoch++;
    put_table_schema(change, *table, std::move(schema), now_unix_micros());
    ASSERT_TRUE(change.commit().is_ok());
  }
  ASSERT_TRUE(tables_->finish_interrupted_index_builds().is_ok());
  auto catalog = registry_->snapshot();
  const TableSchema& schema = *catalog->find_table("app", "s")->schema;
  ASSERT_EQ(schema.indexes.size(), 1u) << "the explicit index and the copy are dropped";
  EXPECT_TRUE(schema.indexes[0].implicit);
  EXPECT_EQ(schema.indexes[0].state, IndexState::kReady) << "the UNIQUE column's index is built";
  auto report = tables_->check_table(schema);
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  EXPECT_EQ(error_of(run("root", Role::kSystem, "INSERT INTO app.s (id, u) VALUES (9, 'a')")),
            ErrorCode::kPrimaryKeyViolation);
}

TEST_F(TableStoreTest, CheckTableFindsAStrayIndexEntryAndReindexRepairsIt) {
  fill(20);
  auto report = tables_->check_table(*ref().schema);
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->problems.empty());
  EXPECT_EQ(report->index_entries, 20u);
  // an entry whose row does not hold its value
  const ScopeRef table = ref();
  uint32_t index_id = table.schema->find_index("t_n")->index_id;
  std::string key = tables_->row_key(table, {Value(int64_t{4})});
  WriteBatch stray;
  stray.put(ColumnFamily::kIndex,
            index_entry_key(index_scope_prefix(table.schema->table_id, index_id, ""), {Value(int64_t{99})},
                            pk_suffix(key, table.scope_prefix.size())),
            "");
  ASSERT_TRUE(storage_->write(stray).is_ok());
  report = tables_->check_table(*ref().schema);
  ASSERT_TRUE(report.is_ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("does not match"), std::string::npos) << report->problems[0];
  ASSERT_FALSE(run("root", Role::kSystem, "REINDEX app.t").error);
  report = tables_->check_table(*ref().schema);
  ASSERT_TRUE(report.is_ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems[0];
}

TEST_F(TableStoreTest, EvictionReadsOnlyTheExpiredEntries) {
  ASSERT_FALSE(run("root", Role::kSystem, "CREATE STREAM TABLE app.ticks (v INT) TTL 1").error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.ticks (v) VALUES (1), (2)").error);
  ASSERT_FALSE(run("bob", Role::kUser, "INSERT INTO app.ticks (v) VALUES (3)").error);
  auto schema = registry_->snapshot()->find_table("app", "ticks")->schema;
  auto none = tables_->evict_expired(*schema, now_unix_micros());
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(*none, 0u);
  auto evicted = tables_->evict_expired(*schema, now_unix_micros() + 2'000'000);
  ASSERT_TRUE(evicted.is_ok());
  EXPECT_EQ(*evicted, 3u);
  auto report = tables_->check_table(*schema);
  ASSERT_TRUE(report.is_ok());
  EXPECT_EQ(report->rows, 0u);
  EXPECT_EQ(report->seq_entries, 0u) << "the _seq entries go with the rows";
}

TEST_F(TableStoreTest, UpgradeMovesStreamRowsAndBuildsSeqAndUniqueEntries) {
  // Data as the previous format left it: STREAM rows in `rows`, no _seq entries, and a
  // UNIQUE column without its index.
  ASSERT_FALSE(run("root", Role::kSystem,
                   "CREATE STREAM TABLE app.events (v INT) TTL 3600; "
                   "CREATE SHARED TABLE app.u (id INT PRIMARY KEY, email TEXT UNIQUE)")
                   .error);
  ASSERT_FALSE(run("alice", Role::kUser, "INSERT INTO app.events (v) VALUES (1), (2)").error);
  ASSERT_FALSE(run("root", Role::kSystem, "INSERT INTO app.u (id, email) VALUES (1, 'a'), (2, 'b')").error);
  auto snapshot = registry_->snapshot();
  const TableDef* events = snapshot->find_table("app", "events");
  const TableDef* users = snapshot->find_table("app", "u");
  WriteBatch downgrade;
  for (const TableDef* table : {events, users}) {
    KeyEncoder begin;
    begin.append_u64(table->table_id);
    std::string first = begin.release();
    ColumnFamily family = row_family(table->schema->table_type);
    ASSERT_TRUE(storage_
                    ->scan_prefix(family, first,
                                  [&](std::string_view key, std::string_view value) {
                                    downgrade.put(ColumnFamily::kRows, key, value);
                                    if (family != ColumnFamily::kRows) downgrade.del(family, key);
                                    return true;
                                  })
                    .is_ok());
    delete_index_data(downgrade, table->table_id, 1);
  }
  // every _seq and expiry entry of both tables
  for (uint8_t kind : {uint8_t{1}, uint8_t{3}}) {
    KeyEncoder begin, end;
    begin.append_raw(std::string(1, static_cast<char>(kind)));
    end.append_raw(std::string(1, static_cast<char>(kind + 1)));
    downgrade.del_range(ColumnFamily::kIndex, begin.data(), end.data());
  }
  downgrade.del(ColumnFamily::kSystem, "meta:table_store_format");
  ASSERT_TRUE(storage_->write(downgrade).is_ok());
  {
    CatalogChange change = registry_->begin_change();
    TableDef def = *users;
    TableSchema schema = *def.schema;
    schema.indexes.clear();
    def.definition_json = encode_table_schema(schema);
    def.schema = std::make_shared<const TableSchema>(std::move(schema));
    change.put_table(std::move(def));
    ASSERT_TRUE(change.commit().is_ok());
  }
  ASSERT_FALSE(
      tables_->check_table(*registry_->snapshot()->find_table("app", "u")->schema)->problems.empty());

  ASSERT_TRUE(tables_->upgrade_stored_format().is_ok());
  snapshot = registry_->snapshot();
  for (const char* name : {"events", "u"}) {
    auto report = tables_->check_table(*snapshot->find_table("app", name)->schema);
    ASSERT_TRUE(report.is_ok());
    EXPECT_TRUE(report->problems.empty()) << name << ": " << report->problems[0];
    EXPECT_EQ(report->rows, 2u) << name;
  }
  EXPECT_EQ(snapshot->find_table("app", "u")->schema->indexes.size(), 1u);
  auto count = run("alice", Role::kUser, "SELECT COUNT(*) FROM app.events");
  EXPECT_EQ(std::get<int64_t>(result_rows(count.results[0].result)->rows[0][0]), 2);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "INSERT INTO app.u (id, email) VALUES (3, 'a')")),
            ErrorCode::kPrimaryKeyViolation);
}

TEST(KeyLockTableTest, LocksAreExclusiveAndTheTableEmpties) {
  KeyLockTable locks;
  std::vector<std::string> keys = {"a", "b"};
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  auto worker = [&] {
    for (int round = 0; round < 200; ++round) {
      KeyLockGuard guard(locks, keys);
      int now = ++inside;
      max_inside = std::max(max_inside.load(), now);
      --inside;
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(locks.size(), 0u);
}

TEST(CommitSequencerTest, PublishesInTicketOrderWhateverOrderTheyFinish) {
  SnowflakeGenerator ids(0);
  CommitSequencer sequencer(ids);
  RecordingLive live;
  auto first = sequencer.begin(1);
  auto second = sequencer.begin(2);
  RowChange change;
  change.seq = second.seqs[0];
  sequencer.finish(second, &live, {change});
  EXPECT_TRUE(live.seqs.empty()) << "held back by the earlier commit";
  EXPECT_EQ(sequencer.visible_seq(), first.seqs[0] - 1) << "below the commit still in flight";
  change.seq = first.seqs[0];
  sequencer.finish(first, &live, {change});
  ASSERT_EQ(live.seqs.size(), 2u);
  EXPECT_EQ(live.seqs[0], first.seqs[0]);
  EXPECT_EQ(live.seqs[1], second.seqs[0]);
  int64_t idle = sequencer.visible_seq();
  EXPECT_EQ(idle, second.seqs.back()) << "nothing in flight: everything drawn is settled";
  EXPECT_GT(sequencer.begin(1).seqs[0], idle) << "later commits draw above it";
}

TEST(CommitSequencerTest, AFreshSequencerCoversTheValuesOfEarlierProcesses) {
  SnowflakeGenerator ids(0);
  int64_t earlier = ids.next();  // written by an earlier process (start-up advances past it)
  CommitSequencer sequencer(ids);
  int64_t visible = sequencer.visible_seq();
  EXPECT_GT(visible, earlier);
  EXPECT_EQ(sequencer.visible_seq(), visible) << "idle and nothing drawn since: the same point";
  EXPECT_GT(sequencer.begin(1).seqs[0], visible);
}

}  // namespace
}  // namespace kalam
