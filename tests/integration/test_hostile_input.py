"""Hostile input: every case gets a clean error and the server keeps serving."""
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402


class HostileInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def tearDown(self):
        # after every hostile case the server still answers
        self.assertEqual(self.server.request("GET", "/health").status, 200)

    def post_raw(self, body, content_type="application/json"):
        headers = {"Authorization": self.root}
        if content_type:
            headers["Content-Type"] = content_type
        return self.server.request("POST", "/v1/api/sql", body, headers)

    def test_body_over_10_mib_is_413(self):
        body = b"{\"sql\": \"" + b"a" * (10 * 1024 * 1024 + 1) + b"\"}"
        resp = self.post_raw(body)
        self.assertEqual(resp.status, 413)
        self.assertEqual(resp.code, "PAYLOAD_TOO_LARGE")
        self.assertEqual(resp.json()["error"]["details"]["max_bytes"], 10 * 1024 * 1024)

    def test_sql_over_1_mib_is_413(self):
        resp = self.post_raw(json.dumps({"sql": "SHOW USERS -- " + "x" * (1024 * 1024)}))
        self.assertEqual((resp.status, resp.code), (413, "PAYLOAD_TOO_LARGE"))

    def test_invalid_utf8_is_400(self):
        resp = self.post_raw(b'{"sql": "SHOW USERS \xff\xfe"}')
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"))

    def test_deeply_nested_json_is_400(self):
        resp = self.post_raw('{"sql": "SHOW USERS", "params": ' + "[" * 100000 + "]" * 100000 + "}")
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"))

    def test_malformed_json_and_wrong_types_are_400(self):
        for body in ['{"sql": ', "[]", '"just a string"', '{"sql": 42}', '{"sql": "SHOW USERS", "params": {}}',
                     '{"sql": "SHOW USERS", "namespace_id": 7}', '{"nosql": 1}', "",
                     '{"sql": "SHOW USERS", "namespace_id": "x;y"}']:
            resp = self.post_raw(body)
            self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"), body)

    def test_unknown_content_type_is_400(self):
        resp = self.post_raw(json.dumps({"sql": "SHOW USERS"}), content_type="text/xml")
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"))

    def test_ten_thousand_statements_is_a_clean_error(self):
        resp = self.post_raw(json.dumps({"sql": "CREATE NAMESPACE IF NOT EXISTS many;" * 10000}))
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"))
        names = [r[0] for r in self.server.sql("SHOW NAMESPACES", self.root).json()["results"][0]["rows"]]
        self.assertNotIn("many", names, "nothing of a refused batch executes")

    def test_ten_kb_password(self):
        huge = "p" * 10240
        resp = self.server.sql("CREATE USER big WITH PASSWORD '%s'" % huge, self.root)
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"))
        self.assertNotIn(huge[:100], resp.body.decode())
        login = self.server.login("root", huge)
        self.assertEqual((login.status, login.code), (401, "INVALID_CREDENTIALS"))
        self.assertEqual(self.server.sql("SHOW USERS", basic("root", huge)).status, 401)

    def test_injection_in_identifiers(self):
        for sql in ["CREATE NAMESPACE \"'; DROP NAMESPACE chat; --\"", "CREATE NAMESPACE x'; DROP NAMESPACE y",
                    "CREATE USER \"a'; DROP USER root; --\" WITH PASSWORD 'password1'",
                    "CREATE STORAGE \"s; DROP\" TYPE filesystem BASE_DIRECTORY '/tmp'"]:
            resp = self.server.sql(sql, self.root)
            self.assertIn(resp.status, (400,), sql)
            self.assertIn(resp.code, ("INVALID_ARGUMENT", "INVALID_SQL_SYNTAX"), sql)
        users = [r[0] for r in self.server.sql("SHOW USERS", self.root).json()["results"][0]["rows"]]
        self.assertIn("root", users)

    def test_text_sqlite_would_read_differently_is_refused(self):
        self.server.sql("CREATE NAMESPACE hostile; CREATE SHARED TABLE hostile.t (id INT PRIMARY KEY, v TEXT); "
                        "INSERT INTO hostile.t VALUES (1, 'a'), (2, 'b'), (3, 'c')", self.root)
        upsert = "INSERT INTO hostile.t VALUES (1, 'z') ON CONFLICT (id) DO UPDATE SET v = "
        for sql in [upsert + "@a(')/*')", upsert + "'x' --\u0000\n, v = 'y'", upsert + "'x' WHERE 1 = 0) OR (1 = 1",
                    upsert + "(SELECT 'p' AS [x']) /*'", "SELECT :a", "SELECT ?", "SELECT\v1", "SELECT $1(x)"]:
            resp = self.server.sql(sql, self.root, params=[1] if "$1" in sql else None)
            self.assertEqual((resp.status, resp.code), (400, "INVALID_SQL_SYNTAX"), (sql, resp.body))
        rows = self.server.sql("SELECT v FROM hostile.t ORDER BY id", self.root).json()["results"][0]["rows"]
        self.assertEqual(rows, [["a"], ["b"], ["c"]], "no row was changed")
        nul = self.post_raw(json.dumps({"sql": "SELECT 1 /* \u0000 */"}))
        self.assertEqual((nul.status, nul.code), (400, "INVALID_SQL_SYNTAX"), nul.body)

    def test_garbage_and_dropped_connections(self):
        for payload in [b"GARBAGE\r\n\r\n", b"POST /v1/api/sql HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"sql\"",
                        b"\x00\x01\x02\x03" * 100]:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as sock:
                sock.sendall(payload)
        # header flood
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\n" + b"X-A: " + b"a" * 200000 + b"\r\n\r\n")
            data = sock.recv(4096)
            self.assertIn(b"400", data.split(b"\r\n")[0])
            self.assertIn(b"x-request-id:", data.lower(), "every response carries a request id")

    def test_bad_authorization_headers(self):
        for header in ["Basic !!!notbase64", "Basic " + "QQ==", "Bearer ", "Digest abc", "Bearer a.b.c", "x" * 5000]:
            resp = self.server.sql("SHOW USERS", header)
            self.assertEqual(resp.status, 401, header[:40])
            self.assertIn(resp.code, ("AUTH_REQUIRED", "INVALID_TOKEN", "INVALID_CREDENTIALS"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
