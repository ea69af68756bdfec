"""kill -9 during a concurrent write load (inserts, updates of indexed columns,
deletes): after a restart every acknowledged row is there, no statement is half
applied, and CHECK TABLE finds every index and _seq entry matching its row."""
import os
import signal
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402


class CrashRecoveryTest(unittest.TestCase):
    def test_acknowledged_rows_survive_kill_9(self):
        server = Server().start()
        try:
            root = server.bearer("root", ROOT_PASSWORD)
            self.assertEqual(server.sql("CREATE NAMESPACE crash; CREATE TABLE crash.t (id INT PRIMARY KEY, batch INT, "
                                        "v TEXT, tag TEXT UNIQUE); CREATE INDEX t_v ON crash.t (v, batch)",
                                        root).status, 200)
            acknowledged = []
            stop = threading.Event()

            def writer(worker):
                batch = 0
                while not stop.is_set() and batch < 400:
                    base = (worker * 1000 + batch) * 10
                    values = ", ".join("(%d, %d, 'w%d', 't%d')" % (base + i, base, worker, base + i) for i in range(10))
                    try:
                        resp = server.sql("INSERT INTO crash.t (id, batch, v, tag) VALUES " + values, root)
                    except OSError:
                        return
                    if resp.status == 200:
                        acknowledged.append(base)
                    batch += 1

            def churner():
                # updates and deletes move index entries while the inserts run
                n = 0
                while not stop.is_set():
                    n += 1
                    sql = ("UPDATE crash.t SET v = 'u%d' WHERE id %% 7 = %d AND batch < 100000" % (n, n % 7)
                           if n % 3 else "DELETE FROM crash.t WHERE id = %d" % (n * 13 % 3000 * 10 + 1))
                    try:
                        server.sql(sql, root)
                    except OSError:
                        return

            threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
            threads.append(threading.Thread(target=churner))
            for thread in threads:
                thread.start()
            while len(acknowledged) < 60:
                threading.Event().wait(0.01)
            os.kill(server.proc.pid, signal.SIGKILL)  # no graceful shutdown, no flush
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            server.proc.wait()
            server.proc = None
            server.log.close()
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            resp = server.sql("SELECT batch, COUNT(*) FROM crash.t GROUP BY batch", root)
            self.assertEqual(resp.status, 200, resp.body)
            counts = {int(row[0]): int(row[1]) for row in resp.json()["results"][0]["rows"]}
            for base in acknowledged:
                self.assertIn(counts.get(base), (9, 10), "acknowledged batch %d lost" % base)
            for base, count in counts.items():
                # the churner deletes rows ending in 1: a batch keeps 9 or 10
                self.assertIn(count, (9, 10), "statement %d is half applied" % base)
            check = server.sql("CHECK TABLE crash.t", root).json()
            self.assertEqual(check["results"][0]["rows"][0][2], "ok", check)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
