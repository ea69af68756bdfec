// Consistency of the engine's reads and writes against concurrent commits and DDL: an
// upsert's UPDATE acts on the row its probe found, a write set that spans an index
// change is refused, index reads inside a transaction follow only the entries of the
// row versions the transaction sees; index builds that are cancelled, dropped or run
// twice leave nothing behind; index DDL names no table the caller may not read.
#include <thread>

#include "executor_test_fixture.h"
#include "storage/key_encoding.h"
#include "table_store/key_layout.h"

namespace kalam {
namespace {

using testing::ExecutorTest;

class EngineConsistencyTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    ASSERT_FALSE(run("root", Role::kSystem, "CREATE NAMESPACE app").error);
  }
  void exec(const std::string& sql) {
    auto outcome = run("root", Role::kSystem, sql);
    ASSERT_FALSE(outcome.error) << sql << ": " << outcome.error->to_string();
  }
  std::vector<ResultRow> rows(const std::string& sql) {
    auto outcome = run("root", Role::kSystem, sql);
    EXPECT_FALSE(outcome.error) << sql << ": " << (outcome.error ? outcome.error->to_string() : "");
    if (outcome.error) return {};
    return result_rows(outcome.results.back().result)->rows;
  }
  // A transaction driven statement by statement, so that other sessions can act between.
  struct Tx {
    ExecutionContext ctx;
    std::vector<ParsedStatement> statements;
  };
  Tx begin_tx(const std::string& sql) {
    Tx tx{context("root", Role::kSystem), {}};
    size_t failed = 0;
    auto prepared = executor_->prepare(sql, {}, &failed);
    EXPECT_TRUE(prepared.is_ok());
    if (prepared.is_ok()) tx.statements = std::move(*prepared);
    return tx;
  }
  Result<ExecutionResult> step(Tx& tx, size_t index) {
    return executor_->execute_statement(tx.ctx, tx.statements.at(index));
  }
  // "(1), (2), …, (count)"
  static std::string id_list(int first, int last, const std::string& extra = "") {
    std::string values;
    for (int id = first; id <= last; ++id) {
      values += (id > first ? ", (" : "(") + std::to_string(id) + extra + ")";
    }
    return values;
  }
};

TEST_F(EngineConsistencyTest, ATransactionSpanningCreateUniqueIndexIsRefused) {
  exec("CREATE SHARED TABLE app.u (id INT PRIMARY KEY, email TEXT); INSERT INTO app.u VALUES (2, 'x')");
  Tx tx = begin_tx("BEGIN; INSERT INTO app.u VALUES (1, 'x'); INSERT INTO app.u VALUES (3, 'z'); COMMIT");
  ASSERT_TRUE(step(tx, 0).is_ok());
  ASSERT_TRUE(step(tx, 1).is_ok());
  // the index is created (and built) while the transaction holds a row it does not cover
  exec("CREATE UNIQUE INDEX u_email ON app.u (email)");
  auto third = step(tx, 2);
  auto commit = third.is_ok() ? step(tx, 3) : third;
  ASSERT_FALSE(commit.is_ok()) << "a write set derived from two index sets must not commit";
  EXPECT_EQ(commit.status().code(), ErrorCode::kTransactionConflict);
  EXPECT_EQ(rows("SELECT id FROM app.u ORDER BY id").size(), 1u);
  auto check = rows("CHECK TABLE app.u");
  ASSERT_FALSE(check.empty());
  for (const ResultRow& row : check) EXPECT_EQ(std::get<std::string>(row.at(2)), "ok");
}

