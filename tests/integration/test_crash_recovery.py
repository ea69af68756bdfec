"""kill -9 right after acknowledged inserts: after a restart every acknowledged
row is there and no statement is half applied."""
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
                                        "v TEXT)", root).status, 200)
            acknowledged = []
            stop = threading.Event()

            def writer(worker):
                batch = 0
                while not stop.is_set() and batch < 400:
                    base = (worker * 1000 + batch) * 10
                    values = ", ".join("(%d, %d, 'w%d')" % (base + i, base, worker) for i in range(10))
                    try:
                        resp = server.sql("INSERT INTO crash.t (id, batch, v) VALUES " + values, root)
                    except OSError:
                        return
                    if resp.status == 200:
                        acknowledged.append(base)
                    batch += 1

            threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
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
                self.assertEqual(counts.get(base), 10, "acknowledged batch %d lost" % base)
            for base, count in counts.items():
                self.assertEqual(count, 10, "statement %d is half applied" % base)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
