#!/usr/bin/env bash
# The request path against the ceiling of this machine, in the same minute and with the
# same HTTP client (wrk, keep-alive): a minimal epoll responder (bench/raw_http_responder),
# our GET /health, a primary-key SELECT and a single-row INSERT over POST /v1/api/sql
# with a Bearer token. Prints requests/s and each as a ratio of the raw responder, then
# the memory an idle keep-alive connection costs the server (and that it does not grow).
#
# Usage: bench/http_ceiling.sh [--quick] [--duration S] [--connections N] [--threads T]
#                              [--idle-connections N]
# wrk is installed from Debian's packages by this script when missing. Build first
# (./scripts/setup.sh). See bench/README.md ("The HTTP ceiling").
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=16
THREADS=2
IDLE=500
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) DURATION=2; IDLE=100 ;;
    --duration) DURATION="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --idle-connections) IDLE="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--duration S] [--connections N] [--threads T] [--idle-connections N]" >&2
       exit 2 ;;
  esac
  shift
done

SERVER_BIN=${KALAMDB_SERVER_BIN:-build/kalamdb-server}  # another build to compare: KALAMDB_SERVER_BIN=…
RAW_BIN=build/bench/raw_http_responder
for bin in "$SERVER_BIN" "$RAW_BIN"; do
  [ -x "$bin" ] || { echo "http_ceiling: $bin is missing; run ./scripts/setup.sh first" >&2; exit 2; }
done
if ! command -v wrk > /dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "http_ceiling: installing wrk (Debian package)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk > /dev/null
fi

WORK=$(mktemp -d /tmp/kalam-ceiling.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RAW_PORT=$(free_port)
KALAM_PORT=$(free_port)
RAW_PID=""
KALAM_PID=""
cleanup() {
  for pid in "$RAW_PID" "$KALAM_PID"; do
    [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$RAW_BIN" --port "$RAW_PORT" --threads "$THREADS" &
RAW_PID=$!

ROOT_PASSWORD="ceiling-root-password"
env -u KALAMDB_SERVER_BIN KALAMDB_SERVER_PORT=$KALAM_PORT KALAMDB_DATA_DIR="$WORK/data" KALAMDB_ROOT_PASSWORD=$ROOT_PASSWORD \
  KALAMDB_JWT_SECRET="http-ceiling-benchmark-secret-0123456789" KALAMDB_LOG_LEVEL=warn \
  "$SERVER_BIN" > "$WORK/server.log" 2>&1 &
KALAM_PID=$!
BASE="http://127.0.0.1:$KALAM_PORT"
for _ in $(seq 1 100); do
  curl -sf "$BASE/health" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$BASE/health" > /dev/null || { echo "http_ceiling: the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$RAW_PORT/" > /dev/null || { echo "http_ceiling: the raw responder did not start" >&2; exit 1; }

sql() {  # sql AUTH JSON-BODY
  curl -sf -H "Authorization: $1" -H "Content-Type: application/json" -d "$2" "$BASE/v1/api/sql" > /dev/null
}
ROOT_AUTH="Basic $(printf 'root:%s' "$ROOT_PASSWORD" | base64 -w0)"
sql "$ROOT_AUTH" '{"sql":"CREATE NAMESPACE bench; CREATE SHARED TABLE bench.kv (id BIGINT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = '"'"'PUBLIC'"'"'); INSERT INTO bench.kv (id, v) VALUES (1, '"'"'one'"'"')"}'
TOKEN=$(curl -sf -H "Content-Type: application/json" -d "{\"user\":\"root\",\"password\":\"$ROOT_PASSWORD\"}" \
  "$BASE/v1/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# wrk scripts: POST with a fixed JSON body and the Bearer token.
post_script() {  # post_script FILE SQL PARAMS-JSON
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = '{"sql":"$2","params":$3}'
LUA
}
post_script "$WORK/select.lua" "SELECT id, v FROM bench.kv WHERE id = \$1" "[1]"
post_script "$WORK/insert.lua" "INSERT INTO bench.kv (v) VALUES (\$1)" '["a 16-byte value"]'
# (No Lua response() callback: it would make wrk the bottleneck. wrk reports
# "Non-2xx or 3xx responses" instead, and a run with any fails: errors measure nothing.)
: > "$WORK/get.lua"

run_wrk() {  # run_wrk NAME URL SCRIPT → prints requests/s
  local out
  out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" -s "$3" "$2" 2> "$WORK/$1.err")
  if [ -s "$WORK/$1.err" ]; then
    echo "http_ceiling: $1: $(cat "$WORK/$1.err")" >&2
    exit 1
  fi
  echo "$out" > "$WORK/$1.out"
  if grep -q "Non-2xx or 3xx responses" <<< "$out"; then
    echo "http_ceiling: $1: $(grep "Non-2xx" <<< "$out")" >&2
    exit 1
  fi
  echo "$out" | awk '/^Requests\/sec:/ {print $2}'
}

echo "wrk -t $THREADS -c $CONNECTIONS -d ${DURATION}s, keep-alive; $(nproc) cores; commit $(git rev-parse --short HEAD 2> /dev/null || echo '?')"
RAW=$(run_wrk raw "http://127.0.0.1:$RAW_PORT/" "$WORK/get.lua")
HEALTH=$(run_wrk health "$BASE/health" "$WORK/get.lua")
SELECT=$(run_wrk select "$BASE/v1/api/sql" "$WORK/select.lua")
INSERT=$(run_wrk insert "$BASE/v1/api/sql" "$WORK/insert.lua")
latency() { awk '/^    Latency/ {print $2}' "$WORK/$1.out"; }

printf '%-34s %14s %10s %12s\n' "endpoint" "requests/s" "ratio" "avg latency"
row() { printf '%-34s %14.0f %10.3f %12s\n' "$1" "$2" "$(awk -v a="$2" -v b="$RAW" 'BEGIN {print a / b}')" "$3"; }
row "raw responder (ceiling)" "$RAW" "$(latency raw)"
row "GET /health" "$HEALTH" "$(latency health)"
row "POST /v1/api/sql PK SELECT" "$SELECT" "$(latency select)"
row "POST /v1/api/sql INSERT" "$INSERT" "$(latency insert)"

# ---- memory per idle keep-alive connection --------------------------------------------
python3 - "$KALAM_PORT" "$KALAM_PID" "$IDLE" <<'PY'
import socket, sys, time

port, pid, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def rss_kib():
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def settle():
    time.sleep(1.0)
    return rss_kib()

request = b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n"
before = settle()
sockets = []
for _ in range(count):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request)
    sockets.append(sock)
for sock in sockets:  # every connection answered once, then left idle (keep-alive)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("http_ceiling: the server closed an idle connection")
        data += chunk
opened = settle()
time.sleep(4.0)
later = rss_kib()
for sock in sockets:
    sock.close()
per = (opened - before) * 1024.0 / count
growth = (later - opened) * 1024.0 / count
print("idle keep-alive connections: %d, server RSS %d -> %d KiB: %.0f bytes each; %.0f bytes each after 5 s more idle"
      % (count, before, opened, per, per + growth))
PY
