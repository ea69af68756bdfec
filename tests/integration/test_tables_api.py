"""Tables through the HTTP API: typed parameters, concurrent writers of the same
key, name tricks across users, hidden tables."""
import http.client
import json
import os
import random
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402


class TablesApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        for user in ("alice", "bob"):
            cls.server.sql("CREATE USER %s WITH PASSWORD '%s-pass-1'" % (user, user), cls.root)
        cls.alice = cls.server.bearer("alice", "alice-pass-1")
        cls.bob = cls.server.bearer("bob", "bob-pass-1")
        resp = cls.server.sql("CREATE NAMESPACE app; CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, body TEXT, "
                              "at TIMESTAMP); CREATE SHARED TABLE app.secret (id INT PRIMARY KEY, v TEXT) WITH "
                              "(ACCESS_LEVEL = 'RESTRICTED'); CREATE SHARED TABLE app.counter (id INT PRIMARY KEY, "
                              "n INT)", cls.root)
        assert resp.status == 200, resp.body

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_parameter_type_mismatch_names_the_parameter(self):
        resp = self.server.sql("INSERT INTO app.notes (id, body) VALUES ($1, $2)", self.alice, params=["not-a-number", "x"])
        self.assertEqual((resp.status, resp.code), (400, "PARAM_TYPE_MISMATCH"), resp.body)
        details = resp.json()["error"]["details"]
        self.assertEqual(details["index"], 1)
        self.assertEqual(details["expected_type"], "BIGINT")
        self.assertEqual(details["actual_type"], "TEXT")
        self.assertEqual(details["column_name"], "id")
        ok = self.server.sql("INSERT INTO app.notes (id, body, at) VALUES ($1, $2, $3)", self.alice,
                             params=[7, "typed", "2026-11-24T10:15:30Z"])
        self.assertEqual(ok.status, 200, ok.body)
        row = self.server.sql("SELECT id, at FROM app.notes WHERE id = $1", self.alice, params=[7]).json()
        self.assertEqual(row["results"][0]["rows"], [["7", "2026-11-24T10:15:30.000000Z"]])

    def test_parameter_type_mismatch_is_only_reported_for_parameters(self):
        literal = self.server.sql("INSERT INTO app.notes (id, body) VALUES ('x', $1)", self.alice, params=["x"])
        self.assertEqual((literal.status, literal.code), (400, "TYPE_MISMATCH"), literal.body)
        positional = self.server.sql("INSERT INTO app.notes VALUES ($2, $1, NULL)", self.alice, params=["b", "bad"])
        self.assertEqual((positional.status, positional.code), (400, "PARAM_TYPE_MISMATCH"), positional.body)
        self.assertEqual(positional.json()["error"]["details"]["index"], 2)
        self.server.sql("INSERT INTO app.notes (id, body) VALUES (8100, 'u')", self.alice)
        update = self.server.sql("UPDATE app.notes SET body = $1, at = $2 WHERE id = 8100", self.alice,
                                 params=["fine", "not-a-time"])
        self.assertEqual((update.status, update.code), (400, "PARAM_TYPE_MISMATCH"), update.body)
        self.assertEqual(update.json()["error"]["details"]["index"], 2)
        self.assertEqual(update.json()["error"]["details"]["column_name"], "at")
        selected = self.server.sql("INSERT INTO app.notes (id, body) SELECT $1, 'b'", self.alice, params=["nope"])
        self.assertEqual((selected.status, selected.code), (400, "PARAM_TYPE_MISMATCH"), selected.body)

    def test_result_schema_carries_column_flags(self):
        self.server.sql("INSERT INTO app.notes (id, body) VALUES (300, 'flags')", self.alice)
        body = self.server.sql("SELECT id, body, id + 1 AS next, _seq FROM app.notes WHERE id = 300", self.alice).json()
        schema = body["results"][0]["schema"]
        self.assertEqual([c["name"] for c in schema], ["id", "body", "next", "_seq"])
        self.assertEqual(schema[0]["flags"], ["pk", "nn"])
        self.assertEqual(schema[0]["data_type"], "BIGINT")
        self.assertEqual(schema[1]["flags"], [])
        self.assertEqual(schema[2]["flags"], [])
        self.assertEqual(schema[3]["flags"], ["nn"])
        unqualified = self.server.sql("SELECT id FROM notes WHERE id = 300", self.alice, namespace="app").json()
        self.assertEqual(unqualified["results"][0]["schema"][0]["flags"], ["pk", "nn"])

    def test_no_name_trick_reaches_another_users_rows(self):
        self.server.sql("INSERT INTO app.notes (id, body) VALUES (100, 'alice private')", self.alice)
        for sql in ['SELECT * FROM app.notes WHERE id = 100', 'SELECT * FROM "app.notes" WHERE id = 100',
                    'SELECT * FROM notes WHERE id = 100', 'SELECT body FROM app.notes WHERE body LIKE \'alice%\'']:
            resp = self.server.sql(sql, self.bob, namespace="app")
            if resp.status == 200:
                self.assertEqual(resp.json()["results"][0]["rows"], [], sql)
            else:
                self.assertIn(resp.code, ("NOT_FOUND_TABLE", "INVALID_SQL_SYNTAX"), (sql, resp.body))
        resp = self.server.sql("SELECT body FROM app.notes WHERE id = $1", self.bob, params=[100])
        self.assertEqual(resp.json()["results"][0]["rows"], [])

    def test_tables_a_user_cannot_read_look_missing(self):
        # statements an admin ran (and the engine cached) grant nothing to a user
        for _ in range(4):
            self.server.sql("SELECT * FROM app.secret", self.root)
            self.server.sql("INSERT INTO app.secret (id, v) VALUES (1, 'x')", self.root)
        for sql in ["SELECT * FROM app.secret", "DROP TABLE app.secret", "DESCRIBE app.secret",
                    "INSERT INTO app.secret (id, v) VALUES (1, 'x')", "ALTER TABLE app.secret ADD COLUMN z INT"]:
            resp = self.server.sql(sql, self.alice)
            self.assertEqual((resp.status, resp.code), (404, "NOT_FOUND_TABLE"), sql)
        tables = [r[1] for r in self.server.sql("SHOW TABLES", self.alice).json()["results"][0]["rows"]]
        self.assertNotIn("secret", tables)

    def race_codes(self, sql, keys):
        """race_over_keys, with each reply reduced to its error code (None on success)."""
        return [(key, status, json.loads(body).get("error", {}).get("code"))
                for key, status, body in self.race_over_keys(sql, keys)]

    def test_concurrent_inserts_of_one_key_admit_exactly_one(self):
        outcomes = self.race_codes("INSERT INTO app.counter (id, n) VALUES ($1, 1)", range(40))
        for key in range(40):
            mine = [o for o in outcomes if o[0] == key]
            self.assertEqual(sum(1 for o in mine if o[1] == 200), 1, mine)
            self.assertTrue(all(o[2] in (None, "PRIMARY_KEY_VIOLATION") for o in mine), mine)
        count = self.server.sql("SELECT COUNT(*) FROM app.counter WHERE id < 40", self.root).json()["results"][0]["rows"][0][0]
        self.assertEqual(int(count), 40)

    def test_concurrent_unique_values_admit_exactly_one(self):
        self.server.sql("CREATE TABLE app.handles (id BIGINT PRIMARY KEY, handle TEXT UNIQUE)", self.root)
        # every racer proposes its own id for the same handle
        outcomes = self.race_codes("INSERT INTO app.handles (id, handle) VALUES (snowflake_id(), 'h' || $1)",
                                   range(30))
        for n in range(30):
            mine = [o for o in outcomes if o[0] == n]
            self.assertEqual(sum(1 for o in mine if o[1] == 200), 1, mine)
            self.assertTrue(all(o[2] in (None, "PRIMARY_KEY_VIOLATION") for o in mine), mine)
        # moving a row to another key keeps its UNIQUE value without a false conflict
        moved = self.server.sql("UPDATE app.handles SET id = 1000 WHERE handle = 'h0'", self.root)
        self.assertEqual(moved.status, 200, moved.body)

    def increment_concurrently(self, sql, row_id, allowed_codes):
        """Runs `sql` 15 times in each of 4 threads; every acknowledged run must have added
        exactly 1 to app.counter's row `row_id`."""
        results = []
        lock = threading.Lock()

        def bump():
            for _ in range(15):
                resp = self.server.sql(sql, self.root)
                with lock:
                    results.append((resp.status, resp.json().get("error", {}).get("code")))

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertTrue(all(code in (None,) + allowed_codes for _, code in results), results)
        succeeded = sum(1 for status, _ in results if status == 200)
        n = self.server.sql("SELECT n FROM app.counter WHERE id = %d" % row_id, self.root).json()["results"][0]["rows"][0][0]
        self.assertEqual(int(n), succeeded, "every acknowledged increment is counted exactly once")

    def test_concurrent_increments_lose_no_update(self):
        self.server.sql("INSERT INTO app.counter (id, n) VALUES (1000, 0)", self.root)
        self.increment_concurrently("UPDATE app.counter SET n = n + 1 WHERE id = 1000", 1000, ("TRANSACTION_CONFLICT",))

    def test_namespace_id_names_a_quoted_namespace_as_written(self):
        resp = self.server.sql('CREATE NAMESPACE "Mixed"; CREATE TABLE "Mixed".notes (id INT PRIMARY KEY); '
                               'CREATE NAMESPACE lowered; CREATE TABLE lowered.notes (id INT PRIMARY KEY); '
                               'INSERT INTO lowered.notes VALUES (7)', self.root)
        self.assertEqual(resp.status, 200, resp.body)
        exact = self.server.sql("SELECT COUNT(*) FROM notes", self.root, namespace="Mixed").json()
        self.assertEqual(exact["results"][0]["rows"], [[0]], exact)
        folded = self.server.sql("SELECT id FROM notes", self.root, namespace="LOWERED").json()
        self.assertEqual(folded["results"][0]["rows"], [[7]], "no namespace is named LOWERED: read as lowered")
        missing = self.server.sql("SELECT id FROM notes", self.root, namespace="mixed")
        self.assertEqual(missing.code, "NOT_FOUND_TABLE", missing.body)

    def test_unqualified_names_of_another_namespace_do_not_stick(self):
        self.server.sql("CREATE NAMESPACE other; CREATE TABLE other.users (id INT PRIMARY KEY)", self.root)
        for _ in range(4):
            resp = self.server.sql("SELECT COUNT(*) FROM users", self.root, namespace="other")
            self.assertEqual(resp.json()["results"][0]["rows"], [[0]], resp.body)
        for _ in range(4):
            resp = self.server.sql("SELECT COUNT(*) FROM users", self.root)
            self.assertEqual(resp.status, 200, resp.body)
            self.assertGreaterEqual(resp.json()["results"][0]["rows"][0][0], 3, "system.users of the server")

    def test_update_counts_changed_rows_only(self):
        self.server.sql("INSERT INTO app.notes (id, body) VALUES (201, 'a'), (202, 'b')", self.bob)
        same = self.server.sql("UPDATE app.notes SET body = body WHERE id IN (201, 202)", self.bob).json()
        self.assertEqual(same["results"][0]["rows_affected"], 0)
        half = self.server.sql("UPDATE app.notes SET body = 'a' WHERE id IN (201, 202)", self.bob).json()
        self.assertEqual(half["results"][0]["rows_affected"], 1)

    def test_upsert_counts_rows_inserted_or_changed(self):
        sql = ("INSERT INTO app.counter (id, n) VALUES ($1, $2) "
               "ON CONFLICT (id) DO UPDATE SET n = counter.n + excluded.n RETURNING id, n")
        first = self.server.sql(sql, self.root, params=[5000, 3]).json()
        self.assertEqual(first["results"][0]["rows_affected"], 1, first)
        self.assertEqual(first["results"][0]["rows"], [[5000, 3]])
        self.assertEqual(first["results"][0]["row_count"], 1)
        self.assertEqual(first["results"][0]["schema"][0]["flags"], ["pk", "nn"])
        second = self.server.sql(sql, self.root, params=[5000, 4]).json()
        self.assertEqual((second["results"][0]["rows_affected"], second["results"][0]["rows"]), (1, [[5000, 7]]))
        unchanged = self.server.sql("INSERT INTO app.counter (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE "
                                    "SET n = excluded.n", self.root, params=[5000, 7]).json()
        self.assertEqual(unchanged["results"][0]["rows_affected"], 0, unchanged)
        self.assertNotIn("rows", unchanged["results"][0], "no RETURNING, no rows")
        mixed = self.server.sql("INSERT INTO app.counter (id, n) VALUES (5000, 1), (5001, 1), (5002, 1) "
                                "ON CONFLICT (id) DO UPDATE SET n = 1", self.root).json()
        self.assertEqual(mixed["results"][0]["rows_affected"], 3, mixed)
        bad = self.server.sql(sql, self.root, params=["x", 1])
        self.assertEqual((bad.status, bad.code), (400, "PARAM_TYPE_MISMATCH"), bad.body)
        audit = self.server.sql("SELECT action FROM system.audit_log WHERE target = 'table:app.counter' "
                                "ORDER BY audit_id DESC LIMIT 1", self.root).json()
        self.assertEqual(audit["results"][0]["rows"], [["INSERT"]])

    def test_returning_converts_values_like_select(self):
        body = self.server.sql("INSERT INTO app.notes (id, body, at) VALUES ($1, 'r', $2) RETURNING id, at, _seq",
                               self.alice, params=[9100, "2026-11-24T10:15:30Z"]).json()
        result = body["results"][0]
        self.assertEqual(result["rows"][0][:2], ["9100", "2026-11-24T10:15:30.000000Z"])
        self.assertEqual([c["data_type"] for c in result["schema"]], ["BIGINT", "TIMESTAMP", "BIGINT"])
        self.assertEqual((result["row_count"], result["rows_affected"], result["operation"]), (1, 1, "insert"))
        seq = self.server.sql("SELECT _seq FROM app.notes WHERE id = 9100", self.alice).json()
        self.assertEqual(seq["results"][0]["rows"][0][0], result["rows"][0][2], "RETURNING shows the stored _seq")
        gone = self.server.sql("DELETE FROM app.notes WHERE id = 9100 RETURNING body", self.alice).json()
        self.assertEqual((gone["results"][0]["rows"], gone["results"][0]["operation"]), ([["r"]], "delete"))
        none = self.server.sql("DELETE FROM app.notes WHERE id = 9100 RETURNING body", self.bob).json()
        self.assertEqual((none["results"][0]["rows"], none["results"][0]["rows_affected"]), ([], 0))

    def race_over_keys(self, sql, keys, threads=3):
        """Each of `threads` threads runs `sql` with params [key] for every key in order, on
        its own keep-alive connection, so that the threads reach each key together.
        Returns (key, HTTP status, body) for every request."""
        outcomes = []
        lock = threading.Lock()
        start = threading.Barrier(threads)

        def run_all():
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            start.wait()
            for key in keys:
                conn.request("POST", "/v1/api/sql", json.dumps({"sql": sql, "params": [key]}),
                             {"Content-Type": "application/json", "Authorization": self.root})
                resp = conn.getresponse()
                text = resp.read()
                with lock:
                    outcomes.append((key, resp.status, text))
            conn.close()

        workers = [threading.Thread(target=run_all) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return outcomes

    def test_concurrent_upserts_of_a_new_key_insert_once_and_update_once(self):
        outcomes = self.race_over_keys("INSERT INTO app.counter (id, n) VALUES ($1, 1) "
                                       "ON CONFLICT (id) DO UPDATE SET n = counter.n + 1", range(7000, 7200))
        # the loser of the insert race is run again and updates; two updates of the same
        # row at once are a TRANSACTION_CONFLICT, as for plain UPDATEs
        failed = [o for o in outcomes if o[1] != 200]
        self.assertTrue(all(b"TRANSACTION_CONFLICT" in body for _, _, body in failed), failed[:3])
        succeeded = {}
        for key, status, _ in outcomes:
            succeeded[key] = succeeded.get(key, 0) + (status == 200)
        rows = self.server.sql("SELECT id, n FROM app.counter WHERE id >= 7000 AND id < 7200", self.root).json()
        stored = {int(key): int(n) for key, n in rows["results"][0]["rows"]}
        self.assertEqual(stored, succeeded, "each acknowledged upsert inserted 1 or added 1")

    def test_concurrent_conflict_resolving_inserts_never_report_a_duplicate(self):
        self.server.sql("CREATE SHARED TABLE app.emails (id BIGINT PRIMARY KEY, email TEXT UNIQUE, n INT)", self.root)
        statements = [
            ("INSERT INTO app.counter (id, n) VALUES ($1, 1) ON CONFLICT DO NOTHING", range(9000, 9150)),
            ("INSERT OR IGNORE INTO app.counter (id, n) VALUES ($1, 1)", range(9200, 9350)),
            ("INSERT OR REPLACE INTO app.counter (id, n) VALUES ($1, 1)", range(9400, 9550)),
            # a UNIQUE target: every thread proposes a new id with the same e-mail
            ("INSERT INTO app.emails (id, email, n) VALUES (snowflake_id(), 'e' || $1, 1) "
             "ON CONFLICT (email) DO UPDATE SET n = emails.n + 1", range(0, 150)),
        ]
        for sql, keys in statements:
            outcomes = self.race_over_keys(sql, keys)
            duplicates = [o for o in outcomes if b"PRIMARY_KEY_VIOLATION" in o[2]]
            self.assertEqual(duplicates, [], sql)
            self.assertTrue(all(o[1] == 200 or b"TRANSACTION_CONFLICT" in o[2] for o in outcomes), sql)
        count = self.server.sql("SELECT COUNT(*) FROM app.emails", self.root).json()["results"][0]["rows"][0][0]
        self.assertEqual(int(count), 150, "one row per e-mail")

    def test_concurrent_upserts_lose_no_update(self):
        self.increment_concurrently("INSERT INTO app.counter (id, n) VALUES (6000, 1) "
                                    "ON CONFLICT (id) DO UPDATE SET n = counter.n + 1", 6000,
                                    ("TRANSACTION_CONFLICT", "PRIMARY_KEY_VIOLATION"))
    def test_audit_log_reads_narrowed_by_audit_id_match_a_full_scan(self):
        for n in range(12):
            self.server.sql("INSERT INTO app.counter (id, n) VALUES (%d, 0)" % (8000 + n), self.root)

        def rows(sql, params=None):
            resp = self.server.sql(sql, self.root, params=params)
            self.assertEqual(resp.status, 200, (sql, resp.body))
            return resp.json()["results"][0]["rows"]

        # a constraint the engine does not push down gives the full scan to compare with
        full = rows("SELECT audit_id, action FROM system.audit_log WHERE action LIKE '%' ORDER BY audit_id + 0")
        ids = [int(r[0]) for r in full]
        self.assertGreater(len(ids), 15)
        a, b = ids[3], ids[-4]

        def ids_of(sql, params=None):
            return [int(r[0]) for r in rows(sql, params)]

        base = "SELECT audit_id FROM system.audit_log "
        self.assertEqual(ids_of(base + "WHERE audit_id > %d" % a), ids[4:])
        self.assertEqual(ids_of(base + "WHERE audit_id >= %d AND audit_id < %d" % (a, b)), ids[3:-4])
        self.assertEqual(ids_of(base + "WHERE audit_id = %d" % a), [a])
        self.assertEqual(ids_of(base + "WHERE audit_id = 1.5"), [])
        self.assertEqual(ids_of(base + "WHERE audit_id > 0.5"), ids)
        self.assertEqual(ids_of(base + "WHERE audit_id < 1e30 AND audit_id >= -1e30"), ids)
        self.assertEqual(ids_of(base + "WHERE audit_id > 1e30"), [])
        self.assertEqual(ids_of(base + "WHERE audit_id >= %d.0" % a), ids[3:])
        self.assertEqual(ids_of(base + "WHERE audit_id <= $1", [a]), ids[:4])
        self.assertEqual(ids_of(base + "WHERE audit_id > 'abc'"), [])
        self.assertEqual(ids_of(base + "WHERE audit_id < 'abc'"), ids)
        self.assertEqual(ids_of(base + "WHERE audit_id < '%d'" % a), ids[:3], "number-like text is a number")
        self.assertEqual(ids_of(base + "WHERE audit_id > NULL"), [])
        self.assertEqual(ids_of(base + "ORDER BY audit_id DESC LIMIT 3"), ids[::-1][:3])
        self.assertEqual(ids_of(base + "ORDER BY audit_id DESC LIMIT 2 OFFSET 1"), ids[::-1][1:3])
        self.assertEqual(ids_of(base + "WHERE audit_id > %d ORDER BY audit_id LIMIT 2" % a), ids[4:6])
        inserts = [int(r[0]) for r in full if r[1] == "INSERT"]
        self.assertEqual(ids_of(base + "WHERE action = 'INSERT' ORDER BY audit_id DESC LIMIT 2"), inserts[::-1][:2])
        self.assertEqual(sorted(ids_of(base + "WHERE audit_id > %d OR audit_id < %d" % (b, a))),
                         [i for i in ids if i > b or i < a])
        denied = self.server.sql(base + "WHERE audit_id = %d" % a, self.alice)
        self.assertEqual((denied.status, denied.code), (403, "AUTH_INSUFFICIENT_ROLE"), denied.body)

    def test_key_ranges_orders_and_limits_match_a_table_without_a_key(self):
        # The same rows in a table keyed by (a, b) and in one with a hidden key: every
        # query must answer the same, whatever the engine pushes down on the first.
        self.server.sql("CREATE SHARED TABLE app.keyed (a INT, b INT, c TEXT, PRIMARY KEY (a, b)); "
                        "CREATE SHARED TABLE app.plain (a INT NOT NULL, b INT NOT NULL, c TEXT)", self.root)
        rng = random.Random(7)
        rows = {(rng.randint(-3, 3), rng.randint(-20, 20)) for _ in range(150)}
        values = ", ".join("(%d, %d, 'v%d_%d')" % (a, b, a, b) for a, b in sorted(rows))
        for table in ("keyed", "plain"):
            self.assertEqual(self.server.sql("INSERT INTO app.%s VALUES %s" % (table, values), self.root).status, 200)
        self.server.sql("DELETE FROM app.keyed WHERE b % 7 = 0; DELETE FROM app.plain WHERE b % 7 = 0", self.root)
        queries = []
        # every key-range shape, on bound values present and missing, both orders, limits
        for a_value in (-1, 1, 3):
            for op in ("<", "<=", ">", ">="):
                for bound in (-14, -13, 0, 3, 4, 6, 7):
                    for order in (" ORDER BY b", " ORDER BY b DESC"):
                        for limit in (" LIMIT 1", " LIMIT 3"):
                            queries.append((["a = %d" % a_value, "b %s %d" % (op, bound)], order, limit))
        for _ in range(200):  # and random mixtures
            where = []
            if rng.random() < 0.8:
                where.append("a = %s" % rng.choice(["%d" % rng.randint(-3, 3)] * 6 +
                                                   ["'%d'" % rng.randint(-3, 3), "1.0", "NULL"]))
            for op in ("<", "<=", ">", ">="):
                if rng.random() < 0.3:
                    where.append("b %s %s" % (op, rng.choice(["%d" % rng.randint(-25, 25)] * 5 + ["2.5", "'3'", "'x'"])))
            if rng.random() < 0.15:
                where.append("c <> 'v0_0'")
            order = rng.choice(["", " ORDER BY b", " ORDER BY b DESC"] * 2 + [" ORDER BY a DESC", " ORDER BY a"])
            limit = rng.choice(["", " LIMIT %d" % rng.randint(0, 6), " LIMIT 3 OFFSET 2"]) if order else ""
            queries.append((where, order, limit))
        for where, order, limit in queries:
            sql = "SELECT a, b, c FROM app.%s" + (" WHERE " + " AND ".join(where) if where else "") + order + limit
            results = []
            for table in ("keyed", "plain"):
                resp = self.server.sql(sql % table, self.root)
                self.assertEqual(resp.status, 200, (sql, resp.body))
                got = [tuple(r) for r in resp.json()["results"][0]["rows"]]
                # rows tied on the ORDER BY column may come in any order: with a LIMIT
                # compare the ordered column, else each tie group as a set
                column = {" ORDER BY b": 1, " ORDER BY b DESC": 1, " ORDER BY a": 0, " ORDER BY a DESC": 0}.get(order)
                if column is None:
                    results.append(sorted(got))
                elif limit:
                    results.append([r[column] for r in got])
                else:
                    results.append([(r[column], sorted(x for x in got if x[column] == r[column])) for r in got])
            self.assertEqual(results[0], results[1], sql)

if __name__ == "__main__":
    unittest.main(verbosity=2)
