#!/usr/bin/env bash
# Control-API lookup latency at ISP scale (issue 14): a release server started on a lease log of
# 10M live leases (LeaseLogGenerator, as in RESULTS.md "portlease leases at ISP scale"), then
# GET /v1/leases?client=... for real clients of that log, RATE a second on one keep-alive
# connection for DURATION seconds, idle and then beside closed-loop DORAs for new clients.
#
# Usage: Benchmarks/api-lookup-10m.sh [LOG-DIR]   (default /tmp/ll10m, generated when missing;
#        LEASES=10000000 RATE=1000 DURATION=10). The server appends to that log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOG=${1:-/tmp/ll10m}
LEASES=${LEASES:-10000000}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
WORK=$(mktemp -d /tmp/portlease-lookup10m.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
(cd "$ROOT" && swift build -c release --product portlease >&2 && swift build -c release --product portlease-perf >&2)
BIN="$ROOT/.build/release"
. "$ROOT/Benchmarks/serve-10m.sh"
if [ ! -d "$LOG/shard-0" ]; then
    swift run -c release --package-path "$ROOT/Benchmarks" LeaseLogGenerator --leases "$LEASES" --out "$LOG" >&2
fi
# Clients to look up: the first lines of the listing (sorted by address, so spread over shards).
# (The listing is cut short by head: its SIGPIPE is expected.)
{ "$BIN/portlease" leases --log-dir "$LOG" --json 2>/dev/null || true; } | head -2000 \
    | python3 -c 'import json,sys; [print(json.loads(l)["client"]) for l in sys.stdin]' > "$WORK/keys"
started=$(date +%s.%N)
serve_10m "$LOG" "$WORK" "$BIN"
echo "server up with $(wc -l < "$WORK/keys") known clients in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s; RSS $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$SERVER/status)"
SOCKET="$LOG/control/api.sock"
cat > "$WORK/loop.py" <<'PY'
import socket, sys, time
path, rate, duration, keys = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), open(sys.argv[4]).read().split()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path)
lat, found, n, start = [], 0, 0, time.monotonic()
while time.monotonic() - start < duration:
    due = start + n / rate
    if due > time.monotonic(): time.sleep(due - time.monotonic())
    t = time.monotonic()
    s.sendall(("GET /v1/leases?client=%s HTTP/1.1\r\nHost: x\r\n\r\n" % keys[n % len(keys)]).encode())
    data = b""
    while b"\r\n\r\n" not in data: data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length"))
    while len(body) < length: body += s.recv(65536)
    found += b'"address"' in body
    lat.append((time.monotonic() - t) * 1e6); n += 1
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{n} lookups, {found} found, p50 {q(0.5):.0f} us, p99 {q(0.99):.0f} us, max {lat[-1]:.0f} us")
PY
echo "idle server:      $(python3 "$WORK/loop.py" "$SOCKET" "$RATE" "$DURATION" "$WORK/keys")"
"$BIN/portlease-perf" run --port 20547 --scenario dora --subscribers 50000 --window 64 --duration "$DURATION" \
    --quiet --json > "$WORK/perf.json" &
PERF=$!
echo "beside DORAs:     $(python3 "$WORK/loop.py" "$SOCKET" "$RATE" "$DURATION" "$WORK/keys")"
wait "$PERF"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("DORAs meanwhile: %.0f/s" % r["exchanges_per_second"])' "$WORK/perf.json"
