"""Starts the real kalamdb-server binary on a free port with a temporary data
directory and talks to it over real HTTP (http.client)."""
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SERVER_BIN = os.environ.get("KALAMDB_SERVER_BIN", os.path.join(os.path.dirname(__file__), "../../build/kalamdb-server"))
ROOT_PASSWORD = "root-pass-123"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def code(self):
        return self.json()["error"]["code"]


class Server:
    """One server process. `restart()` keeps the data directory."""

    def __init__(self, extra_env=None, data_dir=None, args=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="kalam-it-")
        self.owns_dir = data_dir is None
        self.port = free_port()
        self.extra_env = extra_env or {}
        self.args = args or []
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KALAMDB_")}
        env.update({
            "KALAMDB_SERVER_PORT": str(self.port),
            "KALAMDB_DATA_DIR": os.path.join(self.data_dir, "data"),
            "KALAMDB_ROOT_PASSWORD": ROOT_PASSWORD,
            "KALAMDB_AUTH_BCRYPT_COST": "4",
            "KALAMDB_JWT_SECRET": "integration-test-secret-0123456789",
        })
        env.update(self.extra_env)
        return {k: v for k, v in env.items() if v is not None}

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SERVER_BIN] + self.args, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.data_dir)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                if self.request("GET", "/health").status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not become ready:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        self.log.close()
        return code

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # ---- HTTP -------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=30, source_ip=None):
        # source_ip: another loopback address (127.0.0.2 …) to come from, e.g. for lockouts
        source = (source_ip, 0) if source_ip else None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=source)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def sql(self, sql, auth=None, params=None, namespace=None, headers=None, timeout=30):
        payload = {"sql": sql}
        if params is not None:
            payload["params"] = params
        if namespace is not None:
            payload["namespace_id"] = namespace
        all_headers = {"Content-Type": "application/json"}
        if auth is not None:
            all_headers["Authorization"] = auth
        all_headers.update(headers or {})
        return self.request("POST", "/v1/api/sql", json.dumps(payload), all_headers, timeout=timeout)

    def login(self, user, password):
        return self.request("POST", "/v1/api/auth/login", json.dumps({"user": user, "password": password}),
                            {"Content-Type": "application/json"})

    def bearer(self, user, password):
        resp = self.login(user, password)
        assert resp.status == 200, resp.body
        return "Bearer " + resp.json()["access_token"]


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
