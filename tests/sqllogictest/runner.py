#!/usr/bin/env python3
"""sqllogictest runner for KalamDB: executes `.test` files through the real HTTP API.

The format is SQLite's sqllogictest (about.wiki) plus KalamDB extensions; see
tests/sqllogictest/README.md. Python 3 standard library only.

    python3 tests/sqllogictest/runner.py [--server-bin PATH | --url URL --root-password P]
        [--skip-list FILE] [--verbose] [--stop-on-fail] [--min-pass-rate PCT] FILE_OR_DIR ...

Exit code: 0 when no record failed (or, with --min-pass-rate, when the pass rate reaches
it), 1 when records failed, 2 for usage or setup errors (server does not start, root
cannot log in, unreadable file or skip list).
"""
import argparse
import calendar
import hashlib
import http.client
import json
import math
import os
import re
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
HARNESS_DIR = os.path.join(REPO_ROOT, "tests", "integration")

ENGINE = "sqlite"                       # our query engine: `skipif sqlite` skips, `onlyif sqlite` runs
RUNNER_USER = "slt_runner"              # role dba: may create namespaces and SHARED tables
RUNNER_PASSWORD = "slt-runner-pass-1"
USER_PASSWORD = "slt-user-pass-1"       # password of users created by `user <name>`
DEFAULT_TIMEOUT = 60.0
MAX_SERVER_RECOVERIES = 5
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
HASH_RE = re.compile(r"^(\d+) values hashing to ([0-9a-fA-F]{32})$")
USE_RE = re.compile(r"^\s*(?:USE(?:\s+NAMESPACE)?|SET\s+NAMESPACE)\s+([A-Za-z_][A-Za-z0-9_]*)\s*;?\s*$", re.I)
NUM_PREFIX_RE = re.compile(r"\s*[+-]?(?:(\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")


class SetupError(Exception):
    pass


# --------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------
class Record:
    """One record of a .test file. `line` is the line of its keyword (statement, query,
    ...); `first_line` the first of its prefix lines (skipif, onlyif, user, retry)."""

    def __init__(self, kind, line, first_line, prefix):
        self.kind = kind
        self.line = line
        self.first_line = first_line
        self.conditions = prefix["conditions"]
        self.user = prefix["user"]
        self.user_password = prefix["user_password"]
        self.retry = prefix["retry"]
        self.sql = ""
        self.expect_ok = True          # statement ok | error
        self.error_pattern = None      # statement error <pattern>
        self.types = ""
        self.sort = "nosort"
        self.label = None
        self.expected = None           # list of result lines; None when there is no ----
        self.arg = None                # hash-threshold / sleep argument
        self.parse_error = None

    @property
    def counted(self):
        """Records that count towards passed/failed/skipped."""
        return self.kind in ("statement", "query", "restart", "invalid")


def _new_prefix():
    return {"conditions": [], "user": None, "user_password": None, "retry": None, "first_line": None}


def _strip_comment(tokens):
    out = []
    for token in tokens:
        if token.startswith("#"):
            break
        out.append(token)
    return out


