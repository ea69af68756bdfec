#!/usr/bin/env bash
# Live-query figures (bench/README.md, "Live queries"): a fresh server and PostgreSQL 15 on
# this machine, then bench/live_bench.py: commit-to-subscriber latency (1,000 subscriptions,
# 100 connections, 1,000 writes/s), fan-out to 1,000 subscriptions, INSERT latency with
# 100,000 subscriptions in other users' scopes vs none, memory per idle connection (10,000),
# and PostgreSQL LISTEN/NOTIFY measured by the same client in the same minute.
#
# Usage: bench/live.sh [--quick] [--no-postgres] [--workloads latency,fanout,writes,idle,pg]
# PostgreSQL 15 and python3-psycopg2 are installed from Debian's packages when missing
# (never by setup.sh). Build first (./scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=""
POSTGRES=1
WORKLOADS="latency,fanout,writes,idle,pg"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK="--quick" ;;
    --no-postgres) POSTGRES=0 ;;
    --workloads) WORKLOADS="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--no-postgres] [--workloads LIST]" >&2; exit 2 ;;
  esac
  shift
done
SERVER_BIN=build/kalamdb-server
[ -x "$SERVER_BIN" ] || { echo "live: $SERVER_BIN is missing; run ./scripts/setup.sh first" >&2; exit 2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PGBIN=/usr/lib/postgresql/15/bin
missing=()
if [ "$POSTGRES" = 1 ]; then
  [ -x "$PGBIN/postgres" ] || missing+=(postgresql-15 postgresql-client-15)
  /usr/bin/python3 -c "import psycopg2" 2> /dev/null || missing+=(python3-psycopg2)
fi
/usr/bin/python3 -c "import websockets" 2> /dev/null || missing+=(python3-websockets)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "live: installing ${missing[*]} (Debian packages)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

WORK=$(mktemp -d /tmp/kalam-live-bench.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_PORT=0
KALAM_PORT=$(free_port)
KALAM_PID=""
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  [ -n "$KALAM_PID" ] && kill "$KALAM_PID" 2> /dev/null && wait "$KALAM_PID" 2> /dev/null || true
  [ "$POSTGRES" = 1 ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK" 2> /dev/null || true; fi

if [ "$POSTGRES" = 1 ]; then
  PG_PORT=$(free_port)
  as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust > "$WORK/initdb.log"
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c synchronous_commit=off" start > /dev/null
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE bench" > /dev/null
fi

# The server as a new user runs it (defaults), except a cheap bcrypt cost: the bench logs
# in ~100 users, and password hashing is not what it measures.
ROOT_PASSWORD="live-bench-root-1"
mkdir -p "$WORK/kalam"
(cd "$WORK/kalam" && KALAMDB_SERVER_PORT=$KALAM_PORT KALAMDB_DATA_DIR="$WORK/kalam/data" \
  KALAMDB_ROOT_PASSWORD=$ROOT_PASSWORD KALAMDB_AUTH_BCRYPT_COST=4 KALAMDB_LOGGING_LEVEL=warn \
  exec "$OLDPWD/$SERVER_BIN" > "$WORK/kalam.log" 2>&1) &
KALAM_PID=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$KALAM_PORT/health" && break
  sleep 0.1
done
/usr/bin/python3 bench/live_bench.py --port "$KALAM_PORT" --server-pid "$KALAM_PID" \
  --root-password "$ROOT_PASSWORD" --pg-port "$PG_PORT" --workloads "$WORKLOADS" $QUICK
