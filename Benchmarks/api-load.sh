#!/usr/bin/env bash
# Does the control API slow the packet path? (issue 14: at least 95% of the rate without it)
# Runs closed-loop DORAs (window 64, shared pool, fsync, 2 workers, 10 s) against a fresh server,
# alternately alone and with a lookup loop of RATE requests a second on the control socket
# (GET /v1/leases?client=..., which each shard worker answers between batches), ROUNDS times.
# Prints DORA/s for both, their ratio, and the lookups' latency.
#
# Usage: Benchmarks/api-load.sh [ROUNDS]     (default 3; RATE=1000 SCENARIO=dora DURATION=10)
#   CLIENT_NICE=10: run the lookup loop (a Python client, one connection per request) at nice 10,
#   as an operator's background script would be; by default it competes with the server at nice 0.
#   KEEPALIVE=1: the loop keeps one connection (a tool's HTTP session) instead of one per request.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
RATE=${RATE:-1000}
SCENARIO=${SCENARIO:-dora}
DURATION=${DURATION:-10}
CLIENT_NICE=${CLIENT_NICE:-0}
WORK=$(mktemp -d /tmp/portlease-api-load.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && swift build -c release --product portlease >&2 && swift build -c release --product portlease-perf >&2)
BIN="$ROOT/.build/release"

cat > "$WORK/lookups.py" <<'PY'
"""RATE lookups a second on the control socket until stopped; prints count and latency percentiles.
KEEPALIVE=1: one HTTP/1.1 connection for every request (a tool's session); otherwise one per request."""
import os, socket, sys, time, signal
path, rate = sys.argv[1], int(sys.argv[2])
keepalive = os.environ.get("KEEPALIVE") == "1"
keys = ["id:ff00000001000300010200000000%04x" % n for n in range(1, 2001)] + ["id:ffff"]
stop = False
def done(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, done)

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def exchange(s, key):
    s.sendall(("GET /v1/leases?client=%s HTTP/1.1\r\nHost: x\r\n%s\r\n"
               % (key, "" if keepalive else "Connection: close\r\n")).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length"))
    while len(body) < length:
        body += s.recv(65536)
    return head.startswith(b"HTTP/1.1 200")

latencies, errors, start, n = [], 0, time.monotonic(), 0
conn = connect() if keepalive else None
while not stop:
    due = start + n / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    t = time.monotonic()
    try:
        s = conn if keepalive else connect()
        if not exchange(s, keys[n % len(keys)]):
            errors += 1
        if not keepalive:
            s.close()
    except OSError:
        errors += 1
        if keepalive:
            conn = connect()
    latencies.append((time.monotonic() - t) * 1e6)
    n += 1
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
print(f"{n} lookups in {time.monotonic() - start:.1f} s, {errors} errors, p50 {pick(0.5):.0f} us, p99 {pick(0.99):.0f} us")
PY

run() { # WITH-API (0/1): prints DORA/s (and the lookup loop's summary on stderr)
    local dir="$WORK/run"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$ROOT/Benchmarks/portlease/shared.json" "$dir/config.json"
    (cd "$dir" && exec "$BIN/portlease" serve --config config.json > serve.log 2>&1) &
    local pid=$! loop=
    for _ in $(seq 100); do [ -S "$dir/lease-log/control/api.sock" ] && ss -uln | grep -q ":20547 " && break; sleep 0.1; done
    if [ "$1" = 1 ]; then
        KEEPALIVE=${KEEPALIVE:-0} nice -n "$CLIENT_NICE" python3 "$WORK/lookups.py" "$dir/lease-log/control/api.sock" "$RATE" > "$WORK/lookups.txt" &
        loop=$!
    fi
    "$BIN/portlease-perf" run --port 20547 --scenario "$SCENARIO" --subscribers 50000 --window 64 \
        --duration "$DURATION" --quiet --json > "$WORK/report.json"
    if [ -n "$loop" ]; then kill -TERM "$loop"; wait "$loop"; echo "    lookups: $(cat "$WORK/lookups.txt")" >&2; fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["exchanges_per_second"]))' "$WORK/report.json"
}

echo "scenario $SCENARIO, $RATE lookups/s (client at nice $CLIENT_NICE, keep-alive ${KEEPALIVE:-0}), $DURATION s per run"
for round in $(seq "$ROUNDS"); do
    without=$(run 0)
    with=$(run 1)
    echo "round $round: without the API $without/s, with $with/s: $(python3 -c "print(f'{$with / $without:.1%}')")"
done
