"""Randomized differential test of live queries (issue: live queries, item 8): several users
write (inserts, updates that move rows in and out of filters, primary-key changes, deletes,
committed and rolled-back transactions) while many subscriptions with random filters
follow; some subscribers disconnect and resume with `from`, all of them across a server
restart. At the end every subscriber's view must equal SELECT with the same WHERE, and
no row version may have reached a subscriber twice.

KALAM_LIVE_DIFF_SEED picks the seed (printed on failure); KALAM_LIVE_DIFF_ROUNDS the length."""
import asyncio
import json
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402
from live_client import LiveClient, View  # noqa: E402

ROOT = basic("root", ROOT_PASSWORD)
USERS = ["u0", "u1", "u2"]
PASSWORD = "diff-pass-123"
TAGS = ["a", "b", "ab", "B", "c", None]
SEED = int(os.environ.get("KALAM_LIVE_DIFF_SEED", random.randrange(1 << 30)))
ROUNDS = int(os.environ.get("KALAM_LIVE_DIFF_ROUNDS", "160"))
LOG = os.environ.get("KALAM_LIVE_DIFF_LOG")  # a file to trace writes and messages into
_log = open(LOG, "w") if LOG else None


def trace(*parts):
    if _log is not None:
        _log.write("%.3f " % time.monotonic() + " ".join(str(p) for p in parts) + "\n")
        _log.flush()


def random_filter(rng):
    """A WHERE over (id, n, tag) with the operators live.md lists; LIKE for ILIKE in SELECT."""
    n = rng.randrange(0, 20)
    tag = rng.choice([t for t in TAGS if t is not None])
    choices = [
        ("n > %d" % n, None),
        ("n <= %d AND tag IS NOT NULL" % n, None),
        ("tag = '%s'" % tag, None),
        ("tag IN ('%s', 'c')" % tag, None),
        ("n BETWEEN %d AND %d" % (n, n + 6), None),
        ("tag LIKE 'a%'", None),
        ("tag ILIKE 'B%'", "tag LIKE 'B%'"),
        ("tag IS NULL OR n % 3 = 0", None),
        ("NOT (n < %d) AND tag <> 'c'" % n, None),
        ("length(tag) = 2 OR (n != %d AND id < 30)" % n, None),
        ("upper(coalesce(tag, 'z')) IN ('A', 'Z')", None),
        ("id = %d" % rng.randrange(1, 40), None),
    ]
    live, select = rng.choice(choices)
    return live, select or live


class Subscriber:
    def __init__(self, user, table, where, select_where, sub_id):
        self.user, self.table, self.where, self.select_where, self.sub_id = user, table, where, select_where, sub_id
        self.view = View()
        self.client = None
        self.reader = None
        self.unexpected = []  # messages other than change/progress while live

    @property
    def sql(self):
        return "SELECT * FROM diff.%s WHERE %s" % (self.table, self.where)

    async def start(self, port, resume=False):
        self.client = LiveClient(port)
        reply = await self.client.connect(self.user, PASSWORD)
        assert reply["type"] == "auth_success", reply
        options = {"batch_size": 7}
        if resume:
            options["from"] = self.view.position
        ack, messages = await self.client.subscribe(self.sub_id, self.sql, options, timeout=30)
        trace("subscribed", self.sub_id, options, messages)
        assert ack["type"] == "subscription_ack", (self.sql, ack)
        self.view.apply_all(messages)
        self.reader = asyncio.ensure_future(self.read())

    async def read(self):
        while True:
            try:
                # ws.recv() itself, not under asyncio.wait_for: Python 3.11's wait_for can
                # swallow a cancellation that races with a message, and stop() would wait.
                message = json.loads(await self.client.ws.recv())
            except Exception:
                return
            if message["type"] not in ("change", "progress"):
                self.unexpected.append(message)
                return
            trace("recv", self.sub_id, message)
            self.view.apply(message)

    async def stop(self):
        trace("stopping", self.sub_id)
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except asyncio.CancelledError:
                pass
        await self.client.close()


