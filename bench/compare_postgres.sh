#!/usr/bin/env bash
# Side-by-side with PostgreSQL 15 on this machine, in the same minute: single-row INSERT,
# primary-key SELECT and the chat operation (insert a message, then read the latest 50
# of its conversation), same data shape and concurrency on both sides, then the ratios.
#
#   PostgreSQL: pgbench (prepared statements, TCP loopback, synchronous_commit=off),
#               table messages with PRIMARY KEY (id) and an index on (user_id,
#               conversation_id, id);
#   KalamDB:    kalam_load over HTTP with Bearer tokens against a fresh server; the USER
#               table loadtest.messages with an index on (conversation_id) (per user:
#               the same shape as PostgreSQL's), and /health with the same client as
#               the HTTP layer's ceiling.
#
# Usage: bench/compare_postgres.sh [--quick] [--duration S] [--connections N]
# PostgreSQL 15 is installed from Debian's packages by this script when missing (never
# by setup.sh). Build first (./scripts/setup.sh). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=16
USERS=50
PREPOPULATE=100
CONVERSATIONS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) DURATION=3 ;;
    --duration) DURATION="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--duration S] [--connections N]" >&2; exit 2 ;;
  esac
  shift
done

SERVER_BIN=build/kalamdb-server
LOAD_BIN=build/bench/kalam_load
for bin in "$SERVER_BIN" "$LOAD_BIN"; do
  [ -x "$bin" ] || { echo "compare_postgres: $bin is missing; run ./scripts/setup.sh first" >&2; exit 2; }
done

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/postgres" ] || ! command -v pgbench > /dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "compare_postgres: installing postgresql-15 (Debian package)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
    postgresql-client-15
fi

WORK=$(mktemp -d /tmp/kalam-vs-pg.XXXXXX)
# Ports the kernel just handed out (bound, then released): unlike a random pick they are
# not in use by another server of this machine.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
KALAM_PORT=$(free_port)
KALAM_PID=""
# initdb and postgres refuse to run as root: run them as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  [ -n "$KALAM_PID" ] && kill "$KALAM_PID" 2> /dev/null && wait "$KALAM_PID" 2> /dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; fi

# ---- PostgreSQL ----------------------------------------------------------------------
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust > "$WORK/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=100" start \
  > /dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c "CREATE DATABASE bench" > /dev/null
PSQL+=(-d bench)
CONTENT=$(printf 'lorem ipsum dolor sit amet consectetur adipiscing elit %.0s' 1 2)
CONTENT=${CONTENT:0:64}
"${PSQL[@]}" <<SQL
CREATE TABLE messages (id BIGINT PRIMARY KEY, user_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
                       content TEXT, created_at TIMESTAMPTZ DEFAULT now());
CREATE INDEX messages_user_conversation ON messages (user_id, conversation_id, id);
CREATE SEQUENCE message_ids START 100000000;
INSERT INTO messages (id, user_id, conversation_id, content)
  SELECT u * 1000 + k, 'load_u' || u, 'conv-' || (k % $CONVERSATIONS), '$CONTENT'
  FROM generate_series(0, $USERS - 1) AS u, generate_series(0, $PREPOPULATE - 1) AS k;
VACUUM ANALYZE messages;
SQL
cat > "$WORK/insert.sql" <<SQL
\set u random(0, $((USERS - 1)))
\set c random(0, $((CONVERSATIONS - 1)))
INSERT INTO messages (id, user_id, conversation_id, content) VALUES (nextval('message_ids'), 'load_u' || :u, 'conv-' || :c, '$CONTENT');
SQL
cat > "$WORK/point.sql" <<SQL
\set u random(0, $((USERS - 1)))
\set k random(0, $((PREPOPULATE - 1)))
SELECT id, content FROM messages WHERE user_id = 'load_u' || :u AND id = :u * 1000 + :k;
SQL
cat > "$WORK/chat.sql" <<SQL
\set u random(0, $((USERS - 1)))
\set c random(0, $((CONVERSATIONS - 1)))
INSERT INTO messages (id, user_id, conversation_id, content) VALUES (nextval('message_ids'), 'load_u' || :u, 'conv-' || :c, '$CONTENT');
SELECT id, content FROM messages WHERE user_id = 'load_u' || :u AND conversation_id = 'conv-' || :c ORDER BY id DESC LIMIT 50;
SQL
pg_tps() {  # pg_tps SCRIPT: transactions (= operations) per second
  pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -f "$WORK/$1" bench 2> "$WORK/pgbench.err" | awk '/^tps = / {print $3; exit}'
}