TEST_F(EngineConsistencyTest, AnIndexReadInATransactionSkipsEntriesOfOtherVersions) {
  exec(
      "CREATE SHARED TABLE app.p (id INT PRIMARY KEY, n TEXT); CREATE INDEX p_n ON app.p (n); "
      "INSERT INTO app.p VALUES (1, 'a'), (2, 'c')");
  Tx tx = begin_tx(
      "BEGIN; UPDATE app.p SET n = 'b' WHERE id = 1; SELECT id, n FROM app.p WHERE n >= 'b' ORDER BY n, id; "
      "SELECT id FROM app.p WHERE n = 'c' LIMIT 1; ROLLBACK");
  ASSERT_TRUE(step(tx, 0).is_ok());
  ASSERT_TRUE(step(tx, 1).is_ok());
  // another session moves row 1 to n = 'c': the transaction's later snapshots hold that
  // entry, but the transaction's own version of row 1 has n = 'b'
  exec("UPDATE app.p SET n = 'c' WHERE id = 1");
  auto range = step(tx, 2);
  ASSERT_TRUE(range.is_ok()) << range.status().to_string();
  const RowsResult* seen = result_rows(*range);
  ASSERT_EQ(seen->rows.size(), 2u) << "row 1 once (as 'b'), row 2";
  EXPECT_EQ(std::get<int64_t>(seen->rows[0][0]), 1);
  EXPECT_EQ(std::get<std::string>(seen->rows[0][1]), "b");
  EXPECT_EQ(std::get<int64_t>(seen->rows[1][0]), 2);
  auto limited = step(tx, 3);
  ASSERT_TRUE(limited.is_ok()) << limited.status().to_string();
  ASSERT_EQ(result_rows(*limited)->rows.size(), 1u) << "the stale entry must not use up the LIMIT";
  EXPECT_EQ(std::get<int64_t>(result_rows(*limited)->rows[0][0]), 2);
  ASSERT_TRUE(step(tx, 4).is_ok());
}

// The probe of ON CONFLICT … DO UPDATE finds the conflicting row in the latest committed
// state; the UPDATE must act on that version, not on the statement's older snapshot.
// Concurrent writers commit to the last 100 keys while a 3,000-row upsert runs; each
// round either serializes (both succeed, and the upsert saw the other's rows) or one
// side fails. Before the fix most rounds lost the other writer's change or skipped rows.
TEST_F(EngineConsistencyTest, UpsertUpdatesTheVersionItsProbeFound) {
  exec("CREATE SHARED TABLE app.src (id INT PRIMARY KEY); INSERT INTO app.src (id) VALUES " +
       id_list(1, 3000));
  const std::string late_rows = id_list(2901, 3000, ", 100");
  for (int round = 0; round < 12; ++round) {
    std::string t = "app.t" + std::to_string(round);
    bool concurrent_update = round % 2 == 0;
    exec("CREATE SHARED TABLE " + t + " (id INT PRIMARY KEY, v INT)");
    if (concurrent_update) exec("INSERT INTO " + t + " (id, v) SELECT id, 0 FROM app.src WHERE id > 2900");
    BatchOutcome upsert, other;
    std::thread a([&] {
      upsert =
          run("root", Role::kSystem,
              "INSERT INTO " + t + " (id, v) SELECT id, 1 FROM app.src ON CONFLICT (id) DO UPDATE SET v = " +
                  t.substr(4) + ".v + 1");
    });
    std::thread b([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(400 * (round / 2)));
      other = run("root", Role::kSystem,
                  concurrent_update ? "UPDATE " + t + " SET v = v + 100 WHERE id > 2900"
                                    : "INSERT INTO " + t + " (id, v) VALUES " + late_rows);
    });
    a.join();
    b.join();
    auto late = rows("SELECT COUNT(*), MIN(v), MAX(v) FROM " + t + " WHERE id > 2900");
    ASSERT_EQ(late.size(), 1u);
    ASSERT_EQ(std::get<int64_t>(late[0][0]), 100);
    int64_t low = std::get<int64_t>(late[0][1]);
    int64_t high = std::get<int64_t>(late[0][2]);
    if (!upsert.error && !other.error) {
      // both committed: the upsert came second and added 1 to the other writer's rows
      EXPECT_EQ(low, 101) << "round " << round;
      EXPECT_EQ(high, 101) << "round " << round;
    } else if (upsert.error && !other.error) {
      EXPECT_TRUE(upsert.error->code() == ErrorCode::kTransactionConflict ||
                  upsert.error->code() == ErrorCode::kPrimaryKeyViolation)
          << upsert.error->to_string();
      EXPECT_EQ(low, 100);
      EXPECT_EQ(high, 100);
    } else if (!upsert.error) {
      EXPECT_EQ(low, 1) << "only the upsert committed";
      EXPECT_EQ(high, 1);
    }
    if (!upsert.error) {
      EXPECT_EQ(std::get<int64_t>(rows("SELECT COUNT(*) FROM " + t)[0][0]), 3000);
    }
  }
}