class LiveDifferentialTest(unittest.TestCase):
    def test_every_view_equals_select(self):
        print("KALAM_LIVE_DIFF_SEED=%d" % SEED)
        rng = random.Random(SEED)
        server = Server(extra_env={"KALAMDB_WEBSOCKET_PROGRESS_INTERVAL_MS": "50"}).start()
        try:
            self.run_scenario(server, rng)
        except BaseException:
            print("failed with KALAM_LIVE_DIFF_SEED=%d" % SEED)
            raise
        finally:
            server.close()

    def sql(self, server, sql, auth):
        resp = server.sql(sql, auth)
        trace("sql", auth[6:10], sql, resp.status)
        self.assertEqual(resp.status, 200, (sql, resp.body))
        return resp.json()

    def run_scenario(self, server, rng):
        self.sql(server, "CREATE NAMESPACE diff", ROOT)
        self.sql(server, "CREATE TABLE diff.items (id BIGINT PRIMARY KEY, n INT, tag TEXT) WITH (TYPE = 'USER')", ROOT)
        self.sql(server, "CREATE TABLE diff.board (id BIGINT PRIMARY KEY, n INT, tag TEXT) "
                         "WITH (TYPE = 'SHARED', ACCESS_LEVEL = 'PUBLIC')", ROOT)
        for user in USERS:
            self.sql(server, "CREATE USER %s WITH PASSWORD '%s' ROLE service" % (user, PASSWORD), ROOT)
        auths = {user: basic(user, PASSWORD) for user in USERS}
        # Some rows before anyone subscribes (snapshots have something to send).
        for user in USERS:
            values = ", ".join("(%d, %d, %s)" % (i, rng.randrange(20), sql_text(rng.choice(TAGS)))
                               for i in range(1, 15))
            self.sql(server, "INSERT INTO diff.items (id, n, tag) VALUES " + values, auths[user])

        subscribers = []
        for user in USERS:
            for k in range(5):
                where, select_where = random_filter(rng)
                subscribers.append(Subscriber(user, "items", where, select_where, "%s-%d" % (user, k)))
            where, select_where = random_filter(rng)
            subscribers.append(Subscriber(user, "board", where, select_where, "%s-board" % user))

        async def scenario():
            for subscriber in subscribers:
                await subscriber.start(server.port)
            for round_number in range(ROUNDS):
                user = rng.choice(USERS)
                table = "board" if rng.random() < 0.2 else "items"
                await asyncio.get_running_loop().run_in_executor(
                    None, self.sql, server, random_write(rng, table), auths[user])
                if round_number % 40 == 17:  # a few subscribers leave and come back with `from`
                    for subscriber in rng.sample(subscribers, 3):
                        await subscriber.stop()
                        for _ in range(5):
                            await asyncio.get_running_loop().run_in_executor(
                                None, self.sql, server, random_write(rng, "items"), auths[subscriber.user])
                        await subscriber.start(server.port, resume=True)
                if round_number == ROUNDS // 2:  # everyone across a restart
                    for subscriber in subscribers:
                        await subscriber.stop()
                    await asyncio.get_running_loop().run_in_executor(None, server.restart)
                    for _ in range(5):
                        await asyncio.get_running_loop().run_in_executor(
                            None, self.sql, server, random_write(rng, "items"), auths[rng.choice(USERS)])
                    for subscriber in subscribers:
                        await subscriber.start(server.port, resume=True)
            # A last write orders after every other: once each subscriber's resume point
            # passed it, it has every change.
            marker = self.sql(server, "INSERT INTO diff.board (id, n, tag) VALUES (999999, 0, 'end') RETURNING _seq",
                              ROOT)["results"][0]["rows"][0][0]
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while any(s.view.position is None or int(s.view.position) < int(marker) for s in subscribers):
                self.assertLess(loop.time(), deadline, "subscribers did not reach the last write")
                await asyncio.sleep(0.05)
            for subscriber in subscribers:
                await subscriber.stop()

        asyncio.run(asyncio.wait_for(scenario(), 600))

        changes = 0
        for subscriber in subscribers:
            result = self.sql(server, "SELECT * FROM diff.%s WHERE %s" % (subscriber.table, subscriber.select_where),
                              auths[subscriber.user])["results"][0]
            names = [column["name"] for column in result["schema"]]
            expected = {row[0]: dict(zip(names, row)) for row in result["rows"]}
            got = {key: {k: v for k, v in row.items() if k != "_seq"} for key, row in subscriber.view.rows.items()}
            if got != expected:
                differing = sorted(set(got) ^ set(expected) | {k for k in got if k in expected and got[k] != expected[k]})
                self.fail("%s %s: %s\n  view:   %s\n  SELECT: %s" % (
                    subscriber.user, subscriber.sub_id, subscriber.sql, [got.get(k) for k in differing],
                    [expected.get(k) for k in differing]))
            self.assertEqual(subscriber.view.duplicates, [], subscriber.sql)
            self.assertEqual(subscriber.unexpected, [], subscriber.sql)
            changes += len(subscriber.view.seen)
        print("%d subscribers, %d row versions received, views equal SELECT" % (len(subscribers), changes))


def sql_text(value):
    return "NULL" if value is None else "'%s'" % value


def random_write(rng, table):
    """One statement or transaction against `table` (ids 1..40)."""
    def one():
        kind = rng.random()
        row_id = rng.randrange(1, 41)
        if kind < 0.35:
            return ("INSERT INTO diff.%s (id, n, tag) VALUES (%d, %d, %s) ON CONFLICT (id) DO UPDATE SET n = excluded.n, "
                    "tag = excluded.tag" % (table, row_id, rng.randrange(20), sql_text(rng.choice(TAGS))))
        if kind < 0.6:
            return "UPDATE diff.%s SET n = %d WHERE id = %d" % (table, rng.randrange(20), row_id)
        if kind < 0.7:
            return "UPDATE diff.%s SET tag = %s WHERE n > %d" % (table, sql_text(rng.choice(TAGS)), rng.randrange(20))
        if kind < 0.78:
            new_id = rng.randrange(41, 80)
            return "UPDATE diff.%s SET id = %d WHERE id = %d AND NOT EXISTS (SELECT 1 FROM diff.%s WHERE id = %d)" % (
                table, new_id, row_id, table, new_id)
        if kind < 0.9:
            return "DELETE FROM diff.%s WHERE id = %d" % (table, row_id)
        return "DELETE FROM diff.%s WHERE id > %d" % (table, 40 + rng.randrange(40))

    if rng.random() < 0.15:
        end = "COMMIT" if rng.random() < 0.6 else "ROLLBACK"
        return "BEGIN; %s; %s; %s" % (one(), one(), end)
    return one()


if __name__ == "__main__":
    unittest.main(verbosity=2)
