"""The hardening findings of the security review, tried again through the HTTP API as an
attacker would: the SQLite sandbox, resource limits, NaN, reserved names and log lines."""
import base64
import hashlib
import hmac
import json
import os
import stat
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402

USER_PASSWORD = "user-pass-123"
MAX_ROWS = 20000
MAX_MEMORY = 16 * 1024 * 1024
MAX_VALUE = 1024 * 1024


def rss_peak_kib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for %d" % pid)


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={
            "KALAMDB_EXECUTION_MAX_ROWS_PER_STATEMENT": str(MAX_ROWS),
            "KALAMDB_EXECUTION_MAX_STATEMENT_MEMORY_BYTES": str(MAX_MEMORY),
            "KALAMDB_EXECUTION_MAX_VALUE_BYTES": str(MAX_VALUE),
            "KALAMDB_LOGGING_SLOW_QUERY_MS": "0",
        }).start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        for sql in ["CREATE NAMESPACE app",
                    "CREATE USER alice WITH PASSWORD '%s' ROLE user" % USER_PASSWORD,
                    "CREATE USER svc WITH PASSWORD '%s' ROLE service" % USER_PASSWORD,
                    "CREATE SHARED TABLE app.pub (id BIGINT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL = 'public')",
                    "CREATE USER TABLE app.notes (id BIGINT PRIMARY KEY, body TEXT)",
                    "CREATE USER TABLE app.floats (id BIGINT PRIMARY KEY, d DOUBLE NOT NULL)"]:
            resp = cls.server.sql(sql, cls.root)
            assert resp.status == 200, (sql, resp.body)
        cls.alice = cls.server.bearer("alice", USER_PASSWORD)
        cls.svc = cls.server.bearer("svc", USER_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def sql(self, sql, auth=None, params=None):
        return self.server.sql(sql, auth or self.alice, params)

    def ok(self, sql, auth=None, params=None):
        resp = self.sql(sql, auth, params)
        self.assertEqual(resp.status, 200, (sql, resp.body))
        return resp.json()["results"][0]

    def refused(self, sql, status, code, auth=None, params=None):
        resp = self.sql(sql, auth, params)
        self.assertEqual((resp.status, resp.code), (status, code), (sql, resp.body))
        return resp.json()["error"]

    # ---- the sandbox ----------------------------------------------------------
    def test_fts3_tokenizer_is_closed(self):
        for sql in ["SELECT hex(fts3_tokenizer('simple'))", "SELECT fts3_tokenizer('x', x'0000000000000000')",
                    "INSERT INTO app.notes (id, body) SELECT 1, hex(fts3_tokenizer('simple'))"]:
            for auth in [self.alice, self.root]:
                error = self.refused(sql, 400, "INVALID_ARGUMENT", auth)
                self.assertEqual(error["details"]["name"], "fts3_tokenizer")
        self.assertEqual(self.ok("SELECT count(*) FROM app.notes")["rows"], [[0]])

    def test_only_documented_functions_run(self):
        for name, sql in [("sqlite_version", "SELECT sqlite_version()"),
                          ("sqlite_compileoption_get", "SELECT sqlite_compileoption_get(0)"),
                          ("sqlite_source_id", "SELECT sqlite_source_id()"),
                          ("changes", "SELECT changes()"), ("total_changes", "SELECT total_changes()"),
                          ("last_insert_rowid", "SELECT last_insert_rowid()"),
                          ("load_extension", "SELECT load_extension('/tmp/x.so')"),
                          ("rtreenode", "SELECT rtreenode(2, x'00')")]:
            error = self.refused(sql, 400, "INVALID_ARGUMENT")
            self.assertEqual(error["details"]["name"], name)
        row = self.ok("SELECT abs(-2), upper('a'), json_extract('{\"a\":3}', '$.a'), '{\"b\":4}' ->> 'b', "
                      "round(pi(), 2), count(*) OVER (), current_user(), typeof(snowflake_id())")["rows"][0]
        self.assertEqual(row, [2, "A", 3, 4, 3.14, 1, "alice", "integer"])

    def test_engine_schema_and_builtin_virtual_tables_are_unreadable(self):
        # root first used app.pub on these workers; alice must not learn of any table
        self.ok("SELECT * FROM app.pub", self.root)
        for table in ["sqlite_master", "sqlite_schema", "sqlite_temp_master", "SQLITE_MASTER", "temp.sqlite_master",
                      "pragma_table_list", "pragma_function_list", "sqlite_stmt", "dbstat"]:
            for sql in ["SELECT * FROM %s" % table, "INSERT INTO app.notes (id, body) SELECT 1, 'x' FROM %s" % table]:
                error = self.refused(sql, 404, "NOT_FOUND_TABLE")
                self.assertNotIn("pub", str(error))
        self.refused("PRAGMA table_list", 400, "INVALID_SQL_SYNTAX")

    def test_json_table_functions_work_in_queries_and_writes(self):
        self.assertEqual(self.ok("SELECT key, value FROM json_each('[10, 20]') ORDER BY key")["rows"],
                         [[0, 10], [1, 20]])
        rows = self.ok("SELECT fullkey FROM json_tree('{\"a\": {\"b\": 1}}') WHERE atom IS NOT NULL")["rows"]
        self.assertEqual(rows, [["$.a.b"]])
        inserted = self.ok("INSERT INTO app.notes (id, body) SELECT 100 + key, value FROM json_each($1)",
                           params=['["x", "y"]'])
        self.assertEqual(inserted["rows_affected"], 2)
        self.assertEqual(self.ok("SELECT id, body FROM app.notes WHERE id >= 100 ORDER BY id")["rows"],
                         [["100", "x"], ["101", "y"]])
        self.ok("DELETE FROM app.notes WHERE id >= 100")

    def test_sqlite_names_are_refused_at_create(self):
        for sql, argument in [("CREATE NAMESPACE sqlite_ns", "namespace"),
                              ("CREATE SHARED TABLE app.sqlite_t (id BIGINT PRIMARY KEY)", "table"),
                              ("CREATE USER TABLE app.SQLITE_stat1 (id BIGINT PRIMARY KEY)", "table"),
                              ("CREATE INDEX sqlite_autoindex_x ON app.pub (body)", "index")]:
            error = self.refused(sql, 400, "INVALID_ARGUMENT", self.root)
            self.assertEqual(error["details"]["argument"], argument, sql)
        tables = [r[0] for r in self.ok("SHOW TABLES IN app", self.root)["rows"]]
        self.assertFalse([t for t in tables if t.lower().startswith("sqlite_")], tables)

    # ---- resource limits ------------------------------------------------------
    def test_values_beyond_the_limit_are_refused_quickly(self):
        for sql in ["SELECT length(randomblob(999999999))", "SELECT length(zeroblob(%d))" % (MAX_VALUE + 1),
                    "SELECT printf('%.*c', 2000000000, 'x')", "SELECT printf('%2000000000d', 1)",
                    "SELECT format('%*s', -2000000000, 'x')", "SELECT length(replace(printf('%.*c', 600000, 'x'), "
                    "'x', 'yy'))", "SELECT group_concat(printf('%.*c', 1000, 'x')) FROM "
                    "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000) SELECT n FROM c)"]:
            started = time.time()
            error = self.refused(sql, 400, "RESOURCE_LIMIT_EXCEEDED")
            self.assertLess(time.time() - started, 2.0, sql)
            self.assertEqual(error["details"], {"limit": "execution.max_value_bytes", "max": MAX_VALUE})
        # below the limit, printf is SQLite's own
        row = self.ok("SELECT printf('%d-%s|%5.2f|%-*d|%%|%q', 5, 'x', 3.14159, 4, 7, 'it''s'), "
                      "length(printf('%.*c', 1000, 'x')), printf(NULL), format('%s')")["rows"][0]
        self.assertEqual(row, ["5-x| 3.14|7   |%|it''s", 1000, None, ""])

    def test_rows_and_memory_of_one_statement_are_bounded(self):
        many = ("INSERT INTO app.notes (id, body) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                "WHERE n < %d) SELECT n, 'row' FROM c")
        error = self.refused(many % 2000000, 400, "RESOURCE_LIMIT_EXCEEDED")
        self.assertEqual(error["details"], {"limit": "execution.max_rows_per_statement", "max": MAX_ROWS})
        wide = ("INSERT INTO app.notes (id, body) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                "WHERE n < 40000) SELECT n, printf('%.*c', 1000, 'x') FROM c")
        error = self.refused(wide, 400, "RESOURCE_LIMIT_EXCEEDED")
        self.assertEqual(error["details"], {"limit": "execution.max_statement_memory_bytes", "max": MAX_MEMORY})
        # a transaction's writes add up across its statements
        batch = "BEGIN; " + "; ".join(
            "INSERT INTO app.notes (id, body) WITH RECURSIVE c(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM c "
            "WHERE n < %d) SELECT n, printf('%%.*c', 1000, 'x') FROM c" % (k * 5000, k * 5000 + 4999)
            for k in range(1, 6)) + "; COMMIT"
        error = self.refused(batch, 400, "RESOURCE_LIMIT_EXCEEDED")
        self.assertEqual(error["details"]["limit"], "execution.max_statement_memory_bytes")
        self.assertEqual(self.ok("SELECT count(*) FROM app.notes")["rows"], [[0]], "nothing was written")
        # within the limits the same statement shape works
        self.assertEqual(self.ok(many % 1000)["rows_affected"], 1000)
        self.ok("DELETE FROM app.notes")

    def test_four_concurrent_hostile_statements_stay_under_the_memory_bound(self):
        pid = self.server.proc.pid
        before = rss_peak_kib(pid)
        hostile = [
            "INSERT INTO app.notes (id, body) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
            "SELECT n, printf('%.*c', 900, 'x') FROM c",
            "SELECT length(randomblob(999999999))",
            "SELECT length(group_concat(printf('%.*c', 1000, 'x'))) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL "
            "SELECT n + 1 FROM c WHERE n < 300000) SELECT n FROM c)",
            "INSERT INTO app.notes (id, body) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
            "SELECT n, 'x' FROM c",
        ]
        codes = [None] * len(hostile)

        def run(index):
            resp = self.sql(hostile[index])
            codes[index] = (resp.status, resp.code if resp.status != 200 else None)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(hostile))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(codes, [(400, "RESOURCE_LIMIT_EXCEEDED")] * len(hostile))
        growth_mib = (rss_peak_kib(pid) - before) / 1024.0
        print("peak RSS growth %.1f MiB" % growth_mib)
        # four statements at 16 MiB of pending writes each, plus SQLite's and the allocator's slack
        self.assertLess(growth_mib, 4 * MAX_MEMORY / 2 ** 20 * 3 + 64, "peak RSS grew by %.0f MiB" % growth_mib)
        self.assertEqual(self.ok("SELECT count(*) FROM app.notes")["rows"], [[0]])

    # ---- storage paths --------------------------------------------------------
    def test_storages_stay_inside_the_data_directory(self):
        outside = os.path.join(self.server.data_dir, "outside")
        for path in ["/etc", "relative/archive", outside, os.path.join(self.server.data_dir, "data", "..", "x")]:
            error = self.refused("CREATE STORAGE etc TYPE filesystem BASE_DIRECTORY '%s'" % path, 400,
                                 "INVALID_ARGUMENT", self.root)
            self.assertEqual(error["details"]["argument"], "base_directory")
        self.assertFalse(os.path.exists(outside))
        inside = os.path.join(self.server.data_dir, "data", "archive")
        self.ok("CREATE STORAGE archive TYPE filesystem BASE_DIRECTORY '%s'" % inside, self.root)
        self.assertEqual(self.ok("STORAGE CHECK archive", self.root)["rows"][0][1:5], [True] * 4)
        self.ok("DROP STORAGE archive", self.root)

    # ---- values ---------------------------------------------------------------
    def test_nan_and_infinities_round_trip(self):
        self.ok("INSERT INTO app.floats (id, d) VALUES (1, $1), (2, $2), (3, $3), (4, 'NaN'), (5, 1.5)",
                params=["NaN", "Infinity", "-Infinity"])
        rows = self.ok("SELECT id, d FROM app.floats ORDER BY id")["rows"]
        self.assertEqual(rows, [["1", "NaN"], ["2", "Infinity"], ["3", "-Infinity"], ["4", "NaN"], ["5", 1.5]])
        # NaN equals itself and sorts after every number, as in PostgreSQL
        self.assertEqual(self.ok("SELECT id FROM app.floats WHERE d = $1 ORDER BY id", params=["NaN"])["rows"],
                         [["1"], ["4"]])
        self.assertEqual(self.ok("SELECT id FROM app.floats ORDER BY d, id")["rows"],
                         [["3"], ["5"], ["2"], ["1"], ["4"]])
        self.refused("INSERT INTO app.floats (id, d) VALUES (6, NULL)", 400, "NOT_NULL_VIOLATION")
        self.ok("DELETE FROM app.floats")

    def test_time_values_compare_through_parameters(self):
        self.ok("CREATE USER TABLE app.msgs (id BIGINT PRIMARY KEY, at TIMESTAMP)", self.root)
        self.ok("INSERT INTO app.msgs (id, at) VALUES (1, $1), (2, $2)",
                params=["2020-01-01T00:00:00Z", "2099-01-01T00:00:00.000Z"])
        ids = lambda resp: [r[0] for r in resp["rows"]]  # noqa: E731
        self.assertEqual(ids(self.ok("SELECT id FROM app.msgs WHERE at < now() ORDER BY id")), ["1"])
        # what a JavaScript client sends: Date.toISOString()
        self.assertEqual(ids(self.ok("SELECT id FROM app.msgs WHERE at > $1 ORDER BY id",
                                     params=["2025-01-01T00:00:00.000Z"])), ["2"])
        self.assertEqual(ids(self.ok("SELECT id FROM app.msgs WHERE at = $1", params=["2020-01-01 01:00:00+01:00"])),
                         ["1"])
        self.assertEqual(ids(self.ok("SELECT id FROM app.msgs WHERE at BETWEEN $1 AND $2",
                                     params=["2019-12-31", "2020-01-02"])), ["1"])
        self.ok("DROP TABLE app.msgs", self.root)

    # ---- smaller findings -----------------------------------------------------
    def test_upsert_message_says_what_it_did(self):
        self.ok("INSERT INTO app.pub (id, body) VALUES (1, 'a')", self.root)
        result = self.ok("INSERT INTO app.pub (id, body) VALUES (1, 'b'), (2, 'c') ON CONFLICT (id) DO UPDATE "
                         "SET body = excluded.body", self.root)
        self.assertEqual((result["rows_affected"], result["message"]), (2, "Inserted 1 row(s), updated 1 row(s)"))
        self.ok("DELETE FROM app.pub", self.root)

    def test_execute_as_shows_the_target_everywhere(self):
        row = self.ok("EXECUTE AS USER 'alice' (SELECT current_user(), (SELECT group_concat(user_id) "
                      "FROM system.users))", self.svc)["rows"][0]
        self.assertEqual(row, ["alice", "alice"])

    def test_logged_sql_cannot_forge_a_line(self):
        marker = "forged-%d" % time.time_ns()
        self.ok("SELECT 'x\n[2026-12-07 00:00:00.000] [error] %s\r\n\x1b[2J'" % marker)
        log = self.server.read_log()
        lines = [line for line in log.splitlines() if marker in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("[warning] slow statement", lines[0])
        self.assertIn("\\n[2026-12-07 00:00:00.000] [error] %s\\r\\n\\u001b[2J" % marker, lines[0])


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class AuthHardeningTest(unittest.TestCase):
    """Started without a configured JWT secret, as the README's quick start does."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"KALAMDB_JWT_SECRET": None}).start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        for name in ["ann", "ben", "cat"]:
            resp = cls.server.sql("CREATE USER %s WITH PASSWORD '%s' ROLE user" % (name, USER_PASSWORD), cls.root)
            assert resp.status == 200, resp.body

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def secret_path(self):
        return os.path.join(self.server.data_dir, "data", "jwt_secret")

    def login_from(self, source_ip, user, password):
        return self.server.request("POST", "/v1/api/auth/login", json.dumps({"user": user, "password": password}),
                                   {"Content-Type": "application/json"}, source_ip=source_ip)

    def refresh(self, token):
        return self.server.request("POST", "/v1/api/auth/refresh", None, {"Authorization": "Bearer " + token})

    def me(self, auth):
        return self.server.request("GET", "/v1/api/auth/me", None, {"Authorization": auth})

    def test_a_generated_secret_is_kept_in_the_data_directory(self):
        mode = stat.S_IMODE(os.stat(self.secret_path()).st_mode)
        self.assertEqual(mode, 0o600)
        with open(self.secret_path()) as handle:
            secret = handle.read().strip()
        self.assertEqual(len(secret), 64)
        self.assertIn("generated a random one in", self.server.read_log())
        self.assertNotIn(secret, self.server.read_log())
        # the built-in development secret of earlier versions signs nothing any more
        header = b64url(b'{"alg":"HS256","typ":"JWT"}')
        now = int(time.time())
        claims = {"sub": "root", "role": "system", "iss": "kalamdb", "token_type": "access", "iat": now,
                  "exp": now + 600}

        def sign(key, payload):
            body = header + "." + b64url(json.dumps(payload).encode())
            return body + "." + b64url(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())

        self.assertEqual(self.me("Bearer " + sign("kalamdb-dev-secret-change-me", claims)).status, 401)
        self.assertEqual(self.me("Bearer " + sign(secret, claims)).status, 200)
        future = dict(claims, iat=now + 3600)
        resp = self.me("Bearer " + sign(secret, future))
        self.assertEqual((resp.status, resp.code), (401, "INVALID_TOKEN"))
        self.assertIn("future", resp.json()["error"]["message"])
        # tokens survive a restart: the secret is read back
        token = self.server.bearer("ann", USER_PASSWORD)
        self.server.restart()
        self.assertEqual(self.me(token).status, 200)
        with open(self.secret_path()) as handle:
            self.assertEqual(handle.read().strip(), secret)

    def test_refresh_rotates_and_reuse_revokes_the_session(self):
        first = self.server.login("ben", USER_PASSWORD).json()
        second = self.refresh(first["refresh_token"])
        self.assertEqual(second.status, 200, second.body)
        third = self.refresh(second.json()["refresh_token"])
        self.assertEqual(third.status, 200)
        reused = self.refresh(first["refresh_token"])
        self.assertEqual((reused.status, reused.code), (401, "INVALID_TOKEN"))
        latest = self.refresh(third.json()["refresh_token"])
        self.assertEqual((latest.status, latest.code), (401, "INVALID_TOKEN"), "the whole session ended")
        audit = self.server.sql("SELECT action, success FROM system.audit_log WHERE subject_user_id = 'ben' "
                                "AND action = 'TOKEN_REUSE'", self.root).json()["results"][0]["rows"]
        self.assertEqual(audit, [["TOKEN_REUSE", False]])

    def test_a_password_or_role_change_revokes_earlier_tokens(self):
        tokens = self.server.login("cat", USER_PASSWORD).json()
        bearer = "Bearer " + tokens["access_token"]
        self.assertEqual(self.me(bearer).status, 200)
        self.assertEqual(self.me(basic("cat", USER_PASSWORD)).status, 200)
        resp = self.server.sql("ALTER USER cat SET PASSWORD 'cat-pass-456'", self.root)
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual((self.me(bearer).status, self.me(bearer).code), (401, "INVALID_TOKEN"))
        self.assertEqual(self.refresh(tokens["refresh_token"]).status, 401)
        self.assertEqual(self.me(basic("cat", USER_PASSWORD)).status, 401, "cached Basic credentials dropped")
        self.assertEqual(self.me(basic("cat", "cat-pass-456")).status, 200)
        bearer = self.server.bearer("cat", "cat-pass-456")
        self.assertEqual(self.server.sql("ALTER USER cat SET ROLE service", self.root).status, 200)
        self.assertEqual(self.me(bearer).status, 401)
        self.assertEqual(self.server.sql("ALTER USER cat SET EMAIL 'cat@example.com'", self.root).status, 200)
        bearer = self.server.bearer("cat", "cat-pass-456")
        self.assertEqual(self.server.sql("ALTER USER cat SET EMAIL 'c@example.com'", self.root).status, 200)
        self.assertEqual(self.me(bearer).status, 200, "an email change revokes nothing")

    def test_lockout_is_per_source_and_reveals_nobody(self):
        answers = {}
        for user in ["ann", "no_such_user"]:
            for _ in range(5):
                self.assertEqual(self.login_from("127.0.0.2", user, "wrong-password").status, 401)
            locked = self.login_from("127.0.0.2", user, USER_PASSWORD)
            answers[user] = (locked.status, locked.code, sorted(locked.json()["error"]["details"]))
        self.assertEqual(answers["ann"], (403, "ACCOUNT_LOCKED", ["locked_until"]))
        self.assertEqual(answers["ann"], answers["no_such_user"], "a locked unknown user looks the same")
        # strangers from 127.0.0.2 did not lock ann (or root) out from anywhere else
        self.assertEqual(self.login_from("127.0.0.3", "ann", USER_PASSWORD).status, 200)
        self.assertEqual(self.login_from("127.0.0.3", "root", ROOT_PASSWORD).status, 200)

    def test_a_source_spraying_names_gets_growing_delays(self):
        for index in range(20):
            self.assertEqual(self.login_from("127.0.0.4", "spray%d" % index, "wrong-password").status, 401)
        throttled = self.login_from("127.0.0.4", "ann", USER_PASSWORD)
        self.assertEqual((throttled.status, throttled.code), (429, "RATE_LIMIT_EXCEEDED"))
        self.assertEqual(throttled.headers["retry-after"], "1")
        self.assertEqual(self.login_from("127.0.0.5", "ann", USER_PASSWORD).status, 200)


if __name__ == "__main__":
    unittest.main()