def parse_text(text):
    """Returns the list of records of a .test file's text."""
    lines = text.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    records = []
    prefix = _new_prefix()
    i, n = 0, len(lines)

    def block_until_blank(start):
        j = start
        while j < n and lines[j].strip() != "":
            j += 1
        return j

    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        lineno = i + 1
        if stripped == "" or stripped.startswith("#"):
            i += 1
            continue
        tokens = _strip_comment(stripped.split())
        keyword = tokens[0] if tokens else ""
        if prefix["first_line"] is None:
            prefix["first_line"] = lineno

        if keyword in ("skipif", "onlyif"):
            prefix["conditions"].append((keyword, tokens[1].lower() if len(tokens) > 1 else ""))
            i += 1
            continue
        if keyword == "user":
            if len(tokens) < 2 or not NAME_RE.match(tokens[1]):
                rec = Record("invalid", lineno, prefix["first_line"], prefix)
                rec.parse_error = "`user` needs a user name: %r" % stripped
                records.append(rec)
                prefix = _new_prefix()
            else:
                prefix["user"] = tokens[1]
                prefix["user_password"] = tokens[2] if len(tokens) > 2 else None
            i += 1
            continue
        if keyword == "retry":
            try:
                attempts, delay = int(tokens[1]), int(tokens[2])
                if attempts < 1 or delay < 0:
                    raise ValueError
                prefix["retry"] = (attempts, delay)
            except (IndexError, ValueError):
                rec = Record("invalid", lineno, prefix["first_line"], prefix)
                rec.parse_error = "`retry` needs <attempts>=1.. <delay_ms>: %r" % stripped
                records.append(rec)
                prefix = _new_prefix()
            i += 1
            continue

        rec = Record(keyword, lineno, prefix["first_line"], prefix)
        prefix = _new_prefix()
        if keyword == "statement":
            mode = tokens[1] if len(tokens) > 1 else ""
            if mode == "ok":
                rec.expect_ok = True
            elif mode == "error":
                rec.expect_ok = False
                rest = stripped.split(None, 2)
                pattern = rest[2].strip() if len(rest) > 2 else ""
                rec.error_pattern = pattern if pattern and not pattern.startswith("#") else None
            else:
                rec.kind = "invalid"
                rec.parse_error = "statement argument should be 'ok' or 'error': %r" % stripped
            end = block_until_blank(i + 1)
            rec.sql = "\n".join(lines[i + 1:end])
            if rec.kind != "invalid" and rec.sql.strip() == "":
                rec.kind, rec.parse_error = "invalid", "statement without SQL"
            i = end
        elif keyword == "query":
            rec.types = tokens[1] if len(tokens) > 1 else ""
            rec.sort = tokens[2] if len(tokens) > 2 else "nosort"
            rec.label = tokens[3] if len(tokens) > 3 else None
            if not rec.types or any(c not in "TIR" for c in rec.types):
                rec.parse_error = "bad type string %r (one or more of T, I, R)" % rec.types
            elif rec.sort not in ("nosort", "rowsort", "valuesort"):
                rec.parse_error = "unknown sort mode %r" % rec.sort
            j = i + 1
            sql_lines = []
            while j < n and lines[j].strip() != "" and lines[j] != "----":
                sql_lines.append(lines[j])
                j += 1
            rec.sql = "\n".join(sql_lines)
            if j < n and lines[j] == "----":
                end = block_until_blank(j + 1)
                rec.expected = lines[j + 1:end]
                j = end
            if rec.parse_error is None and rec.sql.strip() == "":
                rec.parse_error = "query without SQL"
            if rec.parse_error:
                rec.kind = "invalid"
            i = j
        elif keyword == "hash-threshold":
            try:
                rec.arg = int(tokens[1])
            except (IndexError, ValueError):
                rec.kind, rec.parse_error = "invalid", "hash-threshold needs an integer"
            i += 1
        elif keyword == "sleep":
            try:
                rec.arg = int(tokens[1])
            except (IndexError, ValueError):
                rec.kind, rec.parse_error = "invalid", "sleep needs milliseconds"
            i += 1
        elif keyword in ("halt", "restart"):
            i += 1
        else:
            rec.kind = "invalid"
            rec.parse_error = "unknown record type %r" % keyword
            i = block_until_blank(i + 1)
        records.append(rec)
    return records


def parse_file(path):
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as handle:
        return parse_text(handle.read())


# --------------------------------------------------------------------------------------
# Value formatting (sqllogictest's SQLite driver, slt_sqlite.c)
# --------------------------------------------------------------------------------------
def _numeric_prefix(text):
    """SQLite's text -> number conversion: the longest numeric prefix, else 0."""
    match = NUM_PREFIX_RE.match(text)
    if not match:
        return 0
    literal = match.group(0).strip()
    if match.group(1) is not None and match.group(2) is None and match.group(3) is None:
        return int(literal)
    try:
        return float(literal)
    except ValueError:
        return 0


def _special_float(value, data_type):
    if isinstance(value, str) and data_type in FLOAT_TYPES:
        if value == "NaN":
            return float("nan")
        if value == "Infinity":
            return float("inf")
        if value == "-Infinity":
            return float("-inf")
    return value


