"""A WebSocket client of /v1/ws for the integration tests (Debian's python3-websockets),
and the client-side view a subscriber keeps: rows by primary key, changed by each message
as live.md says."""
import asyncio
import json
import sys

# Debian's python3-websockets lives in the system site-packages: reachable also when the
# tests run under another Python 3 (for example a pyenv one on a developer machine).
try:
    import websockets  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    sys.path.append("/usr/lib/python3/dist-packages")
    import websockets  # noqa: F401


class LiveClient:
    def __init__(self, port):
        self.url = "ws://127.0.0.1:%d/v1/ws" % port
        self.ws = None

    async def open(self, **kwargs):
        self.ws = await websockets.connect(self.url, **kwargs)
        return self

    async def connect(self, user=None, password=None, token=None, **kwargs):
        """Opens the connection and authenticates; returns the server's answer."""
        await self.open(**kwargs)
        message = {"type": "authenticate"}
        if token is not None:
            message["token"] = token
        else:
            message["user"] = user
            message["password"] = password
        await self.send(message)
        return await self.recv()

    async def send(self, message):
        await self.ws.send(json.dumps(message) if not isinstance(message, str) else message)

    async def recv(self, timeout=10):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def recv_until(self, predicate, timeout=10):
        """Messages up to and including the first one `predicate` accepts."""
        out = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.recv(max(0.01, deadline - loop.time()))
            out.append(message)
            if predicate(message):
                return out

    async def quiet(self, seconds=0.3):
        """Messages that arrive within `seconds` (none expected in most checks)."""
        out = []
        try:
            while True:
                out.append(await self.recv(seconds))
        except asyncio.TimeoutError:
            return out

    async def subscribe(self, sub_id, sql, options=None, timeout=20, **extra):
        """Subscribes and reads the ack and the whole initial data (or, with `from`, the
        history up to the first progress message). Returns (ack, messages after it)."""
        message = {"type": "subscribe", "id": sub_id, "sql": sql}
        if options is not None:
            message["options"] = options
        message.update(extra)
        await self.send(message)
        ack = await self.recv(timeout)
        if ack.get("type") != "subscription_ack":
            return ack, []
        resume = options is not None and "from" in options

        def done(m):
            if m.get("id") != sub_id:
                return False
            if m["type"] == "error":
                return True
            if resume:
                return m["type"] == "progress"
            return m["type"] == "initial_data" and not m["has_more"]

        return ack, await self.recv_until(done, timeout)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


class View:
    """What a subscriber holds: rows by key, kept equal to the query's result by applying
    initial_data and change messages. Counts duplicate deliveries of one row version."""

    def __init__(self, key="id"):
        self.key = key
        self.rows = {}
        self.seen = set()  # (key, _seq) of every row version received
        self.duplicates = []
        self.position = None  # the last resume point (progress seq or change seq)

    def apply(self, message):
        kind = message["type"]
        if kind == "initial_data":
            for row in message["rows"]:
                self._note(row)
                self.rows[row[self.key]] = row
            if not message["has_more"]:
                self.position = message["last_seq"]
        elif kind == "change":
            for row in message["rows"]:
                self._note(row)
                if message["change_type"] == "delete":
                    self.rows.pop(row[self.key], None)
                else:
                    self.rows[row[self.key]] = row
            self.position = message["seq"]
        elif kind == "progress":
            self.position = message["seq"]

    def apply_all(self, messages):
        for message in messages:
            self.apply(message)

    def _note(self, row):
        version = (row[self.key], row["_seq"])
        if version in self.seen:
            self.duplicates.append(version)
        self.seen.add(version)
