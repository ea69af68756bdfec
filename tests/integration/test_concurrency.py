"""Randomized concurrency with invariants, over many rounds: concurrent transfers
between accounts keep the total, concurrent increments lose nothing, concurrent claims
of one UNIQUE value have exactly one winner, writers to different USER scopes never
fail each other, and at the end of every round CHECK TABLE finds every index and _seq
entry matching its row."""
import json
import os
import random
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402

ROUNDS = 6
THREADS = 6
OPS_PER_THREAD = 40
ACCOUNTS = 8
START_BALANCE = 1000


class ConcurrencyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        users = []
        for n in range(3):
            cls.server.sql("CREATE USER cu%d WITH PASSWORD 'cu%d-pass-1'" % (n, n), cls.root)
            users.append(cls.server.bearer("cu%d" % n, "cu%d-pass-1" % n))
        cls.users = users
        resp = cls.server.sql(
            "CREATE NAMESPACE cc; "
            "CREATE SHARED TABLE cc.accounts (id INT PRIMARY KEY, balance INT NOT NULL, owner TEXT); "
            "CREATE INDEX accounts_owner ON cc.accounts (owner, balance); "
            "CREATE SHARED TABLE cc.counters (id INT PRIMARY KEY, n INT NOT NULL); "
            "CREATE SHARED TABLE cc.claims (id BIGINT PRIMARY KEY, handle TEXT UNIQUE, round INT); "
            "CREATE USER TABLE cc.notes (id INT PRIMARY KEY, body TEXT, tag TEXT UNIQUE); "
            "CREATE INDEX notes_body ON cc.notes (body)", cls.root)
        assert resp.status == 200, resp.body
        values = ", ".join("(%d, %d, 'o%d')" % (n, START_BALANCE, n % 3) for n in range(ACCOUNTS))
        assert cls.server.sql("INSERT INTO cc.accounts (id, balance, owner) VALUES " + values, cls.root).status == 200
        values = ", ".join("(%d, 0)" % n for n in range(4))
        assert cls.server.sql("INSERT INTO cc.counters (id, n) VALUES " + values, cls.root).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def run_sql(self, sql, auth=None):
        resp = self.server.sql(sql, auth or self.root)
        body = resp.json()
        return resp.status, body.get("error", {}).get("code"), body

    def test_invariants_hold_over_random_rounds(self):
        for round_number in range(ROUNDS):
            rng = random.Random(7000 + round_number)
            seeds = [rng.randrange(1 << 30) for _ in range(THREADS)]
            increments = [0] * 4
            claim_wins = {}
            note_failures = []
            unexpected = []
            lock = threading.Lock()

            def worker(thread_number):
                local = random.Random(seeds[thread_number])
                user = thread_number % len(self.users)
                for op_number in range(OPS_PER_THREAD):
                    kind = local.random()
                    if kind < 0.35:  # a transfer between two accounts, as one transaction
                        a, b = local.sample(range(ACCOUNTS), 2)
                        amount = local.randint(1, 50)
                        status, code, _ = self.run_sql(
                            "BEGIN; UPDATE cc.accounts SET balance = balance - %d WHERE id = %d; "
                            "UPDATE cc.accounts SET balance = balance + %d, owner = 'o%d' WHERE id = %d; COMMIT"
                            % (amount, a, amount, local.randrange(3), b))
                        if status != 200 and code != "TRANSACTION_CONFLICT":
                            with lock:
                                unexpected.append(("transfer", code))
                    elif kind < 0.6:  # an increment
                        counter = local.randrange(4)
                        status, code, _ = self.run_sql("UPDATE cc.counters SET n = n + 1 WHERE id = %d" % counter)
                        with lock:
                            if status == 200:
                                increments[counter] += 1
                            elif code != "TRANSACTION_CONFLICT":
                                unexpected.append(("increment", code))
                    elif kind < 0.8:  # every thread claims the same few handles of this round
                        handle = "r%d-h%d" % (round_number, local.randrange(5))
                        status, code, _ = self.run_sql(
                            "INSERT INTO cc.claims (id, handle, round) VALUES (snowflake_id(), '%s', %d)"
                            % (handle, round_number))
                        with lock:
                            if status == 200:
                                claim_wins[handle] = claim_wins.get(handle, 0) + 1
                            elif code != "PRIMARY_KEY_VIOLATION":
                                unexpected.append(("claim", code))
                    else:  # USER-table writes: each thread in its own rows, so they never conflict
                        key = thread_number * 100000 + round_number * 1000 + op_number
                        status, code, _ = self.run_sql(
                            "INSERT INTO cc.notes (id, body, tag) VALUES (%d, 'b%d', 't%d'); "
                            "UPDATE cc.notes SET body = 'u%d' WHERE id = %d" % (key, key % 7, key, key % 5, key),
                            self.users[user])
                        if status != 200:
                            with lock:
                                note_failures.append(code)

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            self.assertEqual(unexpected, [], "round %d" % round_number)
            self.assertEqual(note_failures, [], "writers of different rows never fail each other")
            _, _, body = self.run_sql("SELECT SUM(balance), COUNT(*) FROM cc.accounts")
            total, count = body["results"][0]["rows"][0]
            self.assertEqual((int(total), int(count)), (ACCOUNTS * START_BALANCE, ACCOUNTS),
                             "round %d: transfers keep the total" % round_number)
            _, _, body = self.run_sql("SELECT id, n FROM cc.counters ORDER BY id")
            if round_number == 0:
                self.expected_counts = [0] * 4
            for counter in range(4):
                self.expected_counts[counter] += increments[counter]
            self.assertEqual([int(row[1]) for row in body["results"][0]["rows"]], self.expected_counts,
                             "round %d: no increment is lost" % round_number)
            _, _, body = self.run_sql("SELECT handle, COUNT(*) FROM cc.claims WHERE round = %d GROUP BY handle"
                                      % round_number)
            stored = {row[0]: int(row[1]) for row in body["results"][0]["rows"]}
            self.assertEqual(stored, {handle: 1 for handle in claim_wins}, "one row per claimed handle")
            self.assertTrue(all(wins == 1 for wins in claim_wins.values()),
                            "round %d: exactly one winner per handle: %s" % (round_number, claim_wins))
            for table in ("accounts", "counters", "claims"):
                _, _, body = self.run_sql("CHECK TABLE cc." + table)
                row = body["results"][0]["rows"][0]
                self.assertEqual(row[2], "ok", "round %d: %s: %s" % (round_number, table, row[7]))
            # the index answers like a scan of the rows
            _, _, indexed = self.run_sql("SELECT id FROM cc.accounts WHERE owner = 'o1' ORDER BY id")
            _, _, scanned = self.run_sql("SELECT id FROM cc.accounts WHERE owner || '' = 'o1' ORDER BY id")
            self.assertEqual(indexed["results"][0]["rows"], scanned["results"][0]["rows"])
        for user in self.users:
            _, _, body = self.run_sql("SELECT COUNT(*) FROM cc.notes WHERE body LIKE 'u%'", user)
            self.assertGreater(int(body["results"][0]["rows"][0][0]), 0)
        _, _, body = self.run_sql("CHECK TABLE cc.notes")
        self.assertEqual(body["results"][0]["rows"][0][2], "ok", body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
