"""Tables through the HTTP API: typed parameters, concurrent writers of the same
key, name tricks across users, hidden tables."""
import json
import os
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
                self.assertIn(resp.code, ("NOT_FOUND_TABLE", "INVALID_SQL_SYNTAX"), sql)
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

    def test_concurrent_inserts_of_one_key_admit_exactly_one(self):
        outcomes = []
        lock = threading.Lock()

        def insert(key):
            resp = self.server.sql("INSERT INTO app.counter (id, n) VALUES (%d, 1)" % key, self.root)
            with lock:
                outcomes.append((key, resp.status, resp.json().get("error", {}).get("code")))

        for key in range(40):
            threads = [threading.Thread(target=insert, args=(key,)) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for key in range(40):
            mine = [o for o in outcomes if o[0] == key]
            self.assertEqual(sum(1 for o in mine if o[1] == 200), 1, mine)
            self.assertTrue(all(o[2] in (None, "PRIMARY_KEY_VIOLATION") for o in mine), mine)
        count = self.server.sql("SELECT COUNT(*) FROM app.counter WHERE id < 40", self.root).json()["results"][0]["rows"][0][0]
        self.assertEqual(int(count), 40)

    def test_concurrent_unique_values_admit_exactly_one(self):
        self.server.sql("CREATE TABLE app.handles (id INT PRIMARY KEY, handle TEXT UNIQUE)", self.root)
        outcomes = []
        lock = threading.Lock()

        def claim(worker, n):
            resp = self.server.sql("INSERT INTO app.handles (id, handle) VALUES (%d, 'h%d')" % (n * 10 + worker, n),
                                   self.root)
            with lock:
                outcomes.append((n, resp.status, resp.json().get("error", {}).get("code")))

        for n in range(30):
            threads = [threading.Thread(target=claim, args=(w, n)) for w in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for n in range(30):
            mine = [o for o in outcomes if o[0] == n]
            self.assertEqual(sum(1 for o in mine if o[1] == 200), 1, mine)
            self.assertTrue(all(o[2] in (None, "PRIMARY_KEY_VIOLATION") for o in mine), mine)
        # moving a row to another key keeps its UNIQUE value without a false conflict
        moved = self.server.sql("UPDATE app.handles SET id = 1000 WHERE handle = 'h0'", self.root)
        self.assertEqual(moved.status, 200, moved.body)

    def test_concurrent_increments_lose_no_update(self):
        self.server.sql("INSERT INTO app.counter (id, n) VALUES (1000, 0)", self.root)
        results = []
        lock = threading.Lock()

        def bump():
            for _ in range(15):
                resp = self.server.sql("UPDATE app.counter SET n = n + 1 WHERE id = 1000", self.root)
                with lock:
                    results.append((resp.status, resp.json().get("error", {}).get("code")))

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        succeeded = sum(1 for status, _ in results if status == 200)
        self.assertTrue(all(code in (None, "TRANSACTION_CONFLICT") for _, code in results), results)
        n = self.server.sql("SELECT n FROM app.counter WHERE id = 1000", self.root).json()["results"][0]["rows"][0][0]
        self.assertEqual(int(n), succeeded, "every acknowledged increment is counted exactly once")

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