# ---- KalamDB -------------------------------------------------------------------------
ROOT_PASSWORD=compare-root-pass-1
KALAMDB_DATA_DIR="$WORK/kalam" KALAMDB_SERVER_PORT=$KALAM_PORT KALAMDB_ROOT_PASSWORD=$ROOT_PASSWORD \
  KALAMDB_AUTH_BCRYPT_COST=4 "$SERVER_BIN" > "$WORK/kalam.log" 2>&1 &
KALAM_PID=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$KALAM_PORT/health" > /dev/null 2>&1 && break
  sleep 0.1
done
LOAD=("$LOAD_BIN" --url "http://127.0.0.1:$KALAM_PORT" --connections "$CONNECTIONS" --users "$USERS"
      --prepopulate "$PREPOPULATE" --conversations "$CONVERSATIONS" --duration "$DURATION" --client-threads 2
      --server-pid "$KALAM_PID")
export KALAMDB_ROOT_PASSWORD=$ROOT_PASSWORD
kalam_rps() {  # kalam_rps WORKLOAD SERIES [--no-setup]
  "${LOAD[@]}" --workload "$1" "${@:3}" > "$WORK/load-$1.txt" 2>&1 || {
    echo "compare_postgres: kalam_load --workload $1 failed:" >&2
    cat "$WORK/load-$1.txt" >&2
    exit 1
  }
  awk -v series="workload=$2" '$1 == "RESULT" && $2 == series {
    for (i = 3; i <= NF; i++) if ($i ~ /^throughput_rps=/) { sub("throughput_rps=", "", $i); print $i } }' \
    "$WORK/load-$1.txt"
}

# ---- the same minute: each workload on both, back to back ----------------------------
echo "compare_postgres: ${DURATION}s per workload, $CONNECTIONS connections, $USERS users, $PREPOPULATE rows each"
PG_INSERT=$(pg_tps insert.sql)
KALAM_INSERT=$(kalam_rps insert insert)
PG_POINT=$(pg_tps point.sql)
KALAM_POINT=$(kalam_rps point-select point-select --no-setup)
PG_CHAT=$(pg_tps chat.sql)
KALAM_CHAT=$(kalam_rps chat chat.op --no-setup)
KALAM_HEALTH=$(kalam_rps health health --no-setup)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '%-14s %14s %14s %8s\n' workload postgres_ops_s kalamdb_ops_s ratio
printf '%-14s %14.0f %14.0f %8s\n' insert "$PG_INSERT" "$KALAM_INSERT" "$(ratio "$KALAM_INSERT" "$PG_INSERT")"
printf '%-14s %14.0f %14.0f %8s\n' pk-select "$PG_POINT" "$KALAM_POINT" "$(ratio "$KALAM_POINT" "$PG_POINT")"
printf '%-14s %14.0f %14.0f %8s\n' chat "$PG_CHAT" "$KALAM_CHAT" "$(ratio "$KALAM_CHAT" "$PG_CHAT")"
printf '%-14s %14s %14.0f %8s\n' health "-" "$KALAM_HEALTH" "$(ratio "$KALAM_HEALTH" "$PG_POINT")"
echo "RATIO insert=$(ratio "$KALAM_INSERT" "$PG_INSERT") pk_select=$(ratio "$KALAM_POINT" "$PG_POINT") \
chat=$(ratio "$KALAM_CHAT" "$PG_CHAT") health_vs_pg_pk_select=$(ratio "$KALAM_HEALTH" "$PG_POINT")"
grep -h '^CPU' "$WORK"/load-*.txt || true
