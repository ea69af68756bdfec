"""Live queries over the WebSocket as a new user meets them (live.md): per-user rows,
EXECUTE AS, last_rows, exact insert/update/delete messages, resume with `from`, lossless
overflow, progress, KILL LIVE QUERY, system.live, the ends of a subscription (DROP TABLE,
DROP USER, role change, token expiry, shutdown) and the protocol's errors and limits."""
import asyncio
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server, basic  # noqa: E402
from live_client import LiveClient, View  # noqa: E402

ROOT = basic("root", ROOT_PASSWORD)
TABLE = "CREATE TABLE chat.messages (id BIGINT PRIMARY KEY, conv TEXT, content TEXT, n INT) WITH (TYPE = 'USER')"


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


class LiveQueriesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"KALAMDB_WEBSOCKET_PROGRESS_INTERVAL_MS": "200"}).start()
        for sql in ["CREATE NAMESPACE chat", TABLE,
                    "CREATE USER alice WITH PASSWORD 'alice-pass-1' ROLE user",
                    "CREATE USER bob WITH PASSWORD 'bob-pass-12' ROLE user",
                    "CREATE USER svc WITH PASSWORD 'svc-pass-12' ROLE service",
                    "CREATE USER admin WITH PASSWORD 'admin-pass-1' ROLE dba"]:
            cls.ok(sql)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    @classmethod
    def ok(cls, sql, auth=ROOT, params=None):
        resp = cls.server.sql(sql, auth, params=params)
        assert resp.status == 200, (sql, resp.body)
        return resp.json()

    def client(self):
        return LiveClient(self.server.port)

    # ---- acceptance ---------------------------------------------------------------

    def test_users_see_only_their_rows_and_execute_as(self):
        alice, bob = basic("alice", "alice-pass-1"), basic("bob", "bob-pass-12")
        self.ok("CREATE TABLE chat.inbox (id BIGINT PRIMARY KEY, conv TEXT, content TEXT) WITH (TYPE = 'USER')")
        self.ok("INSERT INTO chat.inbox (id, conv, content) VALUES (1, 'a', 'alice 1')", alice)
        self.ok("INSERT INTO chat.inbox (id, conv, content) VALUES (1, 'b', 'bob 1')", bob)

        async def scenario():
            ca, cb, cs = self.client(), self.client(), self.client()
            self.assertEqual((await ca.connect("alice", "alice-pass-1"))["type"], "auth_success")
            self.assertEqual((await cb.connect("bob", "bob-pass-12"))["role"], "user")
            await cs.connect("svc", "svc-pass-12")
            _, sa = await ca.subscribe("s", "SELECT * FROM chat.inbox")
            _, sb = await cb.subscribe("s", "SELECT * FROM chat.inbox")
            _, ss = await cs.subscribe("s", "EXECUTE AS USER 'bob' (SUBSCRIBE TO chat.inbox)")
            self.assertEqual([r["content"] for r in sa[-1]["rows"]], ["alice 1"])
            self.assertEqual([r["content"] for r in sb[-1]["rows"]], ["bob 1"])
            self.assertEqual([r["content"] for r in ss[-1]["rows"]], ["bob 1"])
            self.ok("INSERT INTO chat.inbox (id, conv, content) VALUES (2, 'b', 'bob 2')", bob)
            for c in (cb, cs):
                change = (await c.recv_until(lambda m: m["type"] == "change"))[-1]
                self.assertEqual((change["change_type"], change["rows"][0]["content"]), ("insert", "bob 2"))
            self.assertEqual([m for m in await ca.quiet() if m["type"] == "change"], [])
            # A user may not subscribe as another user.
            ack, _ = await ca.subscribe("x", "EXECUTE AS USER 'bob' (SELECT * FROM chat.inbox)")
            self.assertEqual((ack["type"], ack["code"]), ("error", "AUTH_INSUFFICIENT_ROLE"))
            for c in (ca, cb, cs):
                await c.close()

        run(scenario())

    def test_last_rows_changes_and_resume(self):
        bob = basic("bob", "bob-pass-12")
        self.ok("CREATE TABLE chat.conv (id BIGINT PRIMARY KEY, conversation_id TEXT, content TEXT) WITH (TYPE = 'USER')")
        values = ", ".join("(%d, 'c-42', 'm%d')" % (i, i) for i in range(1, 81))
        self.ok("INSERT INTO chat.conv (id, conversation_id, content) VALUES " + values, bob)
        self.ok("INSERT INTO chat.conv (id, conversation_id, content) VALUES (500, 'c-7', 'elsewhere')", bob)
        sql = "SELECT id, content, _seq FROM chat.conv WHERE conversation_id = 'c-42'"

        async def scenario():
            c = self.client()
            await c.connect("bob", "bob-pass-12")
            ack, messages = await c.subscribe("s1", sql, {"last_rows": 50, "batch_size": 20})
            self.assertEqual([col["name"] for col in ack["schema"]], ["id", "content", "_seq"])
            self.assertEqual([m["batch"] for m in messages], [0, 1, 2])
            self.assertEqual([len(m["rows"]) for m in messages], [20, 20, 10])
            rows = [r for m in messages for r in m["rows"]]
            self.assertEqual([r["id"] for r in rows], [str(i) for i in range(31, 81)])  # oldest first
            view = View()
            view.apply_all(messages)

            # Insert, update, delete from another connection: exactly these messages.
            self.ok("INSERT INTO chat.conv (id, conversation_id, content) VALUES (81, 'c-42', 'new')", bob)
            self.ok("UPDATE chat.conv SET content = 'edited' WHERE id = 81", bob)
            self.ok("DELETE FROM chat.conv WHERE id = 81", bob)
            self.ok("UPDATE chat.conv SET content = 'x' WHERE id = 500", bob)  # not in the conversation
            got = await c.recv_until(lambda m: m["type"] == "change" and m["change_type"] == "delete")
            changes = [m for m in got if m["type"] == "change"]
            self.assertEqual([m["change_type"] for m in changes], ["insert", "update", "delete"])
            self.assertEqual(changes[0]["rows"][0]["content"], "new")
            self.assertEqual(changes[1]["old_values"][0]["content"], "new")
            self.assertEqual(changes[1]["rows"][0]["content"], "edited")
            self.assertEqual(changes[2]["rows"][0]["id"], "81")
            for m in changes:
                self.assertEqual(m["seq"], m["rows"][0]["_seq"])
            view.apply_all(got)
            quiet = await c.quiet(0.6)  # no more changes; a progress message moves the resume point
            self.assertEqual([m for m in quiet if m["type"] == "change"], [])
            self.assertIn("progress", [m["type"] for m in quiet])
            view.apply_all(quiet)
            await c.close()

            # Disconnected: more writes. Resubscribing with `from` gives exactly them.
            resume_from = view.position
            self.ok("INSERT INTO chat.conv (id, conversation_id, content) VALUES (82, 'c-42', 'while away')", bob)
            self.ok("UPDATE chat.conv SET content = 'changed while away' WHERE id = 40", bob)
            self.ok("DELETE FROM chat.conv WHERE id = 41", bob)
            c = self.client()
            await c.connect("bob", "bob-pass-12")
            _, missed = await c.subscribe("s1", sql, {"from": resume_from})
            changes = [m for m in missed if m["type"] == "change"]
            got_rows = sorted((m["change_type"], r["id"]) for m in changes for r in m["rows"])
            self.assertEqual(got_rows, [("delete", "41"), ("update", "40"), ("update", "82")])
            self.assertEqual(missed[-1]["type"], "progress")
            view.apply_all(missed)
            # The view is the last-50 window it started with, kept up to date.
            expected = self.ok(sql + " AND id >= 31", bob)["results"][0]["rows"]
            self.assertEqual(sorted(view.rows), sorted(row[0] for row in expected))
            # Live again after the history.
            self.ok("INSERT INTO chat.conv (id, conversation_id, content) VALUES (83, 'c-42', 'back')", bob)
            change = (await c.recv_until(lambda m: m["type"] == "change"))[-1]
            self.assertEqual((change["change_type"], change["rows"][0]["id"]), ("insert", "83"))
            await c.close()

        run(scenario())

    def test_kill_live_query_and_system_live(self):
        async def scenario():
            c = self.client()
            await c.connect("alice", "alice-pass-1")
            ack, _ = await c.subscribe("k1", "SELECT * FROM chat.messages WHERE conv = 'k'")
            live_id = ack["live_id"]
            rows = self.ok("SELECT live_id, user_id, subscription_id, table_name FROM system.live",
                           basic("admin", "admin-pass-1"))["results"][0]["rows"]
            self.assertIn([live_id, "alice", "k1", "messages"], rows)
            # Others see only their own; SHOW LIVE QUERIES is the same table.
            self.assertEqual(self.ok("SHOW LIVE QUERIES", basic("bob", "bob-pass-12"))["results"][0]["rows"], [])
            mine = self.ok("SHOW LIVE QUERIES", basic("alice", "alice-pass-1"))["results"][0]["rows"]
            self.assertEqual([r[0] for r in mine], [live_id])
            stats = self.ok("SHOW STATS FOR TABLE chat.messages")["results"][0]
            live_column = [col["name"] for col in stats["schema"]].index("live_queries")
            self.assertGreaterEqual(stats["rows"][0][live_column], 1)
            # Bob cannot kill it (it looks missing); a dba can.
            resp = self.server.sql("KILL LIVE QUERY '%s'" % live_id, basic("bob", "bob-pass-12"))
            self.assertEqual((resp.status, resp.json()["error"]["code"]), (404, "NOT_FOUND_LIVE_QUERY"))
            result = self.ok("KILL LIVE QUERY '%s'" % live_id, basic("admin", "admin-pass-1"))["results"][0]
            self.assertEqual(result["rows_affected"], 1)
            end = (await c.recv_until(lambda m: m["type"] == "error"))[-1]
            self.assertEqual((end["id"], end["code"]), ("k1", "KILLED"))
            audit = self.ok("SELECT actor_user_id, target FROM system.audit_log WHERE action = 'KILL_LIVE_QUERY'")
            self.assertEqual(audit["results"][0]["rows"], [["admin", "live:" + live_id]])
            self.assertEqual(self.ok("SHOW LIVE QUERIES", basic("alice", "alice-pass-1"))["results"][0]["rows"], [])
            await c.close()

        run(scenario())

    def test_subscribe_over_http(self):
        resp = self.server.sql("SUBSCRIBE TO chat.messages WHERE conv = 'a' OPTIONS (last_rows = 10)",
                               basic("alice", "alice-pass-1"))
        self.assertEqual(resp.status, 200, resp.body)
        result = resp.json()["results"][0]
        names = [col["name"] for col in result["schema"]]
        self.assertEqual(names, ["subscription_id", "ws_url", "sql", "message"])
        row = dict(zip(names, result["rows"][0]))
        self.assertEqual(row["ws_url"], "ws://127.0.0.1:%d/v1/ws" % self.server.port)
        self.assertIn("WebSocket", row["message"])
        for sql, code in [("SUBSCRIBE TO chat.nope", "NOT_FOUND_TABLE"),
                          ("SUBSCRIBE TO chat.messages WHERE nope = 1", "INVALID_SQL_SYNTAX"),
                          ("SUBSCRIBE TO chat.messages WHERE conv IN (SELECT conv FROM chat.messages)", "UNSUPPORTED"),
                          ("SUBSCRIBE TO chat.messages WHERE random() > 0", "UNSUPPORTED"),
                          ("SUBSCRIBE TO chat.messages OPTIONS (batch_size = 0)", "INVALID_ARGUMENT")]:
            resp = self.server.sql(sql, basic("alice", "alice-pass-1"))
            self.assertEqual(resp.json()["error"]["code"], code, (sql, resp.body))

    # ---- lifecycle ------------------------------------------------------------------

    def test_drop_table_and_drop_user_end_subscriptions(self):
        self.ok("CREATE TABLE chat.doomed (id BIGINT PRIMARY KEY, v TEXT) WITH (TYPE = 'USER')")
        self.ok("CREATE USER carol WITH PASSWORD 'carol-pass-1' ROLE user")
        self.ok("CREATE TABLE chat.board (id BIGINT PRIMARY KEY, v TEXT) WITH (TYPE = 'SHARED', ACCESS_LEVEL = 'PRIVATE')")
        self.ok("CREATE USER dave WITH PASSWORD 'dave-pass-12' ROLE service")

        async def scenario():
            c = self.client()
            await c.connect("carol", "carol-pass-1")
            await c.subscribe("d", "SELECT * FROM chat.doomed")
            await c.subscribe("m", "SELECT * FROM chat.messages")
            # ALTER TABLE ends with SCHEMA_CHANGED and a resume point; resubscribing gets the
            # new column and what changed meanwhile.
            self.ok("INSERT INTO chat.doomed (id, v) VALUES (1, 'one')", basic("carol", "carol-pass-1"))
            await c.recv_until(lambda m: m["type"] == "change")
            self.ok("ALTER TABLE chat.doomed ADD COLUMN extra TEXT DEFAULT 'x'")
            end = (await c.recv_until(lambda m: m["type"] == "error"))[-1]
            self.assertEqual((end["id"], end["code"]), ("d", "SCHEMA_CHANGED"))
            self.ok("INSERT INTO chat.doomed (id, v, extra) VALUES (2, 'two', 'y')", basic("carol", "carol-pass-1"))
            ack, missed = await c.subscribe("d", "SELECT * FROM chat.doomed", {"from": end["resume_from"]})
            self.assertIn("extra", [col["name"] for col in ack["schema"]])
            rows = [r for m in missed if m["type"] == "change" for r in m["rows"]]
            self.assertEqual([(r["id"], r["extra"]) for r in rows], [("2", "y")])
            self.ok("DROP TABLE chat.doomed")
            end = (await c.recv_until(lambda m: m["type"] == "error"))[-1]
            self.assertEqual((end["id"], end["code"]), ("d", "NOT_FOUND_TABLE"))
            self.ok("DROP USER carol")
            end = (await c.recv_until(lambda m: m["type"] == "error"))[-1]
            self.assertEqual((end["id"], end["code"]), ("m", "AUTH_INSUFFICIENT_ROLE"))
            await c.close()

            # A service demoted to user loses a PRIVATE shared table.
            d = self.client()
            await d.connect("dave", "dave-pass-12")
            ack, _ = await d.subscribe("b", "SELECT * FROM chat.board")
            self.assertEqual(ack["type"], "subscription_ack")
            self.ok("ALTER USER dave SET ROLE user")
            end = (await d.recv_until(lambda m: m["type"] == "error"))[-1]
            self.assertEqual((end["id"], end["code"]), ("b", "AUTH_INSUFFICIENT_ROLE"))
            await d.close()

        run(scenario())

    def test_progress_and_unsubscribe(self):
        alice = basic("alice", "alice-pass-1")

        async def scenario():
            c = self.client()
            await c.connect("alice", "alice-pass-1")
            _, messages = await c.subscribe("p", "SELECT * FROM chat.messages WHERE conv = 'never'")
            start = messages[-1]["last_seq"]
            self.ok("INSERT INTO chat.messages (id, conv, content) VALUES (900, 'other', 'x')", alice)
            progress = (await c.recv_until(lambda m: m["type"] == "progress"))[-1]
            self.assertGreater(int(progress["seq"]), int(start))
            await c.send({"type": "unsubscribe", "id": "p"})
            reply = (await c.recv_until(lambda m: m["type"] == "unsubscribed"))[-1]
            self.assertEqual(reply["id"], "p")
            self.ok("INSERT INTO chat.messages (id, conv, content) VALUES (901, 'never', 'x')", alice)
            self.assertEqual(await c.quiet(0.6), [])
            await c.close()

        run(scenario())

    # ---- protocol errors and limits ------------------------------------------------

    def test_authentication_errors(self):
        async def scenario():
            c = self.client()
            reply = await c.connect(token="not-a-token")
            self.assertEqual((reply["type"], reply["code"]), ("auth_error", "INVALID_TOKEN"))
            with self.assertRaises(Exception):
                await c.recv(5)  # then the server closes
            c = self.client()
            reply = await c.connect("alice", "wrong-password")
            self.assertEqual((reply["type"], reply["code"]), ("auth_error", "INVALID_CREDENTIALS"))
            # A token works, and so does a subscribe right after it.
            token = self.server.bearer("alice", "alice-pass-1").split(" ", 1)[1]
            c = self.client()
            self.assertEqual((await c.connect(token=token))["type"], "auth_success")
            await c.close()
            # Anything before authenticating ends the connection.
            c = await self.client().open()
            await c.send({"type": "subscribe", "id": "s", "sql": "SELECT * FROM chat.messages"})
            reply = await c.recv()
            self.assertEqual((reply["type"], reply["code"]), ("auth_error", "AUTH_REQUIRED"))
            # Silence past auth_timeout_seconds (3) ends it too.
            c = await self.client().open()
            started = time.monotonic()
            reply = await c.recv(10)
            self.assertEqual((reply["type"], reply["code"]), ("auth_error", "AUTH_REQUIRED"))
            self.assertGreater(time.monotonic() - started, 2.5)

        run(scenario())

    def test_request_errors_and_limits(self):
        async def scenario():
            c = self.client()
            await c.connect("alice", "alice-pass-1")
            await c.send("{not json")
            self.assertEqual((await c.recv())["code"], "INVALID_ARGUMENT")
            await c.send({"type": "dance"})
            self.assertEqual((await c.recv())["code"], "INVALID_ARGUMENT")
            await c.send({"type": "ping"})
            self.assertEqual(await c.recv(), {"type": "pong"})
            for sql, options, code in [
                ("SELECT * FROM chat.messages m JOIN chat.messages n ON m.id = n.id", None, "UNSUPPORTED"),
                ("SELECT count(*) FROM chat.messages", None, "UNSUPPORTED"),
                ("SELECT * FROM chat.messages ORDER BY id", None, "UNSUPPORTED"),
                ("SELECT * FROM chat.messages LIMIT 5", None, "UNSUPPORTED"),
                ("SELECT * FROM chat.missing", None, "NOT_FOUND_TABLE"),
                ("SELECT * FROM messages", None, "INVALID_ARGUMENT"),
                ("SELECT * FROM chat.messages WHERE", None, "INVALID_SQL_SYNTAX"),
                ("SELECT * FROM chat.messages", {"last_rows": 0}, "INVALID_ARGUMENT"),
                ("SELECT * FROM chat.messages", {"surprise": 1}, "INVALID_ARGUMENT"),
                ("SELECT * FROM chat.messages", {"from": "1"}, "RESUME_UNAVAILABLE"),
            ]:
                ack, _ = await c.subscribe("e", sql, options)
                self.assertEqual((ack["type"], ack["code"]), ("error", code), sql)
            # An unqualified name resolves with namespace_id.
            ack, _ = await c.subscribe("n", "SELECT * FROM messages", namespace_id="chat")
            self.assertEqual(ack["type"], "subscription_ack")
            ack, _ = await c.subscribe("n", "SELECT * FROM chat.messages")
            self.assertEqual(ack["code"], "INVALID_ARGUMENT")  # the id is in use
            # A message over max_message_bytes is refused; the connection stays.
            await c.send({"type": "ping", "pad": "x" * (1024 * 1024 + 10)})
            self.assertEqual((await c.recv())["code"], "PAYLOAD_TOO_LARGE")
            await c.send({"type": "ping"})
            self.assertEqual(await c.recv(), {"type": "pong"})
            await c.close()

            # More than max_messages_per_second (100): refused, then closed at twice it.
            c = self.client()
            await c.connect("alice", "alice-pass-1")
            for _ in range(150):
                await c.send({"type": "ping"})
            replies = await c.recv_until(lambda m: m.get("code") == "RATE_LIMIT_EXCEEDED")
            self.assertTrue(all(m["type"] == "pong" for m in replies[:-1]))
            await c.close()

        run(scenario())

    def test_subscription_limit_per_connection(self):
        async def scenario():
            c = self.client()
            await c.connect("alice", "alice-pass-1")
            for i in range(100):
                if i == 50:
                    await asyncio.sleep(1.1)  # stay under max_messages_per_second (100)
                await c.send({"type": "subscribe", "id": "s%d" % i, "sql": "SELECT * FROM chat.messages WHERE n = %d" % i})
            done = set()

            def all_done(m):
                if m["type"] == "initial_data" and not m["has_more"]:
                    done.add(m["id"])
                return len(done) == 100

            acks = await c.recv_until(all_done, timeout=30)
            self.assertEqual(sum(1 for m in acks if m["type"] == "subscription_ack"), 100)
            ack, _ = await c.subscribe("s100", "SELECT * FROM chat.messages")
            self.assertEqual(ack.get("code"), "RESOURCE_LIMIT_EXCEEDED", ack)
            await c.close()

        run(scenario())


