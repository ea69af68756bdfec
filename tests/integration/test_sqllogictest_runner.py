"""The sqllogictest runner (tests/sqllogictest/runner.py), tested end to end: the smoke
files pass against the real server, and synthetic .test files that must fail (wrong
value, wrong error code, ...) are reported as failures with a non-zero exit code."""
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, SERVER_BIN, Server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
RUNNER = os.path.join(REPO, "tests", "sqllogictest", "runner.py")
SMOKE = os.path.join(REPO, "tests", "sql", "smoke")
SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def run_runner(args, timeout=300):
    proc = subprocess.run([sys.executable, RUNNER] + args, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def summary(output):
    match = SUMMARY_RE.search(output)
    assert match, "no summary line in:\n" + output
    return tuple(int(x) for x in match.groups())


def line_of(text, needle, nth=1):
    """1-based line number of the nth line equal to needle."""
    hits = [i + 1 for i, line in enumerate(text.split("\n")) if line == needle]
    return hits[nth - 1]


class RunnerAgainstRealServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.url = "http://127.0.0.1:%d" % cls.server.port
        cls.tmp = tempfile.mkdtemp(prefix="slt-runner-")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as handle:
            handle.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def run_url(self, *args):
        return run_runner(["--url", self.url, "--root-password", ROOT_PASSWORD] + list(args))

    # ---- smoke files -------------------------------------------------------------------
    def test_smoke_files_pass_with_the_runners_own_server(self):
        code, out = run_runner(["--server-bin", SERVER_BIN, "--verbose", SMOKE])
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^PASS \S*namespaces\.test: \d+ records, \d+ passed, 0 failed, 2 skipped$")
        # users.test holds a `restart`: with its own server nothing is skipped
        self.assertRegex(out, r"(?m)^PASS \S*users\.test: (\d+) records, \1 passed, 0 failed, 0 skipped$")
        passed, failed, skipped = summary(out)
        self.assertGreaterEqual(passed, 90)
        self.assertEqual((failed, skipped), (0, 2))
        self.assertIn("pass rate: 100.00%", out)

    def test_smoke_namespaces_over_url(self):
        code, out = self.run_url(os.path.join(SMOKE, "namespaces.test"))
        self.assertEqual(code, 0, out)
        self.assertEqual(summary(out)[1], 0)

    # ---- failures are failures ---------------------------------------------------------
    def test_wrong_expected_value_fails(self):
        path = self.write("wrong_value.test", """
            query I
            SELECT 1
            ----
            1

            query I
            SELECT 1 + 1
            ----
            3
            """)
        code, out = self.run_url("--verbose", path)
        self.assertEqual(code, 1, out)
        self.assertRegex(out, r"(?m)^FAIL \S*wrong_value\.test: 2 records, 1 passed, 1 failed, 0 skipped$")
        self.assertEqual(summary(out), (1, 1, 0))
        self.assertIn("wrong_value.test:6: wrong result", out)
        self.assertIn("SELECT 1 + 1", out)
        self.assertIn("expected '3', got '2'", out)

    def test_wrong_error_code_fails(self):
        path = self.write("wrong_code.test", """
            statement error INVALID_ARGUMENT
            CREATE NAMESPACE system

            statement error NOT_FOUND_TABLE
            CREATE NAMESPACE system
            """)
        code, out = self.run_url("--verbose", path)
        self.assertEqual(code, 1, out)
        self.assertEqual(summary(out), (1, 1, 0))
        self.assertIn("wrong_code.test:4: expected error code NOT_FOUND_TABLE, got HTTP 400 INVALID_ARGUMENT", out)

    def test_every_kind_of_mismatch_fails(self):
        text = """
            statement error
            SELECT 1

            statement ok
            SELECT * FROM no_such_table

            statement error this text is not in the message
            SELECT * FROM no_such_table

            query II
            SELECT 1
            ----
            1

            query I nosort
            SELECT 2 UNION ALL SELECT 1
            ----
            1
            2

            query I rowsort
            SELECT 1 UNION ALL SELECT 2
            ----
            2 values hashing to 00000000000000000000000000000000

            query I nosort same-label
            SELECT 1
            ----
            1

            query I nosort same-label
            SELECT 2
            ----
            2

            query I
            SELECT NULL
            ----
            (empty)

            query T
            SELECT ''
            ----
            NULL

            statement error
            CREATE TABLE pairs (a INT PRIMARY KEY, b INT, UNIQUE (a, b))

            bogus record
            SELECT 1
            """
        path = self.write("mismatches.test", text)
        code, out = self.run_url("--verbose", path)
        self.assertEqual(code, 1, out)
        self.assertEqual(summary(out), (1, 11, 0))   # only the first labelled query passes
        source = textwrap.dedent(text).lstrip("\n")
        for needle, reason in (
                ("statement error", "expected an error, the statement succeeded"),
                ("statement ok", "expected success, got HTTP 404 NOT_FOUND_TABLE"),
                ("statement error this text is not in the message", "expected an error message matching"),
                ("query II", "wrong number of result columns: expected 2 (II) but got 1"),
                ("query I nosort", "wrong result"),
                ("query I rowsort", "wrong result hash"),
                ("query T", "wrong result"),
                ("bogus record", "parse error: unknown record type 'bogus'")):
            self.assertIn("mismatches.test:%d: %s" % (line_of(source, needle), reason), out)
        self.assertIn("mismatches.test:%d: labeled result [same-label] does not agree with the one at line %d"
                      % (line_of(source, "query I nosort same-label", 2), line_of(source, "query I nosort same-label")),
                      out)
        # a bare `statement error` is not satisfied by NOT_IMPLEMENTED (a 5xx)
        self.assertIn("expected an error, got a server error HTTP 501 NOT_IMPLEMENTED", out)

    def test_retry_runs_the_query_again_then_fails(self):
        path = self.write("retry.test", """
            retry 3 200
            query I
            SELECT 1
            ----
            2
            """)
        started = time.time()
        code, out = self.run_url("--verbose", path)
        self.assertEqual(code, 1, out)
        self.assertGreaterEqual(time.time() - started, 0.4)
        self.assertIn("wrong result (after 3 attempts)", out)

    def test_user_records_run_as_that_user(self):
        path = self.write("users.test", """
            user slt_test_u1
            query TT
            SELECT CURRENT_USER(), CURRENT_ROLE()
            ----
            slt_test_u1
            user

            query T
            SELECT CURRENT_USER()
            ----
            slt_runner

            user slt_test_u1
            statement ok
            CREATE NAMESPACE slt_test_denied
            """)
        code, out = self.run_url("--verbose", path)
        self.assertEqual(code, 1, out)
        self.assertEqual(summary(out), (2, 1, 0))
        self.assertIn("expected success, got HTTP 403 AUTH_INSUFFICIENT_ROLE", out)

    def test_skipif_onlyif_and_halt(self):
        text = """
            skipif sqlite
            query I
            SELECT 1
            ----
            999

            onlyif mysql
            statement ok
            NOT SQL AT ALL

            onlyif sqlite # our engine
            query I
            SELECT 5
            ----
            5

            skipif postgresql
            query I
            SELECT 6
            ----
            6

            onlyif mssql
            halt

            halt

            query I
            SELECT 1
            ----
            999
            """
        path = self.write("conditions.test", text)
        halt_line = line_of(textwrap.dedent(text).lstrip("\n"), "halt", 2)
        code, out = self.run_url(path)
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"(?m)^PASS \S*conditions\.test: 4 records, 2 passed, 0 failed, 2 skipped; "
                              r"halted at line %d$" % halt_line)

    def test_restart_is_skipped_without_an_owned_server(self):
        path = self.write("restart.test", """
            restart

            query I
            SELECT 1
            ----
            1
            """)
        code, out = self.run_url(path)
        self.assertEqual(code, 0, out)
        self.assertEqual(summary(out), (1, 0, 1))

    def test_skip_list(self):
        test = self.write("skipped.test", """
            query I
            SELECT 1
            ----
            2

            query I
            SELECT 3
            ----
            4

            query I
            SELECT 5
            ----
            5
            """)
        one = self.write("one.skip", "# known failures\nskipped.test:1  # wrong on purpose\n")
        code, out = self.run_url("--skip-list", one, test)
        self.assertEqual(code, 1, out)
        self.assertIn("3 records, 1 passed, 1 failed, 1 skipped (1 by skip list)", out)
        self.assertIn("1 skipped by skip list", out)

        both = self.write("both.skip", "skipped.test:1  # wrong\n%s:6  # also wrong\nskipped.test:99 # stale\n" % test)
        code, out = self.run_url("--skip-list", both, test)
        self.assertEqual(code, 0, out)
        self.assertEqual(summary(out), (1, 0, 2))
        self.assertIn("warning: skip list entry skipped.test:99 matched no record", out)

        whole = self.write("whole.skip", "%s:*  # not yet\n" % os.path.basename(test))
        code, out = self.run_url("--skip-list", whole, test)
        self.assertEqual(code, 0, out)
        self.assertIn("3 records, 0 passed, 0 failed, 3 skipped (3 by skip list)", out)

        bad = self.write("bad.skip", "skipped.test line 1\n")
        code, out = self.run_url("--skip-list", bad, test)
        self.assertEqual(code, 2, out)

    def test_min_pass_rate_and_stop_on_fail(self):
        half = self.write("half.test", """
            query I
            SELECT 1
            ----
            1

            query I
            SELECT 1
            ----
            0
            """)
        code, out = self.run_url("--min-pass-rate", "50", half)
        self.assertEqual(code, 0, out)
        self.assertIn("pass rate: 50.00% (1 of 2 records run)", out)
        code, out = self.run_url("--min-pass-rate", "60", half)
        self.assertEqual(code, 1, out)

        first = self.write("a_first.test", "query I\nSELECT 1\n----\n0\n\nquery I\nSELECT 1\n----\n1\n")
        second = self.write("b_second.test", "query I\nSELECT 1\n----\n1\n")
        code, out = self.run_url("--stop-on-fail", first, second)
        self.assertEqual(code, 1, out)
        self.assertEqual(summary(out), (0, 1, 0))
        self.assertNotIn("b_second.test", out)

    def test_missing_server_binary_is_a_setup_error(self):
        code, out = run_runner(["--server-bin", "/nonexistent/kalamdb-server", self.tmp])
        self.assertEqual(code, 2, out)
        self.assertIn("server binary not found", out)


