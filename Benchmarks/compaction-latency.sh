#!/usr/bin/env bash
# Exchange latency with and without a compaction running (issue 11: "p99.9 exchange latency
# during a compaction at most 1.5x that without one, under the same load").
#
# Two configurations that differ only in compaction:
#   A: "compaction-interval": A_INTERVAL (default 10; 1 keeps a pass running nearly all the
#      time, which measures latency *during* compaction; the maintenance thread folds and rewrites the
#      whole snapshot each time, so with a large live set a pass is running much of the time);
#   B: "compaction-interval": 86400, "segment-size": 4294967296 (nothing is sealed, so nothing
#      is compacted during the run).
# Both: fsync durability, 2 workers, one shared MAP pool 100.64.0.0/14 (psid-length 6: 16.7M
# port sets), listen on ::1, metrics on 127.0.0.1, free ports chosen at start.
#
# Each run: a fresh lease-log directory and server, PRELOAD live leases (portlease-perf
# --preload), a warm-up (WARMUP s of the measured load; A folds the preload then), then the same
# open-loop load (--scenario renew --rate RATE --duration DURATION over SUBSCRIBERS of the
# preloaded clients) with the --json report kept. The metrics endpoint is scraped every 0.25 s
# so that every compaction (end time, duration per shard) is known; the load window starts
# when portlease-perf prints "prepared:" (timestamped) and lasts DURATION s.
# Runs alternate A, B, A, B, ... (PAIRS pairs) because the machine is shared and noisy.
#
# Usage: Benchmarks/compaction-latency.sh
#   PRELOAD=1000000 RATE=5000 DURATION=90 SUBSCRIBERS=100000 WARMUP=30 PAIRS=2 SCRATCH=.build-p999 \
#       Benchmarks/compaction-latency.sh
#   ORDER="A B" for one pair only, KEEP=1 to keep the work directory (server logs, scrapes).
# Needs the release binaries (built here with --scratch-path $SCRATCH), python3 and curl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRELOAD=${PRELOAD:-1000000}
SUBSCRIBERS=${SUBSCRIBERS:-100000}
RATE=${RATE:-5000}
DURATION=${DURATION:-90}
PAIRS=${PAIRS:-2}
A_INTERVAL=${A_INTERVAL:-10}  # compaction-interval of configuration A, seconds
WARMUP=${WARMUP:-30}          # seconds of the same renew load before the measured window
SCRATCH=${SCRATCH:-$ROOT/.build-p999}
ORDER=${ORDER:-}
if [ -z "$ORDER" ]; then for _ in $(seq "$PAIRS"); do ORDER+="A B "; done; fi

NAME=compaction-latency
source "$ROOT/Benchmarks/common.sh"

write_config() { # A|B DIR PORT METRICS-PORT
    local compaction
    if [ "$1" = A ]; then
        compaction="\"compaction-interval\": $A_INTERVAL"
    else
        compaction='"compaction-interval": 86400, "segment-size": 4294967296'
    fi
    cat > "$2/config.json" <<EOF
{
  "server-id": "192.0.2.1",
  "listen": { "addresses": ["::1"], "port": $3 },
  "dhcp4o6-server-addresses": ["::1"],
  "workers": 2,
  "limits": { "discover-rate": "off" },
  "lease-log": { "directory": "$2/lease-log", "durability": "fsync", $compaction },
  "metrics": { "listen": "127.0.0.1:$4" },
  "log-level": "warning",
  "pools": [
    {
      "name": "shared",
      "addresses": ["100.64.0.0/14"],
      "valid-lifetime": 86400,
      "shared": { "psid-offset": 6, "psid-length": 6 },
      "options": { "routers": ["100.64.0.1"], "domain-name-servers": ["192.0.2.53"] }
    }
  ]
}
EOF
}

