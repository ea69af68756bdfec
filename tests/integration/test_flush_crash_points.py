"""A flush killed at each of its named crash points (common/crash_point.h): after a
restart nothing acknowledged is lost, nothing is visible twice, the manifest lists
exactly the registered segments, no temp or orphan file is left, the interrupted job is
marked failed and queued again, and the next flush completes."""
import glob
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402

CRASH_POINTS = ["flush.before_file", "flush.after_temp_file", "flush.after_rename", "flush.after_manifest",
                "flush.after_register", "flush.during_pointers", "flush.after_pointers"]
ROWS = 9000  # more than two pointer batches (4,096 rows each)


class FlushCrashPointTest(unittest.TestCase):
    def run_point(self, point):
        # @2: the first flush passes the point; the second one dies there.
        server = Server(extra_env={"KALAMDB_CRASH_POINT": point + "@2"})
        try:
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)

            def sql(text):
                resp = server.sql(text, root, timeout=60)
                self.assertEqual(resp.status, 200, resp.body)
                return resp.json()["results"]

            sql("CREATE NAMESPACE app; CREATE SHARED TABLE app.t (id BIGINT PRIMARY KEY, v TEXT, n INT UNIQUE)")
            for start in range(0, ROWS, 1000):
                sql("INSERT INTO app.t (id, v, n) VALUES " +
                    ", ".join("(%d, 'v%d', %d)" % (i, i, i) for i in range(start, start + 1000)))
            # Rows flushed once already, then changed: the crash hits a second flush.
            sql("STORAGE FLUSH TABLE app.t")
            self.wait_until(lambda: self.cold_rows(sql) == ROWS, "the first flush")
            sql("UPDATE app.t SET v = 'changed' WHERE id < 100; DELETE FROM app.t WHERE id >= 8900")
            sql("INSERT INTO app.t (id, v, n) VALUES " +
                ", ".join("(%d, 'new%d', %d)" % (i, i, i) for i in range(20000, 24000)))
            expected = sql("SELECT id, v, n FROM app.t ORDER BY id")[0]["rows"]
            self.assertEqual(len(expected), ROWS - 100 + 4000)
            job_id = sql("STORAGE FLUSH TABLE app.t")[0]["rows"][0][0]
            code = server.proc.wait(timeout=60)
            self.assertEqual(code, -9, "the server should have killed itself at " + point)
            server.proc = None
            server.log.close()

            server.extra_env = {}
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            self.assertEqual(sql("SELECT id, v, n FROM app.t ORDER BY id")[0]["rows"], expected, point)
            check = sql("CHECK TABLE app.t")[0]["rows"][0]
            self.assertEqual(check[2], "ok", check)
            self.assert_files_consistent(server, point)
            job = sql("SELECT status, error FROM system.jobs WHERE job_id = '%s'" % job_id)[0]["rows"][0]
            self.assertEqual(job, ["failed", "server restarted during execution"], point)
            # The flush was queued again and finishes; the data reads the same after it.
            self.wait_until(lambda: self.cold_rows(sql) == len(expected), "the re-queued flush")
            self.assertEqual(sql("SELECT id, v, n FROM app.t ORDER BY id")[0]["rows"], expected, point)
            self.assert_files_consistent(server, point)
            server.restart()
            root = server.bearer("root", ROOT_PASSWORD)
            self.assertEqual(sql("SELECT id, v, n FROM app.t ORDER BY id")[0]["rows"], expected, point)
            self.assertEqual(sql("CHECK TABLE app.t")[0]["rows"][0][2], "ok")
        finally:
            server.close()

    def cold_rows(self, sql):
        result = sql("SHOW STATS FOR TABLE app.t")[0]
        names = [column["name"] for column in result["schema"]]
        return int(dict(zip(names, result["rows"][0]))["cold_rows"])

    def wait_until(self, predicate, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        self.fail("timed out waiting for " + what)

    def assert_files_consistent(self, server, point):
        directory = os.path.join(server.data_dir, "data", "storage", "app", "t")
        self.assertEqual(glob.glob(os.path.join(directory, "*.tmp")), [], point)
        manifest = json.load(open(os.path.join(directory, "manifest.json")))
        listed = sorted(segment["path"] for segment in manifest["segments"])
        on_disk = sorted(os.path.basename(path) for path in glob.glob(os.path.join(directory, "*.parquet")))
        self.assertEqual(listed, on_disk, point)


def make_test(point):
    return lambda self: self.run_point(point)


for crash_point in CRASH_POINTS:
    setattr(FlushCrashPointTest, "test_" + crash_point.replace(".", "_"), make_test(crash_point))


if __name__ == "__main__":
    unittest.main(verbosity=2)
