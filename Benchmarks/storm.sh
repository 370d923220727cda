#!/usr/bin/env bash
# The worst day (issue 17): a regional reboot storm and an open-loop overload, on fresh servers.
#
# storm: `portlease-perf storm`: SUBSCRIBERS start a DORA each at a uniformly random moment in
#   WINDOW s, retransmitting as RFC 2131 says and starting over after a failure, while PRELOAD
#   subscribers bound beforehand renew at RENEW_RATE/s. Reported: time until 50/99/100% hold a
#   lease, retransmissions, stale answers, the renewals' latency; the per-second timelines are
#   plotted into $OUT/storm.svg. Runs (each a fresh server, fsync on, 2 workers):
#     portlease-shared  PortLease, shared pool (100.64.0.0/14, psid-length 6), relayed clients;
#     portlease-full    PortLease, full pool (10.0.0.0/16), direct clients: Kea's setting;
#     kea-full          Kea 2.2 4o6 pair (Benchmarks/kea), memfile (no fsync), same clients;
#     baseline-*        with BASELINE_BIN, that build's portlease, same storm.
#   The Kea-comparable runs use KEA_SUBSCRIBERS within KEA_WINDOW (Kea's pool has 65,533 addresses).
# overload: `portlease-perf run --scenario dora --backoff rfc2131 --relays 1` open loop at each of
#   RATES for DURATION s, fresh server each: goodput (completed DORA/s) against offered load.
#
# Confinement (SERVER_QUOTA, default 40): on this 2-core machine the generator and the server
# share the cores, and past the server's saturation the generator starved first (its socket
# dropped replies, measured: 533,555 in one 120k/s run while the server dropped none), so it
# measured itself. The server under test (PortLease or Kea) is pinned to CPU 1 and capped at
# SERVER_QUOTA% of it (cgroup CPU quota, 10 ms period), the generator pinned to CPU 0: the
# server saturates well below what the generator can offer. SERVER_QUOTA=off: no confinement.
#
# Usage: Benchmarks/storm.sh [storm|overload|all]
#   SUBSCRIBERS=1000000 WINDOW=60 PRELOAD=10000 RENEW_RATE=1000 Benchmarks/storm.sh storm
#   RATES="20000 40000 80000 160000" DURATION=10 Benchmarks/storm.sh overload
#   BASELINE_BIN=/tmp/base/.build/release STORMS="portlease-shared baseline-shared" Benchmarks/storm.sh storm
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-all}
SUBSCRIBERS=${SUBSCRIBERS:-1000000}
WINDOW=${WINDOW:-60}
PRELOAD=${PRELOAD:-10000}
RENEW_RATE=${RENEW_RATE:-1000}
KEA_SUBSCRIBERS=${KEA_SUBSCRIBERS:-50000}
KEA_WINDOW=${KEA_WINDOW:-5}
KEA_PRELOAD=${KEA_PRELOAD:-5000}
GIVE_UP=${GIVE_UP:-240}
RATES=${RATES:-"10000 20000 25000 30000 40000 50000 60000"}
SERVER_QUOTA=${SERVER_QUOTA:-40}
DURATION=${DURATION:-10}
BASELINE_BIN=${BASELINE_BIN:-}
STORMS=${STORMS:-"portlease-shared ${BASELINE_BIN:+baseline-shared }portlease-full ${BASELINE_BIN:+baseline-full }kea-full"}
SCRATCH=${SCRATCH:-$ROOT/.build}
OUT=${OUT:-$ROOT/Benchmarks/storm-results}

NAME=storm
source "$ROOT/Benchmarks/common.sh"
source "$ROOT/Benchmarks/kea/pair.sh"
mkdir -p "$OUT"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores; kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg); server quota: $SERVER_QUOTA% of CPU 1"