# The scraper: every 0.25 s, one line per shard whose compaction count changed:
# "<unix time> <shard> <compactions total> <last compaction ms>"; also the commit histogram
# at start and end (for the commit latency of the window).
cat > "$WORK/scrape.py" <<'PY'
import re, sys, time, urllib.request
url, out = sys.argv[1], open(sys.argv[2], "w", buffering=1)
seen = {}
pattern = re.compile(r'^portlease_log_(compactions_total|last_compaction_milliseconds)\{shard="(\d+)"\} (\S+)$', re.M)
while True:
    try:
        text = urllib.request.urlopen(url, timeout=2).read().decode()
    except Exception:
        time.sleep(0.25); continue
    now = time.time()
    values = {}
    for name, shard, value in pattern.findall(text):
        values.setdefault(shard, {})[name] = int(float(value))
    for shard, v in sorted(values.items()):
        key = v.get("compactions_total", 0)
        if seen.get(shard) != key:
            seen[shard] = key
            out.write(f"{now:.3f} {shard} {key} {v.get('last_compaction_milliseconds', 0)}\n")
    time.sleep(0.25)
PY
cat > "$WORK/stamp.py" <<'PY'
import sys, time
for line in sys.stdin:
    sys.stdout.write(f"{time.time():.3f} {line}"); sys.stdout.flush()
PY

compactions() { # METRICS-URL: total compactions over all shards
    curl -fsS "$1" | awk '/^portlease_log_compactions_total\{/ { s += $2 } END { print s + 0 }'
}
commit_histogram() { # METRICS-URL FILE
    curl -fsS "$1" | grep -E '^portlease_log_commit_seconds_(bucket|count|sum)' > "$2" || true
}
wait_port() { # PID PORT LOG
    for _ in $(seq 200); do
        if ! kill -0 "$1" 2>/dev/null; then log "the server exited:"; cat "$3" >&2; exit 1; fi
        ss -Hlunp "sport = :$2" | grep -q "pid=$1," && return 0
        sleep 0.1
    done
    log "process $1 does not listen on port $2"; cat "$3" >&2; exit 1
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); kernel $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); preload $PRELOAD, renew $SUBSCRIBERS subscribers at $RATE/s for $DURATION s; order: $ORDER"

ROWS="$WORK/rows.jsonl"
: > "$ROWS"
run=0
for config in $ORDER; do
    run=$((run + 1))
    dir="$WORK/run$run-$config"
    mkdir -p "$dir"
    port=$(free_port udp)
    mport=$(free_port tcp)
    url="http://127.0.0.1:$mport/metrics"
    write_config "$config" "$dir" "$port" "$mport"
    "$BIN/portlease" serve --config "$dir/config.json" > "$dir/serve.log" 2>&1 &
    server=$!; PIDS+=("$server")
    wait_port "$server" "$port" "$dir/serve.log"
    python3 "$WORK/scrape.py" "$url" "$dir/compactions.txt" &
    scraper=$!; PIDS+=("$scraper")

    log "run $run ($config): preloading $PRELOAD leases"
    "$PERF" --port "$port" --quiet --json --scenario info-request --preload "$PRELOAD" --subscribers 1 \
        --window 256 --exchanges 1 > "$dir/preload.json"
    # Warm-up, the same for A and B: the measured clients renew at the measured rate for WARMUP s.
    # Commits seal segments (by age), so only now does A's first pass fold the preload; the
    # window then starts in A's steady state (each pass folds about 10 s of renewals and
    # rewrites the whole snapshot).
    "$PERF" --port "$port" --quiet --json --scenario renew --subscribers "$SUBSCRIBERS" --rate "$RATE" \
        --duration "$WARMUP" > "$dir/warmup.json"
    log "run $run ($config): load, $(compactions "$url") compactions so far; $(cut -d' ' -f1-3 /proc/loadavg)"
    commit_histogram "$url" "$dir/commit-before.txt"
    load_before=$(cut -d' ' -f1 /proc/loadavg)
    "$PERF" --port "$port" --json --scenario renew --subscribers "$SUBSCRIBERS" --rate "$RATE" \
        --duration "$DURATION" 2>&1 > "$dir/load.json" | python3 "$WORK/stamp.py" > "$dir/progress.txt"
    commit_histogram "$url" "$dir/commit-after.txt"
    sleep 1
    kill -0 "$server" 2>/dev/null || { log "the server exited during the run:"; cat "$dir/serve.log" >&2; exit 1; }
    kill "$server" "$scraper"; wait "$server" "$scraper" 2>/dev/null || true
    python3 - "$run" "$config" "$dir" "$DURATION" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" >> "$ROWS" <<'PY'