class LiveOverflowTest(unittest.TestCase):
    """A client that stops reading: OVERFLOW with resume_from; resuming loses nothing."""

    def test_overflow_and_resume(self):
        server = Server(extra_env={"KALAMDB_WEBSOCKET_MAX_QUEUED_MESSAGES": "50"}).start()
        try:
            for sql in ["CREATE NAMESPACE chat", TABLE, "CREATE USER erin WITH PASSWORD 'erin-pass-1' ROLE user"]:
                self.assertEqual(server.sql(sql, ROOT).status, 200)
            erin = basic("erin", "erin-pass-1")
            sql = "SELECT id, content FROM chat.messages WHERE conv = 'o'"
            latencies = {"idle": [], "stalled": []}

            def insert_batch(first, phase):
                values = ", ".join("(%d, 'o', '%s', %d)" % (i, "p" * 4000, i) for i in range(first, first + 100))
                started = time.monotonic()
                resp = server.sql("INSERT INTO chat.messages (id, conv, content, n) VALUES " + values, erin)
                latencies[phase].append(time.monotonic() - started)
                self.assertEqual(resp.status, 200, resp.body)

            async def scenario():
                for batch in range(5):
                    insert_batch(1_000_000 + batch * 100, "idle")
                # A client with tiny buffers that stops reading after the snapshot.
                c = LiveClient(server.port)
                await c.connect("erin", "erin-pass-1", max_queue=1, read_limit=2 ** 16, max_size=2 ** 24)
                _, messages = await c.subscribe("o", sql, {"batch_size": 1000})
                view = View()
                view.apply_all(messages)
                c.ws.transport.pause_reading()
                for batch in range(40):
                    insert_batch(batch * 100, "stalled")
                c.ws.transport.resume_reading()
                got = await c.recv_until(lambda m: m["type"] == "error", timeout=60)
                end = got[-1]
                self.assertEqual(end["code"], "OVERFLOW")
                self.assertIn("resume_from", end)
                view.apply_all(got[:-1])
                self.assertEqual(view.duplicates, [])
                self.assertEqual(view.position, end["resume_from"])
                await c.close()
                c = LiveClient(server.port)
                await c.connect("erin", "erin-pass-1", max_size=2 ** 26)
                _, missed = await c.subscribe("o", sql, {"from": end["resume_from"], "batch_size": 200}, timeout=60)
                view.apply_all(missed)
                expected = server.sql(sql, erin).json()["results"][0]["rows"]
                self.assertEqual(sorted(view.rows), sorted(row[0] for row in expected))
                self.assertEqual(len(view.rows), 4500)
                await c.close()

            run(scenario())
            print("INSERT of 100 rows, mean ms: no subscriber reading %.2f, stalled subscriber %.2f" % (
                1000 * sum(latencies["idle"]) / len(latencies["idle"]),
                1000 * sum(latencies["stalled"]) / len(latencies["stalled"])))
        finally:
            server.close()