# confine PID...: pin to CPU 1 and cap at SERVER_QUOTA% of it (cgroup v2, else v1 cpu controller)
confine() {
    [ "$SERVER_QUOTA" = off ] && return 0
    local group pid
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        group=/sys/fs/cgroup/portlease-bench
        mkdir -p "$group"
        echo "+cpu" > /sys/fs/cgroup/cgroup.subtree_control 2> /dev/null || true
        echo "$((SERVER_QUOTA * 100)) 10000" > "$group/cpu.max"
    else
        group=/sys/fs/cgroup/cpu/portlease-bench
        mkdir -p "$group"
        echo 10000 > "$group/cpu.cfs_period_us"
        echo $((SERVER_QUOTA * 100)) > "$group/cpu.cfs_quota_us"
    fi
    for pid in "$@"; do
        echo "$pid" > "$group/cgroup.procs"
        taskset -a -p -c 1 "$pid" > /dev/null
    done
}
GENERATOR=()
[ "$SERVER_QUOTA" != off ] && GENERATOR=(taskset -c 0)

metric() { # URL NAME-WITH-LABELS
    curl -fsS "$1" | awk -v name="$2" 'index($0, name " ") == 1 { print $2; found = 1 } END { if (!found) print 0 }'
}

# portlease_server BIN KIND(shared|full) DIR: starts a fresh server; sets SERVER, PORT, METRICS
portlease_server() {
    local bin=$1 kind=$2 dir=$3 pool
    mkdir -p "$dir"
    PORT=$(free_port udp)
    METRICS=$(free_port tcp)
    if [ "$kind" = shared ]; then
        pool='{ "name": "shared", "addresses": ["100.64.0.0/14"], "valid-lifetime": 3600, "shared": { "psid-offset": 6, "psid-length": 6 } }'
    else
        pool='{ "name": "full", "addresses": ["10.0.0.0/16"], "valid-lifetime": 3600 }'
    fi
    cat > "$dir/config.json" <<JSON
{ "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": $PORT },
  "dhcp4o6-server-addresses": ["::1"], "workers": 2, "limits": { "discover-rate": "off" },
  "lease-log": { "directory": "$dir/lease-log", "durability": "fsync" },
  "metrics": { "listen": "127.0.0.1:$METRICS" }, "log-level": "warning", "pools": [ $pool ] }
JSON
    "$bin/portlease" serve --config "$dir/config.json" 2> "$dir/server.log" &
    SERVER=$!
    PIDS+=("$SERVER")
    confine "$SERVER"
    for _ in $(seq 100); do
        curl -fsS "http://127.0.0.1:$METRICS/metrics" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    log "server did not start"; cat "$dir/server.log" >&2; exit 1
}

# server_drops: the shedding counters of the running PortLease server, as JSON members
server_drops() {
    local url="http://127.0.0.1:$METRICS/metrics" reason out=""
    for reason in stale stale-discover queue-full queue-full-discover duplicate; do
        out+="\"server_$(echo $reason | tr - _)\":$(metric "$url" "portlease_datagrams_dropped_total{reason=\"$reason\"}"),"
    done
    for type in offer ack; do
        out+="\"server_${type}s\":$(metric "$url" "portlease_replies_total{type=\"$type\"}"),"
    done
    echo "${out%,}"
}

stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

# storm_portlease NAME BIN KIND N WINDOW PRELOAD [PERF ARGS]
storm_portlease() {
    local name=$1 bin=$2 kind=$3 n=$4 window=$5 preload=$6; shift 6
    local dir="$WORK/$name"
    portlease_server "$bin" "$kind" "$dir"
    log "$name: $n subscribers within $window s, $preload renewing at $RENEW_RATE/s"
    "${GENERATOR[@]}" "$PERF" storm --port "$PORT" --subscribers "$n" --window "$window" --preload "$preload" \
        --renew-rate "$RENEW_RATE" --give-up "$GIVE_UP" --timeline "$OUT/$name.csv" --json --quiet "$@" \
        > "$dir/report.json"
    local drops; drops=$(server_drops)
    stop_server
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(json.loads("{"+sys.argv[3]+"}")); r["name"]=sys.argv[2]; print(json.dumps(r))' \
        "$dir/report.json" "$name" "$drops" >> "$OUT/storm.jsonl"
}

