"""Cold storage through the HTTP API, as a new user meets it: a flush policy moves rows
into Parquet files that DuckDB reads with the right names, types and values; reads are
the same before and after, through updates, deletes and a restart; STORAGE FLUSH TABLE,
SHOW JOBS, KILL JOB and the cleanup after DROP TABLE."""
import datetime
import glob
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "..", "parquet", "dump_parquet.mjs")
ROWS_PER_USER = 2500


def batch_number(path):
    return int(os.path.basename(path)[len("batch-"):-len(".parquet")])


def duckdb_read(paths):
    """What DuckDB reads from the files, oldest batch first: [{"path", "columns", "rows"}]."""
    out = subprocess.run(["node", DUMP] + sorted(paths, key=batch_number), check=True, capture_output=True,
                         timeout=120)
    return json.loads(out.stdout)["files"]


def epoch_us(iso):
    stamp = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    delta = stamp - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return str((delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds)


class ColdStorageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"KALAMDB_FLUSH_CHECK_INTERVAL_SECONDS": "1",
                                       "KALAMDB_USER_MANAGEMENT_DELETION_GRACE_PERIOD_DAYS": "0"}).start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        for user, role in (("alice", "user"), ("bob", "user"), ("svc1", "service"), ("svc2", "service")):
            resp = cls.server.sql("CREATE USER %s WITH PASSWORD '%s-pass-1' ROLE %s" % (user, user, role), cls.root)
            assert resp.status == 200, resp.body
        cls.alice = cls.server.bearer("alice", "alice-pass-1")
        cls.bob = cls.server.bearer("bob", "bob-pass-1")
        cls.svc1 = cls.server.bearer("svc1", "svc1-pass-1")
        cls.svc2 = cls.server.bearer("svc2", "svc2-pass-1")
        resp = cls.server.sql(
            "CREATE NAMESPACE chat; CREATE USER TABLE chat.messages (id BIGINT PRIMARY KEY, room TEXT NOT NULL, "
            "body TEXT, price DECIMAL(10,2), at TIMESTAMP, seen BOOLEAN, score DOUBLE) "
            "WITH (FLUSH_POLICY = 'rows:1000'); "
            "CREATE STREAM TABLE chat.typing (id BIGINT PRIMARY KEY, who TEXT) WITH (TTL_SECONDS = 60)", cls.root)
        assert resp.status == 200, resp.body

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    # -- helpers ------------------------------------------------------------------------
    def sql(self, sql, auth, status=200):
        resp = self.server.sql(sql, auth, timeout=60)
        self.assertEqual(resp.status, status, resp.body)
        return resp.json()

    def rows(self, sql, auth):
        return self.sql(sql, auth)["results"][-1]["rows"]

    def insert(self, auth, first, count):
        for start in range(first, first + count, 500):
            values = ", ".join(
                "(%d, 'room%d', 'message %d', %d.%02d, '2026-03-%02dT10:%02d:00.%06dZ', %s, %s)"
                % (i, i % 7, i, i, i % 100, 1 + i % 28, i % 60, i, "TRUE" if i % 2 else "FALSE",
                   "NULL" if i % 9 == 0 else "%d.5" % i)
                for i in range(start, min(start + 500, first + count)))
            self.sql("INSERT INTO chat.messages (id, room, body, price, at, seen, score) VALUES " + values, auth)

    def stats(self):
        result = self.sql("SHOW STATS FOR TABLE chat.messages", self.root)["results"][0]
        names = [column["name"] for column in result["schema"]]
        return {name: int(value) if name in ("hot_rows", "cold_rows", "cold_bytes") else value
                for name, value in zip(names, result["rows"][0])}

    def wait_for(self, predicate, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        self.fail("timed out waiting for " + what)

    def wait_job(self, job_id):
        def finished():
            rows = self.rows("SELECT status, message, error FROM system.jobs WHERE job_id = '%s'" % job_id, self.root)
            return rows[0] if rows and rows[0][0] in ("completed", "failed", "cancelled", "skipped") else None
        return self.wait_for(finished, "job " + job_id)

    def user_dir(self, user):
        return os.path.join(self.server.data_dir, "data", "storage", "chat", "messages", user)

    def newest_cold_rows(self, user):
        """The user's rows as DuckDB reads them from every file: newest _seq per id, no tombstones."""
        files = duckdb_read(glob.glob(os.path.join(self.user_dir(user), "batch-*.parquet")))
        self.assertTrue(files, "no Parquet files for " + user)
        newest = {}
        for file in files:
            names = [column["name"] for column in file["columns"]]
            for row in file["rows"]:
                record = dict(zip(names, row))
                if record["id"] not in newest or int(record["_seq"]) > int(newest[record["id"]]["_seq"]):
                    newest[record["id"]] = record
        return files, {key: value for key, value in newest.items() if not value["_deleted"]}

    def assert_files_match_select(self, user, auth):
        files, cold = self.newest_cold_rows(user)
        types = {column["name"]: column["type"] for column in files[0]["columns"]}
        self.assertEqual(types, {"id": "BIGINT", "room": "VARCHAR", "body": "VARCHAR", "price": "DECIMAL(10,2)",
                                 "at": "TIMESTAMP WITH TIME ZONE", "seen": "BOOLEAN", "score": "DOUBLE",
                                 "_seq": "BIGINT", "_deleted": "BOOLEAN"})
        selected = self.rows("SELECT id, room, body, price, at, seen, score, _seq FROM chat.messages ORDER BY id", auth)
        self.assertEqual(len(selected), len(cold))
        for id_, room, body, price, at, seen, score, seq in selected:
            record = cold[id_]
            self.assertEqual(record["room"], room)
            self.assertEqual(record["body"], body)
            self.assertEqual(record["price"], price)
            self.assertEqual(record["at"], epoch_us(at))
            self.assertEqual(record["seen"], seen)
            self.assertEqual(record["score"], score)
            self.assertEqual(record["_seq"], seq)

    # -- the acceptance walk --------------------------------------------------------------
    def test_1_policy_flush_files_and_reads(self):
        self.insert(self.alice, 0, ROWS_PER_USER)
        self.insert(self.bob, 100000, ROWS_PER_USER)
        before = {user: self.rows("SELECT * FROM chat.messages ORDER BY id", auth)
                  for user, auth in (("alice", self.alice), ("bob", self.bob))}
        # The scheduler sees 2,500 unflushed rows per user (limit 1,000) and flushes them.
        self.wait_for(lambda: self.stats()["cold_rows"] == 2 * ROWS_PER_USER, "the policy flush")
        jobs = self.rows("SELECT job_type, status, created_by FROM system.jobs WHERE job_type = 'flush'", self.root)
        self.assertIn(["flush", "completed", "system"], jobs)
        stats = self.stats()
        self.assertEqual(stats["hot_rows"], 0)
        # At least one file per user (the scheduler may pass while a user is still writing).
        self.assertGreaterEqual(stats["cold_segments"], 2)
        self.assertGreater(stats["cold_bytes"], 0)
        self.assertIsNotNone(stats["last_flush_at"])
        for user in ("alice", "bob"):
            self.assertTrue(os.path.exists(os.path.join(self.user_dir(user), "manifest.json")))
            manifest = json.load(open(os.path.join(self.user_dir(user), "manifest.json")))
            self.assertEqual((manifest["table"], manifest["scope"]), ("chat.messages", user))
            self.assertEqual(sum(segment["row_count"] for segment in manifest["segments"]), ROWS_PER_USER)
        self.assert_files_match_select("alice", self.alice)
        self.assert_files_match_select("bob", self.bob)
        for user, auth in (("alice", self.alice), ("bob", self.bob)):
            self.assertEqual(self.rows("SELECT * FROM chat.messages ORDER BY id", auth), before[user])

    def test_2_updates_deletes_and_restart(self):
        self.sql("UPDATE chat.messages SET body = 'edited' WHERE id IN (5, 6)", self.alice)
        self.sql("DELETE FROM chat.messages WHERE id BETWEEN 10 AND 19", self.alice)
        check = "SELECT id, body FROM chat.messages WHERE id BETWEEN 4 AND 21 ORDER BY id"
        # BIGINT values travel as JSON strings (api.md: 64-bit integers keep every digit).
        expected = [["4", "message 4"], ["5", "edited"], ["6", "edited"], ["7", "message 7"], ["8", "message 8"],
                    ["9", "message 9"], ["20", "message 20"], ["21", "message 21"]]
        self.assertEqual(self.rows(check, self.alice), expected)
        self.assertEqual(self.rows("SELECT count(*) FROM chat.messages", self.alice), [[ROWS_PER_USER - 10]])
        # Rows by secondary paths: a range, an aggregate, a key that was flushed.
        self.assertEqual(self.rows("SELECT count(*) FROM chat.messages WHERE room = 'room3'", self.alice),
                         [[sum(1 for i in range(ROWS_PER_USER) if i % 7 == 3 and not 10 <= i <= 19)]])
        resp = self.server.sql("INSERT INTO chat.messages (id, room) VALUES (7, 'x')", self.alice)
        self.assertEqual((resp.status, resp.code), (409, "PRIMARY_KEY_VIOLATION"), resp.body)
        self.server.restart()
        self.__class__.root = self.server.bearer("root", ROOT_PASSWORD)
        self.__class__.alice = self.server.bearer("alice", "alice-pass-1")
        self.assertEqual(self.rows(check, self.alice), expected)
        # Flush the changes: tombstones become _deleted rows in a new file.
        files_before = len(glob.glob(os.path.join(self.user_dir("alice"), "batch-*.parquet")))
        job = self.sql("STORAGE FLUSH TABLE chat.messages", self.root)["results"][0]
        self.assertEqual(job["operation"], "flush")
        self.assertEqual(job["rows_affected"], 1)
        job_id = job["rows"][0][0]
        self.assertTrue(job_id.startswith("FL-"), job_id)
        self.assertEqual(self.wait_job(job_id)[0], "completed")
        self.assertEqual(self.rows(check, self.alice), expected)
        files, cold = self.newest_cold_rows("alice")
        self.assertEqual(len(files), files_before + 1)
        deleted = [row for row in files[-1]["rows"] if row[-1] is True]
        self.assertEqual(len(deleted), 10)
        self.assert_files_match_select("alice", self.alice)

    def test_3_flush_statements_and_jobs(self):
        # Twice in one request: the second finds the first still queued or running.
        self.insert(self.bob, 200000, 3000)
        results = self.sql("STORAGE FLUSH TABLE chat.messages; FLUSH TABLE chat.messages", self.svc1)["results"]
        first, second = results[0]["rows"][0][0], results[1]["rows"][0][0]
        self.assertEqual(first, second)
        self.assertEqual(self.wait_job(first)[0], "completed")
        # Nothing left: skipped. (The policy scheduler may have flushed bob's scope while
        # he was still writing, leaving the rest for one more flush.)
        for _ in range(5):
            result = self.sql("STORAGE FLUSH TABLE chat.messages", self.svc1)["results"][0]
            if result["rows"][0][2] == "skipped":
                break
            self.wait_job(result["rows"][0][0])
        self.assertEqual(result["rows"][0][2], "skipped")
        # STREAM tables cannot be flushed; a user may not flush at all.
        resp = self.server.sql("STORAGE FLUSH TABLE chat.typing", self.root)
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"), resp.body)
        resp = self.server.sql("STORAGE FLUSH TABLE chat.messages", self.alice)
        self.assertEqual((resp.status, resp.code), (403, "AUTH_INSUFFICIENT_ROLE"), resp.body)
        # KILL JOB of a finished job names its status; another service user cannot see it.
        resp = self.server.sql("KILL JOB '%s'" % first, self.svc1)
        self.assertEqual((resp.status, resp.code), (400, "INVALID_ARGUMENT"), resp.body)
        self.assertEqual(resp.json()["error"]["details"]["status"], "completed")
        resp = self.server.sql("KILL JOB '%s'" % first, self.svc2)
        self.assertEqual((resp.status, resp.code), (404, "NOT_FOUND_JOB"), resp.body)
        resp = self.server.sql("KILL JOB 'FL-000000000000'", self.root)
        self.assertEqual((resp.status, resp.code), (404, "NOT_FOUND_JOB"), resp.body)
        # SHOW JOBS: svc1 sees its own jobs only, root sees every job.
        mine = self.rows("SHOW JOBS", self.svc1)
        self.assertTrue(mine and all(row[9] == "svc1" for row in mine), mine)
        self.assertGreater(len(self.rows("SHOW JOBS", self.root)), len(mine))
        self.assertEqual(self.rows("SHOW JOBS", self.svc2), [])
        # FLUSH ALL: one row per USER/SHARED table of the namespace.
        result = self.sql("STORAGE FLUSH ALL IN chat", self.root)["results"][0]
        self.assertEqual([row[1] for row in result["rows"]], ["chat.messages"])

    def test_4_drop_table_removes_the_files(self):
        self.assertTrue(glob.glob(os.path.join(self.user_dir("alice"), "batch-*.parquet")))
        # No flush still running (one that is would remove its own file after the drop).
        self.wait_for(lambda: not self.rows("SELECT job_id FROM system.jobs WHERE status IN "
                                            "('queued', 'running', 'retrying')", self.root), "idle jobs")
        self.sql("DROP TABLE chat.messages", self.root)
        job = self.wait_for(lambda: self.rows("SELECT job_id, status FROM system.jobs WHERE job_type = 'cleanup' "
                                              "AND status = 'completed'", self.root), "the cleanup job")
        self.assertTrue(job)
        self.assertEqual(glob.glob(os.path.join(self.server.data_dir, "data", "storage", "chat", "messages", "*", "*")), [])
        # The name is free at once, and the new table starts empty.
        self.sql("CREATE USER TABLE chat.messages (id BIGINT PRIMARY KEY, room TEXT NOT NULL, body TEXT, "
                 "price DECIMAL(10,2), at TIMESTAMP, seen BOOLEAN, score DOUBLE)", self.root)
        self.assertEqual(self.rows("SELECT count(*) FROM chat.messages", self.alice), [[0]])

    def test_5_drop_user_removes_their_rows_and_files(self):
        self.insert(self.alice, 0, 300)
        self.insert(self.bob, 0, 400)
        job_id = self.sql("STORAGE FLUSH TABLE chat.messages", self.root)["results"][0]["rows"][0][0]
        self.assertEqual(self.wait_job(job_id)[0], "completed")
        self.insert(self.bob, 1000, 50)  # hot rows too
        self.assertTrue(glob.glob(os.path.join(self.user_dir("bob"), "batch-*.parquet")))
        self.sql("DROP USER bob", self.root)
        # With a grace period of 0 days the next scheduler pass purges bob's data.
        job = self.wait_for(lambda: self.rows("SELECT status, message FROM system.jobs WHERE job_type = "
                                              "'user_cleanup' AND status = 'completed'", self.root),
                            "the user cleanup job")
        self.assertIn("bob", job[0][1])
        self.assertFalse(os.path.exists(self.user_dir("bob")))
        stats = self.stats()
        self.assertEqual(stats["hot_rows"] + stats["cold_rows"], 300)  # alice's rows only
        self.assertEqual(self.rows("SELECT count(*) FROM chat.messages", self.alice), [[300]])
        self.assertTrue(glob.glob(os.path.join(self.user_dir("alice"), "batch-*.parquet")))
        self.assertEqual(self.rows("CHECK TABLE chat.messages", self.root)[0][2], "ok")


if __name__ == "__main__":
    unittest.main(verbosity=2)
