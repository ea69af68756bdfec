#!/usr/bin/env python3
"""Crash-loop soak (not part of CI): N cycles of concurrent acknowledged writes, kill -9,
restart, and verification that every acknowledged write is there, no statement is half
applied, and CHECK TABLE finds every index and _seq entry matching its row.

    python3 tests/soak/crash_loop.py --cycles 1000        # the documented run
    python3 tests/soak/crash_loop.py --cycles 20 --server-bin build-asan/kalamdb-server

Prints one line per cycle and a summary; exits 1 at the first cycle that loses or
corrupts anything (the data directory is kept and named)."""
import argparse
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import kalam_harness  # noqa: E402
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402

BATCH = 5  # rows per INSERT statement: all or none of them may exist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--window", type=float, default=0.2, help="longest write window before the kill, in s")
    parser.add_argument("--server-bin", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.server_bin:
        kalam_harness.SERVER_BIN = args.server_bin
    rng = random.Random(args.seed)
    server = Server(extra_env={"KALAMDB_STORAGE_ROCKSDB_SYNC_WRITES": "false"})
    server.start()
    root = server.bearer("root", ROOT_PASSWORD)
    ok = server.sql("CREATE NAMESPACE soak; CREATE TABLE soak.t (id BIGINT PRIMARY KEY, batch BIGINT, v TEXT, "
                    "tag TEXT UNIQUE); CREATE INDEX t_v ON soak.t (v, batch)", root)
    assert ok.status == 200, ok.body
    acknowledged = set()  # batch ids whose INSERT answered 200
    next_batch = [0]
    lock = threading.Lock()
    started = time.time()
    total_rows = 0
    try:
        for cycle in range(1, args.cycles + 1):
            stop = threading.Event()
            cycle_acks = []

            def writer():
                while not stop.is_set():
                    with lock:
                        batch = next_batch[0]
                        next_batch[0] += 1
                    values = ", ".join("(%d, %d, 'w%d', 't%d')" % (batch * BATCH + i, batch, batch % 7, batch * BATCH + i)
                                       for i in range(BATCH))
                    try:
                        resp = server.sql("INSERT INTO soak.t (id, batch, v, tag) VALUES " + values, root)
                    except OSError:
                        return
                    if resp.status == 200:
                        cycle_acks.append(batch)

            def churner():
                n = 0
                while not stop.is_set():
                    n += 1
                    # Many rows of recent batches (their index entries move), or one old batch: the
                    # work per cycle stays the same however large the table grows.
                    recent = max(0, next_batch[0] - 500)
                    sql = ("UPDATE soak.t SET v = 'u%d' WHERE batch >= %d AND batch %% 11 = %d" % (n, recent, n % 11)
                           if n % 2 else
                           "UPDATE soak.t SET v = v || 'x' WHERE batch = %d" % rng.randrange(max(1, next_batch[0])))
                    try:
                        server.sql(sql, root)
                    except OSError:
                        return

            threads = [threading.Thread(target=writer) for _ in range(args.writers)] + [threading.Thread(target=churner)]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.02, args.window))
            os.kill(server.proc.pid, signal.SIGKILL)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            server.proc.wait()
            server.proc = None
            server.log.close()
            acknowledged.update(cycle_acks)
            server.start()
            root = server.bearer("root", ROOT_PASSWORD)
            # Generous timeouts: a busy machine slows the checks, it does not fail them.
            rows = server.sql("SELECT batch, count(*) FROM soak.t GROUP BY batch", root,
                              timeout=600).json()["results"][0]["rows"]
            counts = {int(batch): count for batch, count in rows}
            missing = [b for b in acknowledged if counts.get(b) != BATCH]
            partial = [b for b, c in counts.items() if c != BATCH]
            check = server.sql("CHECK TABLE soak.t", root, timeout=600).json()["results"][0]["rows"][0]
            total_rows = sum(counts.values())
            print("cycle %d: %d acknowledged batches (+%d), %d rows, check %s" %
                  (cycle, len(acknowledged), len(cycle_acks), total_rows, check[2]), flush=True)
            if missing or partial or check[2] != "ok":
                print("FAILED: missing acknowledged batches %s, partial batches %s, check %s; data kept in %s" %
                      (missing[:10], partial[:10], check, server.data_dir))
                server.owns_dir = False
                return 1
    finally:
        server.close()
    print("soak: %d cycles in %.0f s, %d acknowledged batches, %d rows, nothing lost, CHECK TABLE ok every cycle" %
          (args.cycles, time.time() - started, len(acknowledged), total_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
