"""Start-up configuration and graceful shutdown of the real binary."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import SERVER_BIN, ROOT_PASSWORD, Server  # noqa: E402


class LifecycleTest(unittest.TestCase):
    def run_server(self, extra_env, args=None, timeout=20):
        server = Server(extra_env=extra_env, args=args)
        try:
            proc = subprocess.run([SERVER_BIN] + (args or []), env=server.env(), capture_output=True,
                                  timeout=timeout, cwd=server.data_dir)
            return proc.returncode, (proc.stdout + proc.stderr).decode()
        finally:
            server.close()

    def test_invalid_value_stops_startup_naming_the_key(self):
        code, output = self.run_server({"KALAMDB_EXECUTION_MAX_PARAMETERS": "0"})
        self.assertNotEqual(code, 0)
        self.assertIn("execution.max_parameters", output)

    def test_invalid_toml_file_stops_startup(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as handle:
            handle.write("[server]\nport = \"not a number\"\n")
        try:
            code, output = self.run_server({}, ["--config", handle.name])
        finally:
            os.unlink(handle.name)
        self.assertNotEqual(code, 0)
        self.assertIn("server.port", output)

    def test_public_bind_without_a_secret_uses_a_generated_one(self):
        server = Server(extra_env={"KALAMDB_SERVER_HOST": "0.0.0.0", "KALAMDB_JWT_SECRET": None})
        try:
            server.start()
            self.assertIn("generated a random one in", server.read_log())
            self.assertTrue(os.path.exists(os.path.join(server.data_dir, "data", "jwt_secret")))
            server.bearer("root", ROOT_PASSWORD)
        finally:
            server.close()

    def test_unknown_keys_are_reported_and_config_file_applies(self):
        server = Server()
        path = os.path.join(server.data_dir, "config.toml")
        with open(path, "w") as handle:
            handle.write("[server]\nprot = 1\n[execution]\nmax_parameters = 2\n")
        server.args = ["--config", path]
        try:
            server.start()
            self.assertIn("server.prot", server.read_log())
            root = server.bearer("root", ROOT_PASSWORD)
            resp = server.sql("SELECT $1, $2, $3", root, params=[1, 2, 3])
            self.assertEqual(resp.code, "PARAM_COUNT_EXCEEDED")
            self.assertEqual(resp.json()["error"]["details"]["max"], 2)
        finally:
            server.close()

    def test_sigterm_and_sigint_shut_down_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            server = Server()
            try:
                server.start()
                self.assertEqual(server.stop(sig), 0)
                self.assertIn("shutdown complete", server.read_log())
            finally:
                server.close()

    def test_root_without_password_only_from_loopback_with_empty_password(self):
        server = Server(extra_env={"KALAMDB_ROOT_PASSWORD": None})
        try:
            server.start()
            self.assertIn("root has no password", server.read_log())
            self.assertEqual(server.login("root", "").status, 200)
            self.assertEqual(server.login("root", "guess").status, 401)
        finally:
            server.close()

    def test_default_start_uses_embedded_config_and_data_dir(self):
        # No config file, no data dir override: ./data under the working directory.
        server = Server(extra_env={"KALAMDB_DATA_DIR": None})
        try:
            server.start()
            self.assertTrue(os.path.isdir(os.path.join(server.data_dir, "data", "rocksdb")))
        finally:
            server.close()

    def test_statement_timeout_interrupts_a_runaway_query(self):
        server = Server(extra_env={"KALAMDB_EXECUTION_HANDLER_TIMEOUT_SECONDS": "1"})
        try:
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            resp = server.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                              root)
            self.assertEqual((resp.status, resp.code), (408, "TIMEOUT_HANDLER_EXECUTION"))
            details = resp.json()["error"]["details"]
            self.assertEqual(details["timeout_seconds"], 1)
            self.assertGreaterEqual(details["elapsed_ms"], 1000)
            self.assertEqual(server.sql("SELECT 1", root).status, 200)
        finally:
            server.close()

    def test_a_slow_statement_does_not_hold_other_connections(self):
        # Each I/O thread owns its connections: a statement run on one would hold every other
        # connection of that thread. With a 4 s statement in flight, requests on 8 other
        # connections (both I/O threads get some) are each answered well before it ends.
        server = Server(extra_env={"KALAMDB_EXECUTION_HANDLER_TIMEOUT_SECONDS": "4",
                                   "KALAMDB_SERVER_IO_THREADS": "2", "KALAMDB_EXECUTION_WORKER_THREADS": "4"})
        try:
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            slow = {}

            def run_slow():
                slow["resp"] = server.sql(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", root)

            thread = threading.Thread(target=run_slow)
            started = time.time()
            thread.start()
            time.sleep(0.5)  # the slow statement is running
            conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(8)]
            try:
                for conn in conns:
                    for path, body in (("/health", None), ("/v1/api/sql", json.dumps({"sql": "SELECT 1"}))):
                        before = time.time()
                        conn.request("GET" if body is None else "POST", path, body,
                                     {"Authorization": root, "Content-Type": "application/json"})
                        resp = conn.getresponse()
                        resp.read()
                        self.assertEqual(resp.status, 200)
                        self.assertLess(time.time() - before, 1.0, path)
            finally:
                for conn in conns:
                    conn.close()
            self.assertIsNone(slow.get("resp"), "the slow statement ended too early to prove anything")
            self.assertLess(time.time() - started, 3.5)
            thread.join()
            self.assertEqual(slow["resp"].code, "TIMEOUT_HANDLER_EXECUTION")

            # A SELECT that outruns its time on the I/O thread is run again on a worker: the
            # full answer, counted once in the metrics.
            def metric(prefix):
                for line in server.request("GET", "/metrics").body.decode().splitlines():
                    if line.startswith(prefix):
                        return int(line.split()[-1])
                return 0

            def counts():
                return (metric('kalamdb_statement_duration_seconds_count{kind="SELECT"}'),
                        metric("kalamdb_requests_moved_to_worker_total"))

            selects, moved = counts()
            resp = server.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) "
                              "SELECT count(*), sum(x) FROM c", root)
            self.assertEqual(resp.status, 200, resp.body)
            self.assertEqual(resp.json()["results"][0]["rows"], [[300000, 45000150000]])
            self.assertEqual(counts(), (selects + 1, moved + 1))
            # A short SELECT is answered on the I/O thread; a write always goes to a worker.
            self.assertEqual(server.sql("SELECT 1", root).status, 200)
            self.assertEqual(counts(), (selects + 2, moved + 1))
            self.assertEqual(server.sql("CREATE NAMESPACE moved_ns", root).status, 200)
            self.assertEqual(counts()[1], moved + 2)
        finally:
            server.close()

    def test_a_dropped_client_cancels_its_statement(self):
        server = Server()
        try:
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)

            def selects():
                metrics = server.request("GET", "/metrics").body.decode()
                count = errors = 0
                total = 0.0
                for line in metrics.splitlines():
                    if line.startswith('kalamdb_statement_duration_seconds_count{kind="SELECT"}'):
                        count = int(line.split()[-1])
                    if line.startswith('kalamdb_statement_duration_seconds_sum{kind="SELECT"}'):
                        total = float(line.split()[-1])
                    if line.startswith('kalamdb_statement_errors_total{kind="SELECT"}'):
                        errors = int(line.split()[-1])
                return count, errors, total

            before = selects()
            body = json.dumps({"sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                      "SELECT count(*) FROM c"}).encode()
            conn = socket.create_connection(("127.0.0.1", server.port))
            conn.sendall(b"POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: " + root.encode() + b"\r\nContent-Length: " +
                         str(len(body)).encode() + b"\r\n\r\n" + body)
            sent = time.monotonic()
            time.sleep(0.4)  # the statement runs (it would for 30 s)
            conn.close()
            closed = time.monotonic()
            deadline = closed + 10
            while time.monotonic() < deadline and selects()[0] == before[0]:
                time.sleep(0.005)
            count, errors, total = selects()
            self.assertEqual(count, before[0] + 1, "the statement ended")
            self.assertEqual(errors, before[1] + 1, "it ended as an error (CANCELLED)")
            ran = total - before[2]
            # it ran while the client was connected, then at most 100 ms more
            self.assertLess(ran, (closed - sent) + 0.1, "ran %.3f s for a client gone after %.3f s" % (ran, closed - sent))
            self.assertGreater(ran, 0.3)
            self.assertEqual(server.sql("SELECT 1", root).status, 200)
        finally:
            server.close()

    def test_a_half_closed_client_gets_its_short_answer(self):
        # `nc -N` and some proxies shut their sending side down after the request: a
        # statement that ends within the first poll interval is answered, not cancelled.
        server = Server()
        try:
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            for sql in ("SELECT 41 + 1", "CREATE NAMESPACE half_closed"):
                body = json.dumps({"sql": sql}).encode()
                conn = socket.create_connection(("127.0.0.1", server.port))
                conn.sendall(b"POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Connection: close\r\nAuthorization: " + root.encode() + b"\r\nContent-Length: " +
                             str(len(body)).encode() + b"\r\n\r\n" + body)
                conn.shutdown(socket.SHUT_WR)
                conn.settimeout(10)
                reply = b""
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                conn.close()
                self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:300])
                self.assertIn(b'"status":"success"', reply)
            names = server.sql("SHOW NAMESPACES", root).json()["results"][0]["rows"]
            self.assertIn("half_closed", [row[0] for row in names])
        finally:
            server.close()

    def test_help_and_version(self):
        out = subprocess.run([SERVER_BIN, "--version"], capture_output=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        self.assertIn(b"kalamdb-server", out.stdout)
        out = subprocess.run([SERVER_BIN, "--bogus"], capture_output=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