storm_kea() { # NAME N WINDOW PRELOAD
    local name=$1 n=$2 window=$3 preload=$4
    kea_start
    confine "$KEA4_PID" "$KEA6_PID"
    log "$name: $n subscribers within $window s, $preload renewing at $RENEW_RATE/s"
    "${GENERATOR[@]}" "$PERF" storm --port $KEA6_PORT --local-port $KEA6_CLIENT --relays 0 --full --subscribers "$n" \
        --window "$window" --preload "$preload" --renew-rate "$RENEW_RATE" --give-up "$GIVE_UP" \
        --timeline "$OUT/$name.csv" --json --quiet > "$WORK/$name.json"
    kea_stop
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["name"]=sys.argv[2]; print(json.dumps(r))' \
        "$WORK/$name.json" "$name" >> "$OUT/storm.jsonl"
}

storms() {
    : > "$OUT/storm.jsonl"
    local run
    for run in $STORMS; do
        case "$run" in
            portlease-shared) storm_portlease "$run" "$BIN" shared "$SUBSCRIBERS" "$WINDOW" "$PRELOAD" --relays 1 ;;
            baseline-shared) storm_portlease "$run" "$BASELINE_BIN" shared "$SUBSCRIBERS" "$WINDOW" "$PRELOAD" --relays 1 ;;
            portlease-full) storm_portlease "$run" "$BIN" full "$KEA_SUBSCRIBERS" "$KEA_WINDOW" "$KEA_PRELOAD" --relays 0 --full ;;
            baseline-full) storm_portlease "$run" "$BASELINE_BIN" full "$KEA_SUBSCRIBERS" "$KEA_WINDOW" "$KEA_PRELOAD" --relays 0 --full ;;
            kea-full) kea_install; storm_kea "$run" "$KEA_SUBSCRIBERS" "$KEA_WINDOW" "$KEA_PRELOAD" ;;
            *) echo "unknown storm run $run" >&2; exit 2 ;;
        esac
    done
    python3 "$ROOT/Benchmarks/plot-storm.py" "$OUT"
}

overload() {
    : > "$OUT/overload.jsonl"
    local rate bin name
    for rate in $RATES; do
        for name in portlease ${BASELINE_BIN:+baseline}; do
            bin=$BIN; [ "$name" = baseline ] && bin=$BASELINE_BIN
            portlease_server "$bin" shared "$WORK/$name-$rate"
            log "$name: dora at $rate/s for $DURATION s (RFC 2131 retransmission)"
            "${GENERATOR[@]}" "$PERF" run --port "$PORT" --scenario dora --backoff rfc2131 --relays 1 --subscribers 2000000 \
                --rate "$rate" --duration "$DURATION" --json --quiet > "$WORK/out.json"
            local drops; drops=$(server_drops)
            stop_server
            python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(json.loads("{"+sys.argv[4]+"}")); r["name"]=sys.argv[2]; r["offered"]=int(sys.argv[3]); print(json.dumps(r))' \
                "$WORK/out.json" "$name" "$rate" "$drops" >> "$OUT/overload.jsonl"
        done
    done
    python3 - "$OUT/overload.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
peak = {}
for r in rows: peak[r["name"]] = max(peak.get(r["name"], 0), r["exchanges_per_second"])
print(f"{'server':10} {'offered/s':>9} {'goodput/s':>9} {'of peak':>7} {'p50 ms':>7} {'p99 ms':>8} {'retrans':>8} {'late':>7} "
      f"{'abandoned':>9} {'stale':>7} {'stale-d':>8} {'qfull':>7} {'qfull-d':>8} {'dup':>7}")
for r in rows:
    e = r["errors"]; lat = r["latency_exchange_us"]
    print(f"{r['name']:10} {r['offered']:9d} {r['exchanges_per_second']:9.0f} {r['exchanges_per_second']/peak[r['name']]:7.2f} "
          f"{lat['p50']/1000:7.1f} {lat['p99']/1000:8.1f} {r['retransmissions']:8d} {e.get('late',0):7d} {e.get('abandoned',0):9d} "
          f"{r.get('server_stale',0):7d} {r.get('server_stale_discover',0):8d} {r.get('server_queue_full',0):7d} "
          f"{r.get('server_queue_full_discover',0):8d} {r.get('server_duplicate',0):7d}")
PY
}

case "$MODE" in
    storm) storms ;;
    overload) overload ;;
    all) overload; storms ;;
    *) echo "usage: $0 [storm|overload|all]" >&2; exit 2 ;;
esac
