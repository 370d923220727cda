#!/usr/bin/env bash
# A DISCOVER flood against legitimate clients (issue 12: "during a 60 s flood of 100k
# DISCOVERs a second with random client identifiers from one IPv6 source, a legitimate
# client population still completes DORAs with no failures").
#
# Three runs, each on a fresh server (the quick-start pools: map-shared 198.51.100.0/26 with
# psid-length 6 = 4,096 port sets, full 203.0.113.0/25; 2 workers; fsync durability;
# offer-lifetime 60 s):
#   quiet:     the legitimate clients alone;
#   flood:     the same clients while `portlease-perf flood` sends FLOOD_RATE DISCOVERs/s with
#              random client identifiers from one source (unrelayed, from ::1), with the default
#              limits (discover-rate 10/s, burst 50 per /64);
#   unlimited: the same flood with "discover-rate": "off", to show what the limit prevents.
# The legitimate clients: portlease-perf run --scenario dora-release (each DORA ends with a
# RELEASE, so the pool never fills by itself) --relays 1 (each subscriber its own /64 as the
# relay's peer-address) --rate LEGIT_RATE over LEGIT_SUBSCRIBERS subscribers for DURATION s;
# with LEGIT_WINDOW=N, closed loop with N exchanges outstanding instead (the clients' capacity).
# The flood starts FLOOD_LEAD s before the clients and ends after them.
#
# Usage: Benchmarks/discover-flood.sh
#   DURATION=60 FLOOD_RATE=100000 LEGIT_RATE=2000 RUNS="quiet flood unlimited" Benchmarks/discover-flood.sh
# Needs the release binaries (built here with --scratch-path $SCRATCH), python3 and curl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-60}
FLOOD_RATE=${FLOOD_RATE:-100000}
FLOOD_LEAD=${FLOOD_LEAD:-3}
LEGIT_RATE=${LEGIT_RATE:-2000}
LEGIT_SUBSCRIBERS=${LEGIT_SUBSCRIBERS:-2000}
LEGIT_WINDOW=${LEGIT_WINDOW:-}
if [ -n "$LEGIT_WINDOW" ]; then LEGIT_LOAD=(--window "$LEGIT_WINDOW"); else LEGIT_LOAD=(--rate "$LEGIT_RATE"); fi
RUNS=${RUNS:-"quiet flood unlimited"}
SCRATCH=${SCRATCH:-$ROOT/.build}

NAME=discover-flood
source "$ROOT/Benchmarks/common.sh"

metric() { # URL NAME-WITH-LABELS
    curl -fsS "$1" | awk -v name="$2" 'index($0, name " ") == 1 { print $2; found = 1 } END { if (!found) print 0 }'
}

run() { # quiet|flood|unlimited
    local kind=$1 dir="$WORK/$1" port metrics limits=""
    mkdir -p "$dir"
    port=$(free_port udp)
    metrics=$(free_port tcp)
    [ "$kind" = unlimited ] && limits='"limits": { "discover-rate": "off" },'
    cat > "$dir/config.json" <<EOF
{
  "server-id": "192.0.2.1",
  "listen": { "addresses": ["::1"], "port": $port },
  "dhcp4o6-server-addresses": ["::1"],
  "workers": 2, $limits
  "lease-log": { "directory": "$dir/lease-log", "durability": "fsync" },
  "metrics": { "listen": "127.0.0.1:$metrics" },
  "log-level": "warning",
  "pools": [
    { "name": "map-shared", "addresses": ["198.51.100.0/26"], "valid-lifetime": 3600,
      "shared": { "psid-offset": 6, "psid-length": 6, "reserved-ports": ["0-1023"] } },
    { "name": "full", "addresses": ["203.0.113.0/25"], "valid-lifetime": 3600 }
  ]
}
EOF
    "$BIN/portlease" serve --config "$dir/config.json" 2> "$dir/server.log" &
    local server=$!
    PIDS+=("$server")
    for _ in $(seq 100); do
        curl -fsS "http://127.0.0.1:$metrics/metrics" > /dev/null 2>&1 && break
        sleep 0.1
    done
    local flood=""
    if [ "$kind" != quiet ]; then
        "$BIN/portlease-perf" flood --port "$port" --source ::1 --rate "$FLOOD_RATE" \
            --duration "$((DURATION + FLOOD_LEAD + 2))" > "$dir/flood.txt" &
        flood=$!
        PIDS+=("$flood")
        sleep "$FLOOD_LEAD"
    fi
    "$BIN/portlease-perf" run --port "$port" --scenario dora-release --relays 1 "${LEGIT_LOAD[@]}" \
        --subscribers "$LEGIT_SUBSCRIBERS" --duration "$DURATION" --json > "$dir/legit.json"
    local url="http://127.0.0.1:$metrics/metrics"
    local used limited exhausted
    used=$(metric "$url" 'portlease_port_sets{pool="map-shared",psid_length="6",state="used"}')
    limited=$(metric "$url" 'portlease_datagrams_dropped_total{reason="discover-rate"}')
    exhausted=$(metric "$url" 'portlease_engine_dropped_total{reason="pools-exhausted"}')
    [ -n "$flood" ] && wait "$flood"
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    python3 - "$kind" "$dir/legit.json" "$used" "$limited" "$exhausted" <<'PY'
import json, sys
kind, path, used, limited, exhausted = sys.argv[1:]
r = json.load(open(path))
lat = r["latency_exchange_us"]
print(f"{kind:9s} legit: {r['completed']} DORAs completed, {r['failed']} failed, {r['unfinished']} unfinished, "
      f"{r['exchanges_per_second']:.0f}/s, latency p50 {lat['p50']} us p99 {lat['p99']} us; "
      f"server at the end: map-shared port sets used {used} of 4096, discover-rate drops {limited}, "
      f"pools-exhausted drops {exhausted}")
PY
    [ -n "$flood" ] && sed "s/^/          /" "$dir/flood.txt"
    return 0
}

for kind in $RUNS; do run "$kind"; done