// An index build polls ctx.client_gone between batches. This hook acts once `ready()`
// holds (the DDL's catalog change is published, the build has begun); before that it
// answers "still here" slowly, so that the next poll is due at the build's first batch.
std::function<bool()> when_published(std::function<bool()> ready, std::function<bool()> act) {
  return [ready = std::move(ready), act = std::move(act)] {
    if (ready()) return act();
    std::this_thread::sleep_for(ExecutionContext::kCancelPollInterval + std::chrono::milliseconds(2));
    return false;
  };
}

class IndexBuildTest : public EngineConsistencyTest {
 protected:
  void SetUp() override {
    EngineConsistencyTest::SetUp();
    exec("CREATE SHARED TABLE app.big (id INT PRIMARY KEY, v INT, w INT)");
    std::string values;
    for (int id = 1; id <= 2500; ++id) {
      values += (id > 1 ? ", (" : "(") + std::to_string(id) + ", " + std::to_string(id % 7) + ", " +
                std::to_string(id) + ")";
    }
    exec("INSERT INTO app.big (id, v, w) VALUES " + values);
  }
  const TableSchema& big() {
    catalog_ = registry_->snapshot();
    return *catalog_->find_table("app", "big")->schema;
  }
  // Index entries stored for `index_id` of app.big (a SHARED table: one scope).
  size_t stored_entries(uint32_t index_id) {
    std::string prefix = index_scope_prefix(big().table_id, index_id, "");
    auto iterator = storage_->new_iterator(ColumnFamily::kIndex, prefix, prefix_successor(prefix));
    EXPECT_TRUE(iterator.is_ok());
    size_t count = 0;
    for ((*iterator)->seek(prefix); (*iterator)->valid(); (*iterator)->next()) ++count;
    return count;
  }
  std::shared_ptr<const CatalogSnapshot> catalog_;
};

TEST_F(IndexBuildTest, AnIndexDroppedWhileItIsBuiltLeavesNoEntries) {
  ExecutionContext ctx = context("root", Role::kSystem);
  uint32_t index_id = big().next_index_id;
  ctx.client_gone = when_published([&] { return big().find_index("big_w") != nullptr; },
                                   [&] {
                                     std::thread drop([&] { exec("DROP INDEX app.big_w"); });
                                     drop.join();
                                     return false;
                                   });
  auto outcome = executor_->execute_batch(ctx, "CREATE INDEX big_w ON app.big (w)");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kNotFoundIndex) << outcome.error->to_string();
  EXPECT_EQ(big().find_index("big_w"), nullptr);
  EXPECT_EQ(stored_entries(index_id), 0u) << "entries of a dropped index are purged";
  exec("CREATE INDEX big_w ON app.big (w)");  // the name is free again
  EXPECT_EQ(stored_entries(big().find_index("big_w")->index_id), 2500u);
}

TEST_F(IndexBuildTest, AddColumnUniqueWhoseBuildFailsLeavesNoColumn) {
  ExecutionContext ctx = context("root", Role::kSystem);
  ctx.client_gone = when_published([&] { return big().find_column("u") != nullptr; }, [] { return true; });
  auto outcome = executor_->execute_batch(ctx, "ALTER TABLE app.big ADD COLUMN u INT UNIQUE");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kCancelled) << outcome.error->to_string();
  EXPECT_EQ(big().find_column("u"), nullptr) << "the failed ADD COLUMN is undone";
  for (const IndexDef& index : big().indexes) EXPECT_NE(index.name, "big_u_key");
  bool reverted = false;
  for (const AuditEntry& entry : audit_rows()) {
    reverted = reverted ||
               (entry.action == "ALTER_TABLE" && entry.details_json.find("drop_column") != std::string::npos);
  }
  EXPECT_TRUE(reverted) << "the undo is audited";
  // later ALTERs neither fail nor rebuild anything
  exec("ALTER TABLE app.big ADD COLUMN z INT");
  exec("ALTER TABLE app.big ADD COLUMN u INT UNIQUE");
  EXPECT_NE(big().find_column("u"), nullptr);
  EXPECT_EQ(error_of(run("root", Role::kSystem, "UPDATE app.big SET u = 7 WHERE id IN (1, 2)")),
            ErrorCode::kPrimaryKeyViolation);
}

