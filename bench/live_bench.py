#!/usr/bin/env python3
"""Live-query figures (bench/live.sh runs it against a fresh server and PostgreSQL 15):

  latency   insert sent → change received, 1,000 subscriptions over 100 connections,
            1,000 matching writes per second (each write matches one subscription)
  fanout    one write matching 1,000 subscriptions: insert sent → the last one has it
  writes    INSERT latency with N subscriptions on the table in other users' scopes vs none
  idle      server memory per idle connection with one subscription
  pg        the same latency for PostgreSQL LISTEN/NOTIFY (a trigger calling pg_notify),
            measured by the same client in the same minute

The client is Python (asyncio, Debian's python3-websockets; psycopg2 for PostgreSQL):
its own scheduling is inside every figure, on both sides alike."""
import argparse
import asyncio
import base64
import http.client
import json
import os
import select
import statistics
import sys
import threading
import time

try:
    import websockets
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import websockets

PASSWORD = "live-bench-pass-1"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name, values_ms):
    if not values_ms:
        print("%-44s no samples" % name)
        return {}
    figures = {"p50": percentile(values_ms, 0.50), "p99": percentile(values_ms, 0.99), "max": max(values_ms),
               "mean": statistics.fmean(values_ms), "n": len(values_ms)}
    print("%-44s p50 %7.3f ms  p99 %7.3f ms  max %8.3f ms  (n=%d)" % (
        name, figures["p50"], figures["p99"], figures["max"], figures["n"]))
    return figures