import json, re, sys
run, config, d, duration, load0, load1 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6]
report = json.load(open(f"{d}/load.json"))
start = next(float(l.split()[0]) for l in open(f"{d}/progress.txt") if "prepared:" in l)
end = start + duration
# Compactions: each scrape line marks one that ended by then, lasting the last duration.
lines = [l.split() for l in open(f"{d}/compactions.txt")]
intervals, previous = [], {}
for t, shard, count, ms in lines:
    t, count, ms = float(t), int(count), int(ms)
    if shard in previous and count > previous[shard]:
        intervals.append((t - ms / 1000, t, shard, ms))
    previous[shard] = count
inside = [i for i in intervals if i[1] > start and i[0] < end]
covered, last = 0.0, start
for a, b, _, _ in sorted(inside):
    a, b = max(a, last, start), min(b, end)
    if b > a: covered += b - a; last = b
def histogram(path):
    counts = {}
    for line in open(path):
        m = re.match(r'portlease_log_commit_seconds_bucket\{shard="\d+",le="([^"]+)"\} (\S+)', line)
        if m: counts[m.group(1)] = counts.get(m.group(1), 0) + float(m.group(2))
    return counts
h0, h1 = histogram(f"{d}/commit-before.txt"), histogram(f"{d}/commit-after.txt")
window = {k: h1[k] - h0.get(k, 0) for k in h1}
total = window.get("+Inf", 0)
def quantile(q):
    for k, v in sorted(((k, v) for k, v in window.items() if k != "+Inf"), key=lambda kv: float(kv[0])):
        if v >= q * total: return float(k) * 1e6
    return float("inf")
def above(bound):  # commits slower than bound seconds
    return int(total - sum(v for k, v in window.items() if k != "+Inf" and abs(float(k) - bound) < 1e-9))
lat = report["latency_exchange_us"]
print(json.dumps({
    "run": int(run), "config": config, "p50": lat["p50"], "p99": lat["p99"], "p999": lat["p99.9"], "max": lat["max"],
    "rate": report["exchanges_per_second"], "errors": report["error_total"],
    "compactions": len(inside), "compaction_ms": [i[3] for i in inside], "compacting": covered / duration,
    "commits": total, "commits_over_10ms": above(0.01), "commits_over_50ms": above(0.05), "commit_p99_us_le": quantile(0.99), "commit_p999_us_le": quantile(0.999),
    "load": f"{load0}->{load1}",
}))
PY
    tail -1 "$ROWS" >&2
done

python3 - "$ROWS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print(f"{'run':10} {'ex/s':>6} {'p50 us':>8} {'p99 us':>8} {'p99.9 us':>9} {'max us':>9} {'err':>4} {'compactions':>11} {'compacting':>10}  {'commits >10/>50 ms':>18}  pass ms (shard 0/1 alternately)")
for r in rows:
    ms = ",".join(str(m) for m in r["compaction_ms"]) or "-"
    name = f"{r['run']} {r['config']}"
    print(f"{name:10} {r['rate']:6.0f} {r['p50']:8.0f} {r['p99']:8.0f} {r['p999']:9.0f} {r['max']:9.0f} {r['errors']:4d}"
          f" {r['compactions']:11d} {100 * r['compacting']:9.0f}%  {r['commits_over_10ms']:8d} / {r['commits_over_50ms']:7d}  {ms}")
print()
a = [r for r in rows if r["config"] == "A"]; b = [r for r in rows if r["config"] == "B"]
for i, (x, y) in enumerate(zip(a, b), 1):
    print(f"pair {i} (runs {x['run']}/{y['run']}): p99.9 A/B = {x['p999']:.0f}/{y['p999']:.0f} = {x['p999'] / y['p999']:.2f}x;"
          f" p99 A/B = {x['p99'] / y['p99']:.2f}x; p50 A/B = {x['p50'] / y['p50']:.2f}x")
if a and b:
    import statistics
    ma, mb = statistics.median(r["p999"] for r in a), statistics.median(r["p999"] for r in b)
    print(f"median p99.9: A {ma:.0f} us, B {mb:.0f} us: {ma / mb:.2f}x (bar: 1.5x)")
PY