def sqlite_real_text(value):
    """How SQLite renders a REAL as text ("%!.15g"): 1.0, 0.3, 1.0e+100, Inf."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    text = "%.15g" % value
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return mantissa + "e" + exponent
    if "." not in text:
        text += ".0"
    return text


def _printable(text):
    if text == "":
        return "(empty)"
    data = text.encode("utf-8", "surrogateescape")
    return "".join(chr(b) if 32 <= b <= 126 else "@" for b in data)


def format_value(value, type_char, data_type=None):
    """One result value as sqllogictest prints it for the column type I, R or T."""
    if value is None:
        return "NULL"
    value = _special_float(value, (data_type or "").upper())
    if isinstance(value, bool):
        value = 1 if value else 0
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":"))
    if type_char == "I":
        if isinstance(value, str):
            value = _numeric_prefix(value)
        if isinstance(value, float):
            if math.isnan(value):
                return "0"
            if math.isinf(value):
                return str(2 ** 63 - 1 if value > 0 else -2 ** 63)
            value = int(value)        # truncates toward zero, like sqlite3_column_int
        return "%d" % value
    if type_char == "R":
        if isinstance(value, str):
            value = _numeric_prefix(value)
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Inf" if value > 0 else "-Inf"
        if value == 0:
            value = 0.0               # no "-0.000" for negative zero
        return "%.3f" % value
    # T
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return sqlite_real_text(value)
    return _printable(str(value))


def md5_of(values):
    digest = hashlib.md5()
    for value in values:
        digest.update(value.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return digest.hexdigest()


def sort_values(values, ncols, mode):
    if mode == "rowsort" and ncols > 0:
        rows = [values[k:k + ncols] for k in range(0, len(values), ncols)]
        rows.sort()
        return [v for row in rows for v in row]
    if mode == "valuesort":
        return sorted(values)
    return list(values)


def normalize_expected(lines, ncols, nvalues):
    """Expected results may be one value per line (the sqllogictest form) or one row per
    line with the values separated by tabs or spaces; returns one value per entry."""
    if ncols <= 1 or len(lines) == nvalues:
        return list(lines)
    for split in (lambda line: line.split("\t"), lambda line: line.split()):
        parts = [split(line) for line in lines]
        if all(len(p) == ncols for p in parts):
            return [v for p in parts for v in p]
    return list(lines)


def _short(lines, limit=12, width=200):
    shown = [line if len(line) <= width else line[:width] + "..." for line in lines[:limit]]
    if len(lines) > limit:
        shown.append("... (%d more)" % (len(lines) - limit))
    return shown


# --------------------------------------------------------------------------------------
# HTTP client with per-user bearer tokens
# --------------------------------------------------------------------------------------
class Outcome:
    """The result of one /v1/api/sql call."""

    def __init__(self, status=None, body=None, transport_error=None):
        self.status = status
        self.body = body if isinstance(body, dict) else None
        self.transport_error = transport_error

    @property
    def ok(self):
        return self.transport_error is None and self.status == 200 and self.body is not None \
            and self.body.get("status") == "success"

    @property
    def error(self):
        if self.body and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}

    @property
    def code(self):
        return self.error.get("code")

    @property
    def message(self):
        return self.error.get("message") or ""

    def describe(self):
        if self.transport_error:
            return self.transport_error
        if self.ok:
            return "success"
        if self.body is None:
            return "HTTP %s with a non-JSON body" % self.status
        return "HTTP %s %s: %s" % (self.status, self.code, self.message)


class Http:
    def __init__(self, base_url, timeout):
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SetupError("bad --url %r (want http://host:port)" % base_url)
        self.https = parsed.scheme == "https"
        self.host = parsed.hostname
        self.port = parsed.port or (443 if self.https else 80)
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        """Returns (status, parsed JSON or None, raw bytes); raises OSError/HTTPException."""
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        return resp.status, parsed, raw


def _parse_expiry(text):
    try:
        return calendar.timegm(time.strptime(text.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S"))
    except (AttributeError, ValueError):
        return time.time() + 300


class Client:
    """Logs users in once, refreshes their tokens when needed, posts SQL."""

    def __init__(self, http, root_password):
        self.http = http
        self.passwords = {"root": root_password}
        self.tokens = {}

    def set_password(self, user, password):
        if self.passwords.get(user) != password:
            self.tokens.pop(user, None)
        self.passwords[user] = password

    def _store(self, user, body):
        self.tokens[user] = {"access": body["access_token"], "refresh": body.get("refresh_token"),
                             "expires": _parse_expiry(body.get("expires_at"))}

    def login(self, user):
        body = json.dumps({"user": user, "password": self.passwords.get(user, "")})
        status, parsed, raw = self.http.request("POST", "/v1/api/auth/login", body,
                                                {"Content-Type": "application/json"})
        if status != 200 or not isinstance(parsed, dict) or "access_token" not in parsed:
            detail = parsed.get("error", {}) if isinstance(parsed, dict) else {}
            raise SetupError("cannot log in as %s: HTTP %s %s %s" % (
                user, status, detail.get("code", ""), detail.get("message", raw[:200])))
        self._store(user, parsed)

    def refresh(self, user):
        token = self.tokens.get(user)
        if not token or not token.get("refresh"):
            return False
        try:
            status, parsed, _ = self.http.request("POST", "/v1/api/auth/refresh", None,
                                                  {"Authorization": "Bearer " + token["refresh"]})
        except (OSError, http.client.HTTPException):
            return False
        if status == 200 and isinstance(parsed, dict) and "access_token" in parsed:
            self._store(user, parsed)
            return True
        return False

    def _authorization(self, user):
        token = self.tokens.get(user)
        if token is None:
            self.login(user)
        elif token["expires"] - time.time() < 60:
            if not self.refresh(user):
                self.login(user)
        return "Bearer " + self.tokens[user]["access"]

    def _post(self, authorization, sql, namespace):
        payload = {"sql": sql}
        if namespace:
            payload["namespace_id"] = namespace
        status, parsed, raw = self.http.request(
            "POST", "/v1/api/sql", json.dumps(payload),
            {"Content-Type": "application/json", "Authorization": authorization})
        if parsed is None:
            snippet = raw[:200].decode("utf-8", "replace")
            return Outcome(status, None, "HTTP %s with a non-JSON body: %r" % (status, snippet))
        return Outcome(status, parsed)

    def sql(self, user, sql, namespace=None):
        try:
            try:
                authorization = self._authorization(user)
            except SetupError as exc:
                return Outcome(transport_error=str(exc))
            outcome = self._post(authorization, sql, namespace)
            if outcome.status == 401 and outcome.code in ("TOKEN_EXPIRED", "INVALID_TOKEN"):
                # The token went stale (expiry, restart with another secret): renew once.
                try:
                    if not self.refresh(user):
                        self.login(user)
                except SetupError:
                    return outcome
                outcome = self._post("Bearer " + self.tokens[user]["access"], sql, namespace)
            return outcome
        except (OSError, http.client.HTTPException) as exc:
            kind = "timed out" if isinstance(exc, TimeoutError) or "timed out" in str(exc) else "failed"
            return Outcome(transport_error="HTTP request %s: %s: %s" % (kind, type(exc).__name__, exc))


# --------------------------------------------------------------------------------------
# Skip list
# --------------------------------------------------------------------------------------
def _path_parts(path):
    return [p for p in os.path.normpath(path).replace("\\", "/").split("/") if p not in ("", ".")]


class SkipList:
    """Lines `path/to/file.test:LINE  # reason` or `path/to/file.test:*  # reason`.
    A relative path matches any run file whose path ends with it (component-wise)."""

    def __init__(self, path=None):
        self.entries = []   # dicts: parts, absolute, line ('*' or int), reason, text, used
        if path:
            self.load(path)

    def load(self, path):
        with open(path, "r", encoding="utf-8") as handle:
            for number, raw in enumerate(handle, 1):
                text = raw.strip()
                if not text or text.startswith("#"):
                    continue
                entry, _, reason = text.partition("#")
                entry = entry.strip()
                match = re.match(r"^(.+):(\d+|\*)$", entry)
                if not match:
                    raise SetupError("%s:%d: expected `file.test:LINE  # reason` or `file.test:*`, got %r"
                                     % (path, number, text))
                self.entries.append({
                    "file": match.group(1), "parts": _path_parts(match.group(1)),
                    "absolute": os.path.isabs(match.group(1)),
                    "line": match.group(2) if match.group(2) == "*" else int(match.group(2)),
                    "reason": reason.strip() or "skip list", "text": entry, "used": False,
                    "file_seen": False})

    def for_file(self, path):
        """Entries that apply to the file: (whole-file entry or None, {line: entry})."""
        parts = _path_parts(os.path.abspath(path))
        whole, lines = None, {}
        for entry in self.entries:
            if entry["absolute"]:
                hit = _path_parts(entry["file"]) == parts
            else:
                k = len(entry["parts"])
                hit = k > 0 and parts[-k:] == entry["parts"]
            if not hit:
                continue
            entry["file_seen"] = True
            if entry["line"] == "*":
                whole = whole or entry
            else:
                lines[entry["line"]] = entry
        return whole, lines

    def stale(self):
        return [e for e in self.entries if e["file_seen"] and not e["used"]]


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------
class FileResult:
    def __init__(self, path):
        self.path = path
        self.records = 0
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.skipped_by_list = 0
        self.failures = []     # (line, sql, reason, detail lines)
        self.halted_at = None
        self.error = None      # setup problem for the whole file


class Runner:
    def __init__(self, client, server=None, skip_list=None, verbose=False, stop_on_fail=False,
                 keep_namespaces=False, out=None):
        self.client = client
        self.server = server                 # a kalam_harness.Server when the runner owns it
        self.skip_list = skip_list or SkipList()
        self.verbose = verbose
        self.stop_on_fail = stop_on_fail
        self.keep_namespaces = keep_namespaces
        self.out = out or sys.stdout
        self.namespace_counter = 0
        self.known_users = {"root", RUNNER_USER}
        self.stopped = False
        self.recoveries = 0
        self.last_log_tail = []

    # ---- setup ------------------------------------------------------------------------
    def root_sql(self, sql, namespace=None):
        return self.client.sql("root", sql, namespace)

    def setup(self):
        """Creates (or resets) the per-run dba user that runs the records."""
        self.client.login("root")
        created = self.root_sql("CREATE USER IF NOT EXISTS %s WITH PASSWORD '%s' ROLE dba"
                                % (RUNNER_USER, RUNNER_PASSWORD))
        if not created.ok:
            raise SetupError("cannot create %s: %s" % (RUNNER_USER, created.describe()))
        result = (created.body.get("results") or [{}])[-1]
        if result.get("rows_affected", 1) == 0:        # left over from an earlier run
            for sql in ("ALTER USER %s SET PASSWORD '%s'" % (RUNNER_USER, RUNNER_PASSWORD),
                        "ALTER USER %s SET ROLE dba" % RUNNER_USER):
                outcome = self.root_sql(sql)
                if not outcome.ok:
                    raise SetupError("cannot reset %s: %s" % (RUNNER_USER, outcome.describe()))
        self.client.set_password(RUNNER_USER, RUNNER_PASSWORD)
        self.client.login(RUNNER_USER)

    def create_namespace(self):
        for _ in range(1000):
            self.namespace_counter += 1
            name = "slt_%d" % self.namespace_counter
            outcome = self.root_sql("CREATE NAMESPACE %s" % name)
            if outcome.ok:
                return name
            if outcome.code != "ALREADY_EXISTS":
                raise SetupError("cannot create namespace %s: %s" % (name, outcome.describe()))
        raise SetupError("no free slt_<n> namespace name")

    def ensure_user(self, name, password):
        if name == "root":
            return None
        if password is not None:
            self.client.set_password(name, password)
            self.known_users.add(name)
            return None
        if name in self.known_users:
            return None
        outcome = self.root_sql("CREATE USER IF NOT EXISTS %s WITH PASSWORD '%s' ROLE user" % (name, USER_PASSWORD))
        if not outcome.ok:
            return "cannot create user %s: %s" % (name, outcome.describe())
        self.client.set_password(name, USER_PASSWORD)
        self.known_users.add(name)
        return None

    # ---- server ownership ---------------------------------------------------------------
    def server_died(self):
        return self.server is not None and self.server.proc is not None and self.server.proc.poll() is not None

    def recover_server(self):
        """The owned server exited: note it and start it again on the same data."""
        code = self.server.proc.returncode
        log_tail = self.server.read_log()[-2000:]
        try:
            self.server.log.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
        self.server.proc = None
        if self.recoveries >= MAX_SERVER_RECOVERIES:
            return "server exited with code %s (not restarted: %d restarts already)" % (code, self.recoveries)
        self.recoveries += 1
        try:
            self.server.start()
        except Exception as exc:  # noqa: BLE001
            return "server exited with code %s and did not restart: %s" % (code, exc)
        self.last_log_tail = ["server log tail:"] + ["  " + line for line in log_tail.splitlines()[-20:]]
        return "server exited with code %s; restarted it" % code

    # ---- records -------------------------------------------------------------------------
    def skip_reason(self, rec):
        for word, db in rec.conditions:
            if word == "skipif" and db == ENGINE:
                return "skipif %s" % db
            if word == "onlyif" and db != ENGINE:
                return "onlyif %s" % db
        return None

    def run_statement(self, rec, state, user):
        outcome = self.client.sql(user, rec.sql, state["namespace"])
        if outcome.transport_error:
            return False, outcome.transport_error, []
        if rec.expect_ok:
            if outcome.ok:
                match = USE_RE.match(rec.sql)
                if match:                     # emulate the session's USE across requests
                    state["namespace"] = match.group(1)
                return True, None, []
            return False, "expected success, got %s" % outcome.describe(), []
        # statement error [pattern]
        if outcome.ok:
            return False, "expected an error, the statement succeeded", []
        pattern = rec.error_pattern
        status = outcome.status or 0
        if pattern is None:
            if status >= 500:
                return False, "expected an error, got a server error %s" % outcome.describe(), []
            return True, None, []
        if CODE_RE.match(pattern):
            if outcome.code == pattern:
                return True, None, []
            return False, "expected error code %s, got %s" % (pattern, outcome.describe()), []
        if status >= 500:
            return False, "expected an error matching /%s/, got a server error %s" % (pattern, outcome.describe()), []
        try:
            found = re.search(pattern, outcome.message)
        except re.error as exc:
            return False, "bad error regex /%s/: %s" % (pattern, exc), []
        if found:
            return True, None, []
        return False, "expected an error message matching /%s/, got %s" % (pattern, outcome.describe()), []

    def run_query(self, rec, state, user):
        outcome = self.client.sql(user, rec.sql, state["namespace"])
        if outcome.transport_error:
            return False, outcome.transport_error, []
        if not outcome.ok:
            return False, "query failed: %s" % outcome.describe(), []
        results = outcome.body.get("results") or []
        result = results[-1] if results else {}
        if "rows" not in result:
            return False, "the statement returned no result set (operation %s)" % result.get("operation"), []
        rows = result.get("rows") or []
        schema = result.get("schema") or []
        ncols = len(schema) if schema else (len(rows[0]) if rows else len(rec.types))
        if ncols != len(rec.types):
            return False, "wrong number of result columns: expected %d (%s) but got %d" % (
                len(rec.types), rec.types, ncols), []
        data_types = [(col.get("data_type") if isinstance(col, dict) else None) for col in schema] or [None] * ncols
        values = []
        for row in rows:
            if not isinstance(row, list) or len(row) != ncols:
                return False, "malformed row %r" % (row,), []
            for k, value in enumerate(row):
                values.append(format_value(value, rec.types[k], data_types[k]))
        values = sort_values(values, ncols, rec.sort)
        digest = md5_of(values)
        hashed_line = "%d values hashing to %s" % (len(values), digest)
        label_problem = None
        if rec.label:                 # all results with the same label must agree
            previous = state["labels"].get(rec.label)
            if previous is None:
                state["labels"][rec.label] = (digest, rec.line)
            elif previous[0] != digest:
                label_problem = "labeled result [%s] does not agree with the one at line %d" % (
                    rec.label, previous[1])

        expected = rec.expected if rec.expected is not None else []
        hash_match = HASH_RE.match(expected[0]) if len(expected) == 1 else None
        if hash_match:
            if int(hash_match.group(1)) != len(values) or hash_match.group(2).lower() != digest:
                return False, "wrong result hash", ["expected: " + expected[0], "actual:   " + hashed_line] + \
                    ["actual values:"] + ["  " + v for v in _short(values)]
        else:
            want = normalize_expected(expected, ncols, len(values))
            if want != values:
                detail = ["expected (%d values):" % len(want)] + ["  " + v for v in _short(want)]
                detail += ["actual (%d values):" % len(values)] + ["  " + v for v in _short(values)]
                first_diff = next((k for k in range(min(len(want), len(values))) if want[k] != values[k]), None)
                if first_diff is not None:
                    detail.append("first difference at value %d: expected %r, got %r"
                                  % (first_diff + 1, want[first_diff], values[first_diff]))
                return False, "wrong result", detail
        if label_problem:
            return False, label_problem, ["actual: " + hashed_line]
        return True, None, []

    def run_restart(self):
        try:
            self.server.restart()
        except Exception as exc:  # noqa: BLE001
            tail = ""
            try:
                tail = self.server.read_log()[-2000:]
            except OSError:
                pass
            return False, "restart failed: %s" % exc, tail.splitlines()[-20:]
        return True, None, []

    def execute(self, rec, state):
        if rec.kind == "invalid":
            return False, "parse error: %s" % rec.parse_error, []
        if rec.kind == "restart":
            return self.run_restart()
        user = rec.user or RUNNER_USER
        if rec.user:
            problem = self.ensure_user(rec.user, rec.user_password)
            if problem:
                return False, problem, []
        attempts, delay_ms = rec.retry or (1, 0)
        for attempt in range(1, attempts + 1):
            if rec.kind == "statement":
                passed, reason, detail = self.run_statement(rec, state, user)
            else:
                passed, reason, detail = self.run_query(rec, state, user)
            if passed:
                return True, None, []
            if attempt < attempts:
                time.sleep(delay_ms / 1000.0)
        if attempts > 1:
            reason = "%s (after %d attempts)" % (reason, attempts)
        return False, reason, detail

    def run_file(self, path):
        result = FileResult(path)
        try:
            records = parse_file(path)
        except OSError as exc:
            result.error = "cannot read: %s" % exc
            result.records = result.failed = 1
            result.failures.append((0, "", result.error, []))
            return result
        counted = [r for r in records if r.counted]
        whole, by_line = self.skip_list.for_file(path)
        if whole is not None:
            whole["used"] = True
            result.records = result.skipped = result.skipped_by_list = len(counted)
            return result

        if self.server_died():
            self.recover_server()
        try:
            namespace = self.create_namespace()
        except SetupError as exc:
            # Every record of the file fails: nothing could run.
            result.error = str(exc)
            result.records = result.failed = len(counted)
            result.failures.append((0, "", "file setup failed: %s" % exc, []))
            if self.stop_on_fail:
                self.stopped = True
            return result

        state = {"namespace": namespace, "labels": {}}
        for rec in records:
            if self.stopped:
                break
            if rec.kind == "halt" and self.skip_reason(rec) is None:
                result.halted_at = rec.line
                break
            if not rec.counted:
                # hash-threshold needs no state: a query's expected block is either the
                # values or "N values hashing to MD5", and is compared in that form.
                if rec.kind == "sleep" and self.skip_reason(rec) is None:
                    time.sleep(rec.arg / 1000.0)
                continue
            result.records += 1
            entry = by_line.get(rec.line) or by_line.get(rec.first_line)
            if entry is not None:
                entry["used"] = True
                result.skipped += 1
                result.skipped_by_list += 1
                continue
            if self.skip_reason(rec) is not None:
                result.skipped += 1
                continue
            if rec.kind == "restart" and self.server is None:
                result.skipped += 1          # needs a server the runner owns
                continue
            passed, reason, detail = self.execute(rec, state)
            if not passed and self.server_died():
                self.last_log_tail = []
                reason = "%s; %s" % (reason, self.recover_server())
                detail = detail + self.last_log_tail
            if passed:
                result.passed += 1
            else:
                result.failed += 1
                result.failures.append((rec.line, rec.sql, reason, detail))
                if self.verbose:
                    self.print_failure(path, rec.line, rec.sql, rec.user, reason, detail)
                if self.stop_on_fail:
                    self.stopped = True
        if not self.keep_namespaces:
            self.root_sql("DROP NAMESPACE IF EXISTS %s CASCADE" % namespace)
        return result

    def print_failure(self, path, line, sql, user, reason, detail):
        out = self.out
        out.write("  %s:%d: %s\n" % (display_path(path), line, reason))
        if sql:
            sql_lines = sql.split("\n")
            text = "\n         ".join(_short(sql_lines, limit=8, width=300))
            out.write("    sql: %s%s\n" % (text, "   (as %s)" % user if user else ""))
        for item in detail:
            out.write("    %s\n" % item)
        out.flush()


def display_path(path):
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


def collect_files(targets):
    files = []
    for target in targets:
        if os.path.isdir(target):
            found = []
            for root, dirs, names in os.walk(target):
                dirs.sort()
                found.extend(os.path.join(root, name) for name in names if name.endswith(".test"))
            files.extend(sorted(found))
        elif os.path.isfile(target):
            files.append(target)
        else:
            raise SetupError("no such file or directory: %s" % target)
    return files


def file_summary(result):
    status = "PASS" if result.failed == 0 else "FAIL"
    text = "%s %s: %d records, %d passed, %d failed, %d skipped" % (
        status, display_path(result.path), result.records, result.passed, result.failed, result.skipped)
    if result.skipped_by_list:
        text += " (%d by skip list)" % result.skipped_by_list
    if result.halted_at:
        text += "; halted at line %d" % result.halted_at
    if result.error:
        text += "; %s" % result.error
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run sqllogictest files through KalamDB's HTTP API.")
    parser.add_argument("targets", nargs="+", metavar="FILE_OR_DIR", help=".test files or directories of them")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--server-bin", help="server binary to start (default: $KALAMDB_SERVER_BIN or build/kalamdb-server)")
    target.add_argument("--url", help="use a running server instead, e.g. http://127.0.0.1:8080")
    parser.add_argument("--root-password", default=os.environ.get("KALAMDB_ROOT_PASSWORD", ""),
                        help="root's password with --url (default: $KALAMDB_ROOT_PASSWORD)")
    parser.add_argument("--skip-list", help="file of `path/file.test:LINE  # reason` lines (or `:*`)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every failure")
    parser.add_argument("--stop-on-fail", action="store_true", help="stop at the first failed record")
    parser.add_argument("--min-pass-rate", type=float, metavar="PCT",
                        help="exit 0 when passed/(passed+failed) is at least PCT percent")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per HTTP request (60)")
    parser.add_argument("--keep-namespaces", action="store_true", help="do not drop the slt_<n> namespaces")
    args = parser.parse_args(argv)
    out = sys.stdout

    server = None
    try:
        skip_list = SkipList(args.skip_list)
        files = collect_files(args.targets)
        if args.url:
            transport = Http(args.url, args.timeout)
            root_password = args.root_password
        else:
            binary = args.server_bin or os.environ.get("KALAMDB_SERVER_BIN") or \
                os.path.join(REPO_ROOT, "build", "kalamdb-server")
            binary = os.path.abspath(binary)
            if not os.access(binary, os.X_OK):
                raise SetupError("server binary not found or not executable: %s" % binary)
            sys.path.insert(0, HARNESS_DIR)
            import kalam_harness  # noqa: E402  (tests/integration/kalam_harness.py)
            kalam_harness.SERVER_BIN = binary
            server = kalam_harness.Server()
            try:
                server.start()
            except AssertionError as exc:
                raise SetupError("server did not start: %s" % exc)
            transport = Http("http://127.0.0.1:%d" % server.port, args.timeout)
            root_password = kalam_harness.ROOT_PASSWORD
        client = Client(transport, root_password)
        runner = Runner(client, server=server, skip_list=skip_list, verbose=args.verbose,
                        stop_on_fail=args.stop_on_fail, keep_namespaces=args.keep_namespaces, out=out)
        try:
            runner.setup()
        except (OSError, http.client.HTTPException) as exc:
            raise SetupError("cannot reach the server: %s" % exc)

        totals = {"passed": 0, "failed": 0, "skipped": 0, "by_list": 0}
        for path in files:
            if runner.stopped:
                break
            result = runner.run_file(path)
            for key, value in (("passed", result.passed), ("failed", result.failed),
                               ("skipped", result.skipped), ("by_list", result.skipped_by_list)):
                totals[key] += value
            out.write(file_summary(result) + "\n")
            out.flush()
    except SetupError as exc:
        out.write("error: %s\n" % exc)
        out.flush()
        return 2
    finally:
        if server is not None:
            server.close()

    for entry in skip_list.stale():
        out.write("warning: skip list entry %s matched no record\n" % entry["text"])
    ran = totals["passed"] + totals["failed"]
    rate = 100.0 * totals["passed"] / ran if ran else 100.0
    out.write("%d passed, %d failed, %d skipped\n" % (totals["passed"], totals["failed"], totals["skipped"]))
    out.write("pass rate: %.2f%% (%d of %d records run); %d skipped by skip list%s\n" % (
        rate, totals["passed"], ran, totals["by_list"], "; stopped at the first failure" if runner.stopped else ""))
    out.flush()
    if args.min_pass_rate is not None:
        return 0 if rate >= args.min_pass_rate else 1
    return 0 if totals["failed"] == 0 else 1


if __name__ == "__main__":
    try:
        exit_code = main()
    except BrokenPipeError:               # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        exit_code = 1
    sys.exit(exit_code)