class Http:
    """One keep-alive HTTP connection to the server's SQL endpoint."""

    def __init__(self, port, user, password):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        self.headers = {"Content-Type": "application/json", "Authorization": "Basic " + token}

    def sql(self, sql):
        self.conn.request("POST", "/v1/api/sql", json.dumps({"sql": sql}), self.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError("%s: %s" % (sql[:80], body[:300]))
        return json.loads(body)


def login(port, user):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/v1/api/auth/login", json.dumps({"user": user, "password": PASSWORD}),
                 {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["access_token"]


async def open_connection(port, token):
    ws = await websockets.connect("ws://127.0.0.1:%d/v1/ws" % port, max_queue=None, ping_interval=None)
    await ws.send(json.dumps({"type": "authenticate", "token": token}))
    reply = json.loads(await ws.recv())
    assert reply["type"] == "auth_success", reply
    return ws


async def subscribe_all(ws, subs):
    """Sends (id, sql) subscriptions, pacing under the per-connection message limit, and
    waits until each one's initial data is complete."""
    pending = set()
    for index, (sub_id, sql) in enumerate(subs):
        if index and index % 90 == 0:
            await asyncio.sleep(1.0)
        await ws.send(json.dumps({"type": "subscribe", "id": sub_id, "sql": sql}))
        pending.add(sub_id)
    while pending:
        message = json.loads(await ws.recv())
        if message["type"] == "error":
            raise RuntimeError(message)
        if message["type"] == "initial_data" and not message["has_more"]:
            pending.discard(message["id"])


def paced_writer(port, user, statements, rate, sent_at, done_at):
    """Runs `statements` at `rate` per second from two threads; records send and answer times."""
    interval = 2.0 / rate
    start = time.perf_counter() + 0.05

    def run(offset):
        client = Http(port, user, PASSWORD)
        for index in range(offset, len(statements), 2):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            key, sql = statements[index]
            sent_at[key] = time.perf_counter()
            client.sql(sql)
            done_at[key] = time.perf_counter()

    threads = [threading.Thread(target=run, args=(offset,)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    return threads, interval


async def bench_latency(args):
    token = login(args.port, "w")
    connections = [await open_connection(args.port, token) for _ in range(args.connections)]
    subs_per_connection = args.subscriptions // args.connections
    for index, ws in enumerate(connections):
        base = index * subs_per_connection
        await subscribe_all(ws, [("c%d" % (base + k),
                                  "SELECT id, conv FROM bench.msgs WHERE conv = 'c%d'" % (base + k))
                                 for k in range(subs_per_connection)])
    total = args.rate * args.duration
    statements = [("m%d" % i, "INSERT INTO bench.msgs (id, conv, body) VALUES (%d, 'c%d', 'm%d')" % (
        1_000_000 + i, i % args.subscriptions, i)) for i in range(total)]
    received = {}

    async def reader(ws):
        try:
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                if message["type"] == "change":
                    for row in message["rows"]:
                        received["m%d" % (int(row["id"]) - 1_000_000)] = now
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.ensure_future(reader(ws)) for ws in connections]
    sent_at, done_at = {}, {}
    threads, _ = paced_writer(args.port, "w", statements, args.rate, sent_at, done_at)
    while any(thread.is_alive() for thread in threads):
        await asyncio.sleep(0.05)
    deadline = time.perf_counter() + 10
    while len(received) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    for ws in connections:
        await ws.close()
    for task in readers:
        task.cancel()
    lost = total - len(received)
    print("latency: %d subscriptions on %d connections, %d writes/s for %d s; %d changes not received" % (
        args.subscriptions, args.connections, args.rate, args.duration, lost))
    kalam = summary("  KalamDB insert sent -> change received", [
        (received[k] - sent_at[k]) * 1000 for k in received])
    summary("  KalamDB INSERT round trip (for reference)", [(done_at[k] - sent_at[k]) * 1000 for k in done_at])
    return kalam, lost


async def bench_fanout(args):
    token = login(args.port, "w")
    connections = [await open_connection(args.port, token) for _ in range(args.connections)]
    per = args.subscriptions // args.connections
    for index, ws in enumerate(connections):
        await subscribe_all(ws, [("f%d-%d" % (index, k), "SELECT id FROM bench.msgs WHERE conv = 'all'")
                                 for k in range(per)])
    expected = per * len(connections)
    client = Http(args.port, "w", PASSWORD)
    results = []
    for shot in range(args.fanout_writes):
        counts = {"n": 0, "last": 0.0}
        row_id = 5_000_000 + shot

        async def reader(ws):
            mine = 0
            while mine < per:  # this connection's subscriptions
                message = json.loads(await ws.recv())
                if message["type"] == "change" and int(message["rows"][0]["id"]) == row_id:
                    mine += 1
                    counts["n"] += 1
                    counts["last"] = time.perf_counter()

        tasks = [asyncio.ensure_future(reader(ws)) for ws in connections]
        await asyncio.sleep(0.05)
        sent = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(
            None, client.sql, "INSERT INTO bench.msgs (id, conv, body) VALUES (%d, 'all', 'x')" % row_id)
        try:
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        except asyncio.TimeoutError:
            pass
        for task in tasks:
            task.cancel()
        if counts["n"] == expected:
            results.append((counts["last"] - sent) * 1000)
        else:
            print("  fan-out write %d: only %d of %d subscriptions received it" % (shot, counts["n"], expected))
    for ws in connections:
        await ws.close()
    print("fanout: one write matching %d subscriptions on %d connections" % (expected, len(connections)))
    return summary("  insert sent -> the last subscription has it", results)


def insert_latencies(port, count, first_id):
    client = Http(port, "w", PASSWORD)
    out = []
    for i in range(count):
        started = time.perf_counter()
        client.sql("INSERT INTO bench.msgs (id, conv, body) VALUES (%d, 'q', 'x')" % (first_id + i))
        out.append((time.perf_counter() - started) * 1000)
    return out


async def bench_writes(args):
    baseline = insert_latencies(args.port, args.write_samples, 7_000_000)
    users = ["o%d" % i for i in range(args.other_users)]
    per_user = args.idle_subscriptions // len(users)
    connections = []
    per_connection = 100
    for user in users:
        token = login(args.port, user)
        for start in range(0, per_user, per_connection):
            ws = await open_connection(args.port, token)
            connections.append((ws, [("s%d" % k, "SELECT * FROM bench.msgs WHERE conv = 'x%d'" % k)
                                     for k in range(start, min(per_user, start + per_connection))]))
    await asyncio.gather(*(subscribe_all(ws, subs) for ws, subs in connections))
    total = sum(len(subs) for _, subs in connections)
    loaded = await asyncio.get_running_loop().run_in_executor(
        None, insert_latencies, args.port, args.write_samples, 8_000_000)
    for ws, _ in connections:
        await ws.close()
    print("writes: INSERT latency, %d subscriptions on the table in %d other users' scopes vs none" % (
        total, len(users)))
    before = summary("  no subscriptions", baseline)
    after = summary("  %d subscriptions elsewhere" % total, loaded)
    print("  mean ratio (with / without): %.3f" % (after["mean"] / before["mean"]))
    return before, after


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def bench_idle(args):
    token = login(args.port, "w")
    warm = [await open_connection(args.port, token) for _ in range(50)]
    for ws in warm:
        await ws.close()
    await asyncio.sleep(0.5)
    before = rss_kib(args.server_pid)
    connections = []
    for start in range(0, args.idle_connections, 200):
        batch = await asyncio.gather(*(open_connection(args.port, token)
                                       for _ in range(min(200, args.idle_connections - start))))
        connections.extend(batch)
    await asyncio.gather(*(subscribe_all(ws, [("i", "SELECT * FROM bench.msgs WHERE conv = 'idle%d'" % n)])
                           for n, ws in enumerate(connections)))
    await asyncio.sleep(1.0)
    after = rss_kib(args.server_pid)
    per_connection = (after - before) * 1024.0 / len(connections)
    print("idle: %d connections with one subscription each: server RSS %+.1f MiB, %.1f KiB per connection" % (
        len(connections), (after - before) / 1024.0, per_connection / 1024.0))
    for ws in connections:
        await ws.close()
    return per_connection


def bench_postgres(args):
    import psycopg2  # Debian's python3-psycopg2 (installed by bench/live.sh)
    dsn = "host=127.0.0.1 port=%d user=postgres dbname=bench" % args.pg_port
    setup = psycopg2.connect(dsn)
    setup.autocommit = True
    with setup.cursor() as cur:
        cur.execute("CREATE TABLE msgs (id BIGINT PRIMARY KEY, conv TEXT, body TEXT)")
        cur.execute("CREATE FUNCTION notify_msg() RETURNS trigger AS $$ BEGIN "
                    "PERFORM pg_notify('msgs', NEW.id::text); RETURN NEW; END $$ LANGUAGE plpgsql")
        cur.execute("CREATE TRIGGER msgs_notify AFTER INSERT ON msgs FOR EACH ROW EXECUTE FUNCTION notify_msg()")
    listener = psycopg2.connect(dsn)
    listener.autocommit = True
    listener.cursor().execute("LISTEN msgs")
    total = args.rate * args.duration
    received = {}
    stop = threading.Event()

    def listen():
        while not stop.is_set():
            if select.select([listener], [], [], 0.1)[0]:
                listener.poll()
                now = time.perf_counter()
                while listener.notifies:
                    note = listener.notifies.pop(0)
                    received["m%d" % (int(note.payload) - 1_000_000)] = now

    thread = threading.Thread(target=listen)
    thread.start()
    sent_at, done_at = {}, {}
    start = time.perf_counter() + 0.05

    def write(offset):
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        cur = conn.cursor()
        for index in range(offset, total, 2):
            delay = start + index / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            key = "m%d" % index
            sent_at[key] = time.perf_counter()
            cur.execute("INSERT INTO msgs (id, conv, body) VALUES (%s, %s, %s)",
                        (1_000_000 + index, "c%d" % (index % args.subscriptions), "m%d" % index))
            done_at[key] = time.perf_counter()

    writers = [threading.Thread(target=write, args=(offset,)) for offset in (0, 1)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    deadline = time.perf_counter() + 5
    while len(received) < total and time.perf_counter() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join()
    print("pg: PostgreSQL 15 LISTEN/NOTIFY, one listener, %d writes/s for %d s; %d notifications not received" % (
        args.rate, args.duration, total - len(received)))
    figures = summary("  PostgreSQL insert sent -> notification", [
        (received[k] - sent_at[k]) * 1000 for k in received])
    summary("  PostgreSQL INSERT round trip (for reference)", [(done_at[k] - sent_at[k]) * 1000 for k in done_at])
    return figures


def setup_server(args):
    root = Http(args.port, "root", args.root_password)
    root.sql("CREATE NAMESPACE bench")
    root.sql("CREATE TABLE bench.msgs (id BIGINT PRIMARY KEY, conv TEXT, body TEXT) WITH (TYPE = 'USER')")
    for user in ["w"] + ["o%d" % i for i in range(args.other_users)]:
        root.sql("CREATE USER %s WITH PASSWORD '%s' ROLE user" % (user, PASSWORD))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--root-password", required=True)
    parser.add_argument("--pg-port", type=int, default=0, help="0: skip PostgreSQL")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workloads", default="latency,fanout,writes,idle,pg")
    args = parser.parse_args()
    args.connections, args.subscriptions = 100, 1000
    args.rate, args.duration = 1000, 3 if args.quick else 10
    args.fanout_writes = 5 if args.quick else 20
    args.other_users = 10 if args.quick else 100
    args.idle_subscriptions = 10_000 if args.quick else 100_000
    args.write_samples = 500 if args.quick else 2000
    args.idle_connections = 1000 if args.quick else 10_000
    setup_server(args)
    workloads = args.workloads.split(",")
    results = {}
    if "latency" in workloads:
        results["latency"], results["lost"] = asyncio.run(bench_latency(args))
    if "pg" in workloads and args.pg_port:
        results["pg"] = bench_postgres(args)
    if "fanout" in workloads:
        results["fanout"] = asyncio.run(bench_fanout(args))
    if "writes" in workloads:
        results["writes"] = asyncio.run(bench_writes(args))
    if "idle" in workloads:
        results["idle"] = asyncio.run(bench_idle(args))
    if results.get("latency") and results.get("pg"):
        print("ratio KalamDB / PostgreSQL LISTEN/NOTIFY, insert -> listener p50: %.2f" % (
            results["latency"]["p50"] / results["pg"]["p50"]))


if __name__ == "__main__":
    main()