# ---------------------------------------------------------------------------------------
# Transport failures, against a small fake of the HTTP API (a real server does not fail
# on demand): a dropped connection, 5xx, a non-JSON body, a timeout and an expired token
# are failures of that record only; the run goes on.
# ---------------------------------------------------------------------------------------
class FakeApi(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def tokens(self, user):
        state = self.server.state
        state["issued"] += 1
        access = "access-%s-%d" % (user, state["issued"])
        state["valid"].add(access)
        return {"access_token": access, "refresh_token": "refresh-%s" % user, "token_type": "Bearer",
                "expires_at": "2099-01-01T00:00:00.000000Z", "refresh_expires_at": "2099-01-01T00:00:00.000000Z"}

    def do_POST(self):
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        auth = (self.headers.get("Authorization") or "")[len("Bearer "):]
        if self.path == "/v1/api/auth/login":
            return self.reply(200, self.tokens(body["user"]))
        if self.path == "/v1/api/auth/refresh":
            state["refreshes"] += 1
            return self.reply(200, self.tokens(auth[len("refresh-"):]))
        sql = body.get("sql", "")
        state["sql"].append(sql)
        if auth not in state["valid"]:
            return self.reply(401, {"status": "error", "results": [], "error": {"code": "TOKEN_EXPIRED", "message": "expired"}})
        if sql == "SELECT 'drop'":
            self.close_connection = True
            return None
        if sql == "SELECT 'boom'":
            return self.reply(500, {"status": "error", "results": [], "error": {"code": "INTERNAL_ERROR", "message": "boom"}})
        if sql == "SELECT 'html'":
            return self.reply(502, b"<html>bad gateway</html>", "text/html")
        if sql == "SELECT 'slow'":
            time.sleep(2.5)
        if sql == "SELECT 'expire'" and not state["expired_once"]:
            state["expired_once"] = True
            state["valid"].discard(auth)
            return self.reply(401, {"status": "error", "results": [], "error": {"code": "TOKEN_EXPIRED", "message": "expired"}})
        if sql.startswith("SELECT"):
            return self.reply(200, {"status": "success", "results": [
                {"statement_index": 0, "operation": "select", "schema": [{"name": "x", "data_type": "ANY"}],
                 "rows": [[1]], "row_count": 1, "rows_affected": 0}]})
        return self.reply(200, {"status": "success", "results": [
            {"statement_index": 0, "operation": "ddl", "row_count": 0, "rows_affected": 1, "message": "ok"}]})


class RunnerTransportFailureTest(unittest.TestCase):
    def test_transport_failures_fail_the_record_and_the_run_continues(self):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
        httpd.daemon_threads = True
        httpd.state = {"issued": 0, "valid": set(), "sql": [], "refreshes": 0, "expired_once": False}
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        tmp = tempfile.mkdtemp(prefix="slt-fake-")
        path = os.path.join(tmp, "transport.test")
        records = ["SELECT 1", "SELECT 'drop'", "SELECT 'boom'", "SELECT 'html'", "SELECT 'slow'",
                   "SELECT 'expire'", "SELECT 2"]
        with open(path, "w") as handle:
            for sql in records:
                handle.write("query I\n%s\n----\n1\n\n" % sql)
            handle.write("statement error\nSELECT 'boom'\n")
        try:
            code, out = run_runner(["--url", "http://127.0.0.1:%d" % httpd.server_address[1], "--root-password", "x",
                                    "--timeout", "1", "--verbose", path])
        finally:
            httpd.shutdown()
            httpd.server_close()
        self.assertEqual(code, 1, out)
        # passed: SELECT 1, SELECT 'expire' (after a token refresh), SELECT 2
        self.assertEqual(summary(out), (3, 5, 0))
        self.assertIn("transport.test:6: HTTP request failed: RemoteDisconnected", out)
        self.assertIn("transport.test:11: query failed: HTTP 500 INTERNAL_ERROR: boom", out)
        self.assertIn("transport.test:16: HTTP 502 with a non-JSON body", out)
        self.assertIn("transport.test:21: HTTP request timed out", out)
        self.assertIn("transport.test:36: expected an error, got a server error HTTP 500 INTERNAL_ERROR", out)
        self.assertEqual(httpd.state["refreshes"], 1)
        self.assertIn("SELECT 2", httpd.state["sql"])     # the run went on to the end


if __name__ == "__main__":
    unittest.main()
