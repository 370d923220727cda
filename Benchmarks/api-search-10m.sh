#!/usr/bin/env bash
# Control-API lease searches at ISP scale (issue 14): a release server on the 10M-lease log of
# api-lookup-10m.sh, then, on one keep-alive connection, back to back: COUNT lookups by client
# (each completed from the lease log: subscriber, relay, start), by address and port, and pages
# of a pool (100 leases each), then LOG_COUNT (5) lookups by IPv6 address and by Remote-ID, which
# this configuration (no limits.subscriber-key) answers from the lease logs; each kind on an idle
# server, then the address searches again
# beside closed-loop DORAs, whose rate is compared with a run of the same length without them.
#
# Usage: Benchmarks/api-search-10m.sh [LOG-DIR]   (default /tmp/ll10m; COUNT=50 DURATION=10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOG=${1:-/tmp/ll10m}
COUNT=${COUNT:-50}
DURATION=${DURATION:-10}
WORK=$(mktemp -d /tmp/portlease-search10m.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
(cd "$ROOT" && swift build -c release --product portlease >&2 && swift build -c release --product portlease-perf >&2)
BIN="$ROOT/.build/release"
. "$ROOT/Benchmarks/serve-10m.sh"
[ -d "$LOG/shard-0" ] || { echo "no lease log in $LOG: run Benchmarks/api-lookup-10m.sh first" >&2; exit 1; }
{ "$BIN/portlease" leases --log-dir "$LOG" --json 2>/dev/null || true; } | head -2000 > "$WORK/leases.jsonl"
serve_10m "$LOG" "$WORK" "$BIN"
SOCKET="$LOG/control/api.sock"
cat > "$WORK/search.py" <<'PY'
import json, socket, sys, time
path, kind, count, leases = sys.argv[1], sys.argv[2], int(sys.argv[3]), [json.loads(l) for l in open(sys.argv[4])]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path)
def get(target):
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target).encode())
    data = b""
    while b"\r\n\r\n" not in data: data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length"))
    while len(body) < length: body += s.recv(65536)
    return json.loads(body)
def port(lease):
    if lease["psid-length"] == 0: return 1024
    a, k = lease["psid-offset"], lease["psid-length"]
    return (1 << (16 - a)) | (lease["psid"] << (16 - a - k))
lat, found, after = [], 0, None
for n in range(count):
    lease = leases[(n * 37) % len(leases)]
    if kind == "client": target = "/v1/leases?client=" + lease["client"]
    elif kind == "address": target = "/v1/leases?address=%s&port=%d" % (lease["address"], port(lease))
    elif kind == "subscriber": target = "/v1/leases?subscriber=" + lease["subscriber"]
    elif kind == "remote-id": target = "/v1/leases?remote-id=" + lease["relay"]["remote-id-hex"].replace(":", "")
    else: target = "/v1/leases?pool=shared&limit=100" + ("&after=" + after if after else "")
    t = time.monotonic(); body = get(target); lat.append((time.monotonic() - t) * 1e3)
    found += len(body.get("leases", [])) > 0; after = body.get("next")
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{kind:8} {count} requests, {found} found something, p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {lat[-1]:.1f} ms")
PY
for kind in client address pool; do python3 "$WORK/search.py" "$SOCKET" "$kind" "$COUNT" "$WORK/leases.jsonl"; done
# By keys the engines do not keep (no limits.subscriber-key): a read of each shard's log per request.
for kind in subscriber remote-id; do python3 "$WORK/search.py" "$SOCKET" "$kind" "${LOG_COUNT:-5}" "$WORK/leases.jsonl"; done
perf() { "$BIN/portlease-perf" run --port 20547 --scenario dora --subscribers 50000 --window 64 --duration "$DURATION" --quiet --json; }
rate() { python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["exchanges_per_second"])'; }
echo "DORA/s without searches: $(perf | rate)"
perf > "$WORK/perf.json" &
PERF=$!
( while kill -0 "$PERF" 2>/dev/null; do python3 "$WORK/search.py" "$SOCKET" address 5 "$WORK/leases.jsonl"; done ) > "$WORK/beside.txt"
wait "$PERF"
echo "DORA/s beside back-to-back address searches: $(rate < "$WORK/perf.json")"
tail -3 "$WORK/beside.txt"