TEST_F(IndexBuildTest, AFailedReindexOfATableLeavesNoCopyBehind) {
  exec("CREATE INDEX big_v ON app.big (v); CREATE INDEX big_w ON app.big (w)");
  ExecutionContext ctx = context("root", Role::kSystem);
  ctx.client_gone = when_published(
      [&] {
        for (const IndexDef& index : big().indexes) {
          if (index.replaces_index_id != 0) return true;
        }
        return false;
      },
      [] { return true; });
  auto outcome = executor_->execute_batch(ctx, "REINDEX app.big");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kCancelled) << outcome.error->to_string();
  for (const IndexDef& index : big().indexes) {
    EXPECT_EQ(index.replaces_index_id, 0u) << index.name << ": a copy was left behind";
    EXPECT_EQ(index.state, IndexState::kReady) << index.name;
  }
  exec("REINDEX app.big");  // not blocked by a leftover copy
  EXPECT_EQ(rows("SELECT index_name FROM system.indexes WHERE table_name = 'big' AND state = 'ready'").size(),
            2u);
  auto check = rows("CHECK TABLE app.big");
  ASSERT_EQ(check.size(), 1u);
  EXPECT_EQ(std::get<std::string>(check[0][2]), "ok");
}

TEST_F(IndexBuildTest, UndoingAFailedAddColumnDropsAnIndexMadeOnItMeanwhile) {
  ExecutionContext ctx = context("root", Role::kSystem);
  ctx.client_gone =
      when_published([&] { return big().find_column("u") != nullptr; },
                     [&] {
                       std::thread other([&] { exec("CREATE INDEX big_uw ON app.big (u, w)"); });
                       other.join();
                       return true;
                     });
  auto outcome = executor_->execute_batch(ctx, "ALTER TABLE app.big ADD COLUMN u INT UNIQUE");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(big().find_column("u"), nullptr);
  EXPECT_EQ(big().find_index("big_uw"), nullptr);
  bool audited = false;
  for (const AuditEntry& entry : audit_rows()) {
    audited = audited || (entry.action == "DROP_INDEX" && entry.target == "index:app.big_uw" &&
                          entry.details_json.find("ADD COLUMN failed") != std::string::npos);
  }
  EXPECT_TRUE(audited) << "the index the undo removed is audited";
}

TEST_F(IndexBuildTest, ASecondReindexOfABuildingIndexIsRefused) {
  exec("CREATE INDEX big_v ON app.big (v)");
  ExecutionContext ctx = context("root", Role::kSystem);
  BatchOutcome second;
  bool ran = false;
  ctx.client_gone = when_published(
      [&] {
        for (const IndexDef& index : big().indexes) {
          if (index.replaces_index_id != 0) return true;
        }
        return false;
      },
      [&] {
        if (!ran) {
          ran = true;
          std::thread other([&] { second = run("root", Role::kSystem, "REINDEX app.big_v"); });
          other.join();
        }
        return false;
      });
  auto first = executor_->execute_batch(ctx, "REINDEX app.big_v");
  ASSERT_FALSE(first.error) << first.error->to_string();
  ASSERT_TRUE(ran);
  ASSERT_TRUE(second.error);
  EXPECT_EQ(second.error->code(), ErrorCode::kTransactionConflict) << second.error->to_string();
  auto listed = rows("SELECT state FROM system.indexes WHERE index_name = 'big_v'");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(std::get<std::string>(listed[0][0]), "ready");
  exec("DROP INDEX app.big_v");
  EXPECT_TRUE(rows("SELECT index_name FROM system.indexes WHERE index_name = 'big_v'").empty());
}

