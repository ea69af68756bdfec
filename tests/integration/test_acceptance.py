"""Issue acceptance, as a new user would check it: root login, namespaces,
storages, users, alice's permissions, error codes, restart persistence."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402


class AcceptanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def ok(self, sql, auth=None, **kwargs):
        resp = self.server.sql(sql, auth or self.root, **kwargs)
        self.assertEqual(resp.status, 200, resp.body)
        body = resp.json()
        self.assertEqual(body["status"], "success")
        return body

    def error(self, sql, code, status, auth=None, **kwargs):
        resp = self.server.sql(sql, auth or self.root, **kwargs)
        self.assertEqual(resp.status, status, resp.body)
        body = resp.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["error"]["code"], code, resp.body)
        return body

    def test_01_health_and_metrics(self):
        health = self.server.request("GET", "/health")
        self.assertEqual(health.status, 200)
        self.assertEqual(health.json()["status"], "ok")
        self.assertIn("uptime_seconds", health.json())
        self.assertIn("x-request-id", health.headers)
        self.ok("SHOW NAMESPACES")
        metrics = self.server.request("GET", "/metrics")
        self.assertEqual(metrics.status, 200)
        text = metrics.body.decode()
        self.assertIn('kalamdb_http_requests_total{status="200"}', text)
        self.assertIn('kalamdb_statement_duration_seconds_count{kind="SHOW NAMESPACES"}', text)
        self.assertIn("kalamdb_active_connections", text)

    def test_02_root_creates_namespace_storage_and_alice(self):
        body = self.ok("CREATE NAMESPACE chat")
        result = body["results"][0]
        self.assertEqual(result["rows_affected"], 1)
        self.assertEqual(result["operation"], "ddl")
        self.assertEqual(result["message"], "Namespace 'chat' created")
        for key in ("request_id", "elapsed_ms"):
            self.assertIn(key, body)
        self.assertEqual(self.ok("CREATE NAMESPACE IF NOT EXISTS chat")["results"][0]["rows_affected"], 0)
        archive = os.path.join(self.server.data_dir, "data", "archive")  # storages live under the data directory
        self.ok("CREATE STORAGE archive TYPE filesystem NAME 'Archive' BASE_DIRECTORY '%s'" % archive)
        check = self.ok("STORAGE CHECK archive")["results"][0]
        self.assertEqual(check["rows"][0][1:5], [True, True, True, True])
        self.ok("CREATE USER alice WITH PASSWORD 'alice-pass-1' ROLE user EMAIL 'alice@example.com'")
        storages = self.ok("SHOW STORAGES")["results"][0]
        self.assertEqual(sorted(r[0] for r in storages["rows"]), ["archive", "local"])

    def test_03_alice_logs_in_with_password_token_and_basic(self):
        login = self.server.login("alice", "alice-pass-1")
        self.assertEqual(login.status, 200, login.body)
        tokens = login.json()
        self.assertEqual(tokens["token_type"], "Bearer")
        self.assertEqual(tokens["user"]["role"], "user")
        me = self.server.request("GET", "/v1/api/auth/me", headers={"Authorization": "Bearer " + tokens["access_token"]})
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json()["user_id"], "alice")
        me_basic = self.server.request("GET", "/v1/api/auth/me", headers={"Authorization": basic("alice", "alice-pass-1")})
        self.assertEqual(me_basic.json()["role"], "user")
        shown = self.ok("SHOW USERS", basic("alice", "alice-pass-1"))["results"][0]
        self.assertEqual([row[0] for row in shown["rows"]], ["alice"])
        # refresh rotates; a refresh token is not an access token
        refreshed = self.server.request("POST", "/v1/api/auth/refresh",
                                        headers={"Authorization": "Bearer " + tokens["refresh_token"]})
        self.assertEqual(refreshed.status, 200, refreshed.body)
        self.error("SHOW USERS", "INVALID_TOKEN", 401, auth="Bearer " + tokens["refresh_token"])
        not_refresh = self.server.request("POST", "/v1/api/auth/refresh",
                                          headers={"Authorization": "Bearer " + tokens["access_token"]})
        self.assertEqual(not_refresh.status, 401)

    def test_04_alice_cannot_create_namespace(self):
        alice = self.server.bearer("alice", "alice-pass-1")
        body = self.error("CREATE NAMESPACE x", "AUTH_INSUFFICIENT_ROLE", 403, auth=alice)
        details = body["error"]["details"]
        self.assertEqual(details["actual_role"], "user")
        self.assertEqual(details["required_roles"], ["dba", "system"])
        self.assertEqual(body["error"]["statement_index"], 0)
        names = [r[0] for r in self.ok("SHOW NAMESPACES")["results"][0]["rows"]]
        self.assertNotIn("x", names)
        # ... and an audit row says so, readable by an admin but not by alice
        audit = self.ok("SELECT actor_user_id, action, target, success, ip_address, request_id "
                        "FROM system.audit_log WHERE action = $1", params=["AUTHORIZATION_DENIED"])
        rows = audit["results"][0]["rows"]
        self.assertIn(["alice", "AUTHORIZATION_DENIED", "CREATE_NAMESPACE", False, "127.0.0.1", body["request_id"]], rows)
        self.error("SELECT * FROM system.audit_log", "AUTH_INSUFFICIENT_ROLE", 403, auth=alice)

    def test_05_alice_changes_password_not_role(self):
        alice = basic("alice", "alice-pass-1")
        self.ok("ALTER USER alice SET PASSWORD 'alice-pass-2'", alice)
        self.assertEqual(self.server.login("alice", "alice-pass-1").status, 401)
        alice = self.server.bearer("alice", "alice-pass-2")
        self.error("ALTER USER alice SET ROLE dba", "AUTH_INSUFFICIENT_ROLE", 403, auth=alice)
        self.error("ALTER USER root SET PASSWORD 'whatever-123'", "AUTH_INSUFFICIENT_ROLE", 403, auth=alice)
        me = self.server.request("GET", "/v1/api/auth/me", headers={"Authorization": alice})
        self.assertEqual(me.json()["role"], "user")

    def test_06_documented_error_codes(self):
        s = self.server
        no_auth = s.request("POST", "/v1/api/sql", json.dumps({"sql": "SHOW USERS"}), {"Content-Type": "application/json"})
        self.assertEqual((no_auth.status, no_auth.code), (401, "AUTH_REQUIRED"))
        self.error("SHOW USERS", "INVALID_TOKEN", 401, auth="Bearer not.a.token")
        bad = s.login("alice", "wrong-password")
        unknown = s.login("nobody", "wrong-password")
        self.assertEqual((bad.status, bad.code), (401, "INVALID_CREDENTIALS"))
        self.assertEqual(bad.json()["error"]["message"], unknown.json()["error"]["message"])
        self.error("   ", "EMPTY_SQL", 400)
        syntax = self.error("SHOW USERS;\n  CREATE NAMESPAC z", "INVALID_SQL_SYNTAX", 400)
        self.assertEqual(syntax["error"]["statement_index"], 1)
        self.assertEqual(syntax["error"]["details"]["line"], 2)
        self.assertEqual(syntax["error"]["details"]["column"], 3)
        mismatch = self.error("SELECT $1, $2", "PARAM_COUNT_MISMATCH", 400, params=[1])
        self.assertEqual(mismatch["error"]["details"], {"expected": 2, "actual": 1})
        self.error("SELECT 1", "PARAM_COUNT_EXCEEDED", 400, params=list(range(51)))
        size = self.error("SELECT $1", "PARAM_SIZE_EXCEEDED", 400, params=["x" * 524289])
        self.assertEqual(size["error"]["details"]["index"], 1)
        unsupported = self.error("SHOW USERS", "PARAMS_NOT_SUPPORTED", 400, params=[1])
        self.assertEqual(unsupported["error"]["details"]["statement_type"], "SHOW USERS")
        self.error("SELECT $1; SELECT 2", "PARAMS_WITH_BATCH", 400, params=[1])
        self.error("USE nowhere", "NOT_FOUND_NAMESPACE", 404)
        self.error("DROP STORAGE nowhere", "NOT_FOUND_STORAGE", 404)
        self.error("ALTER USER nobody SET EMAIL 'x@y'", "NOT_FOUND_USER", 404)
        exists = self.error("CREATE NAMESPACE chat", "ALREADY_EXISTS", 409)
        self.assertEqual(exists["error"]["details"], {"object_type": "namespace", "name": "chat"})
        self.error("CREATE NAMESPACE system", "INVALID_ARGUMENT", 400)
        self.error("CREATE TABLE chat.pairs (a INT PRIMARY KEY, b INT, UNIQUE (a, b))", "NOT_IMPLEMENTED", 501)
        # batch stops at the failing statement; earlier results are returned
        batch = self.error("CREATE NAMESPACE b1; CREATE NAMESPACE b1", "ALREADY_EXISTS", 409)
        self.assertEqual(len(batch["results"]), 1)
        self.assertEqual(batch["error"]["statement_index"], 1)
        # request ids: echoed when well-formed, generated otherwise
        echoed = s.sql("SHOW USERS", self.root, headers={"X-Request-Id": "my-req-42"})
        self.assertEqual(echoed.headers["x-request-id"], "my-req-42")
        self.assertEqual(echoed.json()["request_id"], "my-req-42")
        odd = s.sql("SHOW USERS", self.root, headers={"X-Request-Id": "bad id with spaces"})
        self.assertNotEqual(odd.headers["x-request-id"], "bad id with spaces")
        self.assertEqual(s.request("GET", "/nope").status, 404)
        self.assertEqual(s.request("GET", "/v1/api/sql").status, 405)

    def test_07_lockout_after_failed_logins(self):
        self.ok("CREATE USER carol WITH PASSWORD 'carol-pass-1'")
        for _ in range(5):
            self.assertEqual(self.server.login("carol", "nope-nope").status, 401)
        locked = self.server.login("carol", "carol-pass-1")
        self.assertEqual((locked.status, locked.code), (403, "ACCOUNT_LOCKED"))
        self.assertIn("locked_until", locked.json()["error"]["details"])
        self.assertEqual(self.server.sql("SHOW USERS", basic("carol", "carol-pass-1")).status, 403)

    def test_08_drop_user_blocks_login_at_once(self):
        self.ok("CREATE USER dave WITH PASSWORD 'dave-pass-1'")
        dave = self.server.bearer("dave", "dave-pass-1")
        self.ok("SHOW USERS", dave)
        self.ok("DROP USER dave")
        self.assertEqual(self.server.sql("SHOW USERS", dave).status, 401)
        self.assertEqual(self.server.login("dave", "dave-pass-1").status, 401)

    def test_09_demotion_takes_effect_on_the_next_request(self):
        self.ok("CREATE USER erin WITH PASSWORD 'erin-pass-1' ROLE dba")
        erin = self.server.bearer("erin", "erin-pass-1")
        self.ok("CREATE NAMESPACE erin_ns", erin)
        self.ok("ALTER USER erin SET ROLE user")
        # the role change revokes erin's tokens; a new login carries the new role
        self.error("CREATE NAMESPACE erin_ns2", "INVALID_TOKEN", 401, auth=erin)
        erin = self.server.bearer("erin", "erin-pass-1")
        self.error("CREATE NAMESPACE erin_ns2", "AUTH_INSUFFICIENT_ROLE", 403, auth=erin)
        self.error("CREATE NAMESPACE erin_ns2", "AUTH_INSUFFICIENT_ROLE", 403, auth=basic("erin", "erin-pass-1"))

    def test_10_secrets_never_in_logs(self):
        self.ok("CREATE STORAGE s3x TYPE s3 BASE_DIRECTORY 's3://b/p' CREDENTIALS '{\"secret_access_key\":\"S3KEY-XYZ\"}'")
        shown = json.dumps(self.ok("SHOW STORAGES")["results"])
        self.assertNotIn("S3KEY-XYZ", shown)
        log = self.server.read_log()
        for secret in (ROOT_PASSWORD, "alice-pass-1", "alice-pass-2", "S3KEY-XYZ", "integration-test-secret"):
            self.assertNotIn(secret, log)

    def test_11_restart_keeps_everything(self):
        self.server.restart()
        root = self.server.bearer("root", ROOT_PASSWORD)
        names = [r[0] for r in self.ok("SHOW NAMESPACES", root)["results"][0]["rows"]]
        self.assertIn("chat", names)
        storages = [r[0] for r in self.ok("SHOW STORAGES", root)["results"][0]["rows"]]
        self.assertIn("archive", storages)
        self.assertEqual(self.server.login("alice", "alice-pass-2").status, 200)
        users = [r[0] for r in self.ok("SHOW USERS", root)["results"][0]["rows"]]
        self.assertIn("alice", users)
        self.assertNotIn("dave", users)
        actions = [r[0] for r in self.ok("SELECT action FROM system.audit_log ORDER BY audit_id", root)["results"][0]["rows"]]
        for action in ("CREATE_NAMESPACE", "CREATE_STORAGE", "CREATE_USER", "ALTER_USER", "DROP_USER",
                       "AUTHORIZATION_DENIED", "LOGIN", "LOGIN_FAILED"):
            self.assertIn(action, actions)
        # audit ids keep increasing across the restart
        ids = [int(r[0]) for r in self.ok("SELECT audit_id FROM system.audit_log ORDER BY audit_id", root)["results"][0]["rows"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.ok("CREATE NAMESPACE after_restart", root)
        last = self.ok("SELECT max(audit_id) FROM system.audit_log", root)["results"][0]["rows"][0][0]
        self.assertGreater(int(last), max(ids))

    def test_12_system_tables_and_select(self):
        body = self.ok("SELECT namespace_id FROM system.namespaces WHERE namespace_id = $1", params=["chat"])
        self.assertEqual(body["results"][0]["rows"], [["chat"]])
        self.assertEqual(body["results"][0]["operation"], "select")
        alice = basic("alice", "alice-pass-2")
        mine = self.ok("SELECT user_id, role FROM system.users", alice)["results"][0]["rows"]
        self.assertEqual(mine, [["alice", "user"]])
        self.error("SELECT * FROM chat.messages", "NOT_FOUND_TABLE", 404)
        big = self.ok("SELECT 9007199254740993 AS big, 1.5 AS real, 'x' AS t, NULL AS n")["results"][0]
        self.assertEqual(big["rows"], [["9007199254740993", 1.5, "x", None]])

    def test_13_user_names_are_case_insensitive(self):
        self.ok("CREATE USER \"Frank\" WITH PASSWORD 'frank-pass-1'")
        self.assertEqual(self.server.login("frank", "frank-pass-1").status, 200)
        self.assertEqual(self.server.login("FRANK", "frank-pass-1").status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