class LiveShutdownTest(unittest.TestCase):
    def test_graceful_shutdown_sends_close_frame_and_token_expiry(self):
        server = Server(extra_env={"KALAMDB_AUTH_ACCESS_TOKEN_TTL_SECONDS": "2"}).start()
        try:
            for sql in ["CREATE NAMESPACE chat", TABLE, "CREATE USER fay WITH PASSWORD 'fay-pass-12' ROLE user"]:
                self.assertEqual(server.sql(sql, ROOT).status, 200)

            async def scenario():
                token = server.bearer("fay", "fay-pass-12").split(" ", 1)[1]
                c = LiveClient(server.port)
                await c.connect(token=token)
                await c.subscribe("t", "SELECT * FROM chat.messages")
                end = (await c.recv_until(lambda m: m["type"] == "error", timeout=10))[-1]
                self.assertEqual((end["id"], end["code"]), ("t", "TOKEN_EXPIRED"))
                c = LiveClient(server.port)
                await c.connect("fay", "fay-pass-12")
                await c.subscribe("s", "SELECT * FROM chat.messages")
                loop = asyncio.get_running_loop()
                stopping = loop.run_in_executor(None, server.stop)
                with self.assertRaises(Exception):
                    while True:
                        await c.recv(10)
                self.assertEqual(c.ws.close_code, 1001)
                self.assertEqual(await stopping, 0)

            run(scenario())
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