TEST_F(EngineConsistencyTest, AnIndexReadInATransactionSeesItsRowWhoseValuesItKept) {
  exec(
      "CREATE SHARED TABLE app.p (id INT PRIMARY KEY, n TEXT, x INT); CREATE INDEX p_n ON app.p (n); "
      "INSERT INTO app.p VALUES (1, 'a', 0)");
  Tx tx =
      begin_tx("BEGIN; UPDATE app.p SET x = 5 WHERE id = 1; SELECT id, x FROM app.p WHERE n = 'a'; ROLLBACK");
  ASSERT_TRUE(step(tx, 0).is_ok());
  ASSERT_TRUE(step(tx, 1).is_ok());
  // another session moves row 1 to n = 'c'; the transaction's version still has n = 'a'
  exec("UPDATE app.p SET n = 'c' WHERE id = 1");
  auto seen = step(tx, 2);
  ASSERT_TRUE(seen.is_ok()) << seen.status().to_string();
  ASSERT_EQ(result_rows(*seen)->rows.size(), 1u) << "the transaction's own row, through the index";
  EXPECT_EQ(std::get<int64_t>(result_rows(*seen)->rows[0][1]), 5);
  ASSERT_TRUE(step(tx, 3).is_ok());
}

TEST_F(EngineConsistencyTest, IndexDdlNamesNoTableTheCallerCannotRead) {
  exec(
      "CREATE SHARED TABLE app.payroll_secret (id INT PRIMARY KEY, amount INT) WITH (ACCESS_LEVEL = "
      "'RESTRICTED'); CREATE INDEX pay_idx ON app.payroll_secret (amount)");
  for (const char* sql : {"DROP INDEX app.pay_idx", "REINDEX app.pay_idx", "DROP INDEX app.no_such_idx",
                          "REINDEX app.payroll_secret"}) {
    auto outcome = run("alice", Role::kUser, sql);
    ASSERT_TRUE(outcome.error) << sql;
    EXPECT_EQ(outcome.error->code(), ErrorCode::kNotFoundIndex) << sql << ": " << outcome.error->to_string();
    if (std::string(sql).find("payroll") == std::string::npos) {
      EXPECT_EQ(outcome.error->to_string().find("payroll"), std::string::npos) << outcome.error->to_string();
    }
  }
}

TEST_F(EngineConsistencyTest, TablesAndIndexesShareTheirNamespacesNames) {
  exec(
      "CREATE SHARED TABLE app.t1 (id INT PRIMARY KEY, a INT, email TEXT UNIQUE); CREATE INDEX clash ON "
      "app.t1 (a)");
  for (const char* sql : {"CREATE SHARED TABLE app.clash (id INT PRIMARY KEY)",
                          "CREATE SHARED TABLE IF NOT EXISTS app.clash (id INT PRIMARY KEY)",
                          "CREATE SHARED TABLE app.t1_email_key (id INT PRIMARY KEY)"}) {
    EXPECT_EQ(error_of(run("root", Role::kSystem, sql)), ErrorCode::kAlreadyExists) << sql;
  }
  // an implicit index name is cut to 64 characters, so that REINDEX can name it
  std::string long_table = "t" + std::string(40, 'x');
  std::string long_column = "c" + std::string(40, 'y');
  exec("CREATE SHARED TABLE app." + long_table + " (id INT PRIMARY KEY, " + long_column + " TEXT UNIQUE)");
  auto names = rows("SELECT index_name FROM system.indexes WHERE table_name = '" + long_table + "'");
  ASSERT_EQ(names.size(), 1u);
  std::string name = std::get<std::string>(names[0][0]);
  EXPECT_LE(name.size(), 64u);
  exec("REINDEX app." + name);
}

TEST_F(EngineConsistencyTest, AUniqueIndexBuildWithholdsOtherUsersValues) {
  ASSERT_FALSE(
      run("alice", Role::kUser, "CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, secret TEXT)").error);
  ASSERT_FALSE(run("bob", Role::kUser,
                   "INSERT INTO app.notes (id, secret) VALUES (1, 'bob-ssn-123'), (2, 'bob-ssn-123')")
                   .error);
  auto outcome = run("alice", Role::kUser, "CREATE UNIQUE INDEX notes_secret ON app.notes (secret)");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->code(), ErrorCode::kPrimaryKeyViolation);
  EXPECT_EQ(outcome.error->to_string().find("bob-ssn"), std::string::npos) << outcome.error->to_string();
  // per user: alice's own rows may hold bob's value
  ASSERT_FALSE(
      run("alice", Role::kUser, "INSERT INTO app.notes (id, secret) VALUES (1, 'bob-ssn-123')").error);
}

}  // namespace
}  // namespace kalam
