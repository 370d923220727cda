#!/usr/bin/env bash
# The end-to-end comparison (issue 7): the same portlease-perf scenario against the Kea 2.2
# 4o6 pair and against PortLease (full and shared pools, fsync on and off), plus the bare
# io_uring echo ceiling, in one run on this machine. Prints one table with ratios.
#
# Usage: Benchmarks/compare.sh [table|sweep]   (defaults below; override with environment variables)
#   DURATION=10 WINDOW=64 SUBSCRIBERS=50000 NEARFULL=1 SKIP_KEA=1 Benchmarks/compare.sh
#   DURATION=5 Benchmarks/compare.sh sweep      (open-loop rates; chart in Benchmarks/sweep.png)
#   BASELINE_BIN=/path/to/older/.build/release Benchmarks/compare.sh
#       (adds "baseline" rows with that build's portlease, interleaved with this one's: before and
#       after a change, in the same run)
# Server CPU is read from /proc/PID/stat (utime + stime, every thread) before and after each run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
WINDOW=${WINDOW:-64}
SUBSCRIBERS=${SUBSCRIBERS:-50000}
NEARFULL=${NEARFULL:-1}
SKIP_KEA=${SKIP_KEA:-0}
MODE=${1:-table}   # table, or sweep: open-loop rates against achieved rate and p99, as a PNG chart
PORTLEASE_RATES=${PORTLEASE_RATES:-5000 10000 20000 30000 40000 50000 60000 70000 80000}
KEA_RATES=${KEA_RATES:-2000 4000 6000 8000 10000 12000}
CHART=${CHART:-$ROOT/Benchmarks/sweep.png}
SCRATCH=${SCRATCH:-$ROOT/.build}
PORT=20547        # PortLease (Benchmarks/portlease/*.json); off the quick-start's 10547
ECHO_PORT=20999

WORK=$(mktemp -d /tmp/portlease-compare.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "[compare] $*" >&2; }

# --- Build and install what is missing -------------------------------------------------------
if ! dpkg -s liburing-dev >/dev/null 2>&1; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liburing-dev >&2
fi
source "$ROOT/Benchmarks/kea/pair.sh"
# The Debian packages start their own services where systemd runs; those use port 547/67, not ours.
[ "$SKIP_KEA" != 1 ] && kea_install
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); kernel $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); duration $DURATION s, window $WINDOW, subscribers $SUBSCRIBERS"
log "building (release)"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product portlease >&2 \
    && swift build -c release --scratch-path "$SCRATCH" --product portlease-perf >&2)
BIN="$SCRATCH/release"
PERF="$BIN/portlease-perf"

ticks() { # CPU clock ticks (user + system) of the given processes
    local total=0 pid
    for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
    echo "$total"
}
wait_port() { # PID PORT LOG: wait until process PID listens on UDP port PORT; show LOG if it died
    for _ in $(seq 100); do
        if ! kill -0 "$1" 2>/dev/null; then log "the server exited:"; cat "$3" >&2; exit 1; fi
        ss -Hlunp "sport = :$2" | grep -q "pid=$1," && return 0
        sleep 0.1
    done
    log "process $1 does not listen on port $2"; cat "$3" >&2; exit 1
}
check_alive() { # PID LOG: a server must survive its run
    kill -0 "$1" 2>/dev/null && return 0
    log "the server exited during the run:"; cat "$2" >&2; exit 1
}

ROWS="$WORK/rows"
: > "$ROWS"
# measure NAME PORT "SERVER PIDS" PERF-ARGS... : one measured run, one row of JSON
measure() {
    local name=$1 port=$2 pids=$3; shift 3
    local before after
    before=$(ticks $pids)
    log "$name: portlease-perf $*"
    "$PERF" --port "$port" --quiet --json "$@" > "$WORK/out.json"
    after=$(ticks $pids)
    python3 - "$name" "$((after - before))" "$(getconf CLK_TCK)" "$WORK/out.json" >> "$ROWS" <<'PY'
import json, sys
name, ticks, hz, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
report = json.load(open(path))
report["name"] = name
report["server_cpu_us"] = ticks * 1_000_000 // hz
print(json.dumps(report))
PY
}

# --- The echo ceiling (at the start and again at the end: the machine is shared, the best counts) ---
echo_run() { # NAME
    "$PERF" echo --port $ECHO_PORT > "$WORK/echo.log" 2>&1 &
    local pid=$!; PIDS+=("$pid")
    wait_port "$pid" $ECHO_PORT "$WORK/echo.log"
    measure "$1" $ECHO_PORT "$pid" --scenario echo --subscribers 1000 --window "$WINDOW" --duration "$DURATION"
    check_alive "$pid" "$WORK/echo.log"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
# --- PortLease: full and shared pools, fsync on and off ----------------------------------------
portlease_run() { # NAME CONFIG DURABILITY PERF-ARGS...
    local name=$1 config=$2 durability=$3; shift 3
    local dir="$WORK/portlease-$durability-$(basename "$config" .json)"
    mkdir -p "$dir"
    sed "s|\"durability\": \"fsync\"|\"durability\": \"$durability\"|" "$ROOT/Benchmarks/portlease/$config" > "$dir/config.json"
    (cd "$dir" && exec "${SERVER_BIN:-$BIN}/portlease" serve --config config.json > serve.log 2>&1) &
    local pid=$!; PIDS+=("$pid")
    wait_port "$pid" $PORT "$dir/serve.log"
    measure "$name" $PORT "$pid" "$@"
    check_alive "$pid" "$dir/serve.log"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
kea_run() { # NAME PERF-ARGS...: start the kea-dhcp6 + kea-dhcp4 pair afresh, measure, stop it
    local name=$1; shift
    kea_start
    measure "$name" $KEA6_PORT "$KEA4_PID $KEA6_PID" --local-port $KEA6_CLIENT "$@"
    check_alive "$KEA4_PID" "$KEA/dhcp4.log"
    check_alive "$KEA6_PID" "$KEA/dhcp6.log"
    kea_stop
}

# --- Sweep mode: offered load against achieved rate and p99, and a chart ---------------------------
if [ "$MODE" = sweep ]; then
    for rate in $PORTLEASE_RATES; do
        portlease_run "PortLease shared, fsync @$rate" shared.json fsync --scenario dora --subscribers "$SUBSCRIBERS" \
            --rate "$rate" --duration "$DURATION"
    done
    if [ "$SKIP_KEA" != 1 ]; then
        for rate in $KEA_RATES; do
            kea_run "Kea 2.2 4o6, full @$rate" --scenario dora --full --subscribers "$SUBSCRIBERS" --rate "$rate" \
                --duration "$DURATION"
        done
    fi
    cp "$ROWS" "${ROWS_OUT:-/tmp/portlease-sweep-latest.jsonl}"
    python3 - "$ROWS" "$WORK" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"{'run':34} {'offered':>8} {'ex/s':>8} {'p50 us':>8} {'p99 us':>9} {'errors':>7}")
files = {}
for r in rows:
    server, offered = r["name"].split(" @")
    print(f"{server:34} {offered:>8} {r['exchanges_per_second']:8.0f} {r['latency_exchange_us']['p50']:8.0f}"
          f" {r['latency_exchange_us']['p99']:9.0f} {r['error_total']:7d}")
    key = "portlease" if server.startswith("PortLease") else "kea"
    files.setdefault(key, []).append(f"{offered} {r['exchanges_per_second']:.0f} {r['latency_exchange_us']['p99'] / 1000:.3f}")
for key, lines in files.items():
    open(f"{sys.argv[2]}/{key}.dat", "w").write("\n".join(lines) + "\n")
PY
    if ! command -v gnuplot >/dev/null 2>&1; then
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >&2
    fi
    PLOTS="'$WORK/portlease.dat' using 1:2 with linespoints title 'PortLease shared, fsync: DORA/s' axes x1y1,"
    PLOTS+=" '$WORK/portlease.dat' using 1:3 with linespoints dashtype 2 title 'PortLease p99 (ms)' axes x1y2"
    if [ -f "$WORK/kea.dat" ]; then
        PLOTS+=", '$WORK/kea.dat' using 1:2 with linespoints title 'Kea 2.2 4o6: DORA/s' axes x1y1,"
        PLOTS+=" '$WORK/kea.dat' using 1:3 with linespoints dashtype 2 title 'Kea p99 (ms)' axes x1y2"
    fi
    gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output '$CHART'
set title 'DORA/s and p99 latency against offered load ($(nproc) cores, generator on the same machine)'
set xlabel 'offered DORA/s (open loop)'
set ylabel 'completed DORA/s'
set y2label 'p99 DORA latency (ms), log scale'
set logscale y2
set ytics nomirror
set y2tics
set key top left
set grid
plot $PLOTS
GP
    echo "chart: $CHART"
    exit 0
fi

# --- Table mode ------------------------------------------------------------------------------------
echo_run "echo ceiling, first (round trips)"

COMMON=(--scenario dora --subscribers "$SUBSCRIBERS" --window "$WINDOW" --duration "$DURATION")
RENEW=(--scenario renew --subscribers "$SUBSCRIBERS" --window "$WINDOW" --duration "$DURATION")
baseline_run() { # like portlease_run, with the BASELINE_BIN build, when one is given
    [ -n "${BASELINE_BIN:-}" ] || return 0
    local name=$1; shift
    SERVER_BIN=$BASELINE_BIN portlease_run "baseline ${name#PortLease }" "$@"
}
portlease_run "PortLease full, fsync" full.json fsync "${COMMON[@]}" --full
baseline_run "PortLease full, fsync" full.json fsync "${COMMON[@]}" --full
portlease_run "PortLease full, no fsync" full.json none "${COMMON[@]}" --full
portlease_run "PortLease shared, fsync" shared.json fsync "${COMMON[@]}"
baseline_run "PortLease shared, fsync" shared.json fsync "${COMMON[@]}"
portlease_run "PortLease shared, no fsync" shared.json none "${COMMON[@]}"
baseline_run "PortLease shared, no fsync" shared.json none "${COMMON[@]}"
portlease_run "PortLease shared, fsync, renew" shared.json fsync "${RENEW[@]}"
baseline_run "PortLease shared, fsync, renew" shared.json fsync "${RENEW[@]}"
portlease_run "PortLease shared, no fsync, renew" shared.json none "${RENEW[@]}"
# Half the closed-loop maximum, open loop: the latency target is p99 <= 2 ms there.
HALF=$(python3 -c "import json; r=[json.loads(l) for l in open('$ROWS')]; print(int([x for x in r if x['name']=='PortLease shared, fsync'][0]['exchanges_per_second']/2))")
portlease_run "PortLease shared, fsync, half rate" shared.json fsync --scenario dora --subscribers "$SUBSCRIBERS" \
    --rate "$HALF" --duration "$DURATION"
if [ "$NEARFULL" = 1 ]; then
    # 99% occupancy: the shared pool has 4096 addresses x 64 PSIDs = 262144 port sets.
    portlease_run "PortLease shared, fsync, 99% full" shared.json fsync --scenario dora-release --preload 259522 \
        --subscribers 2000 --window "$WINDOW" --duration "$DURATION"
    portlease_run "PortLease shared, fsync, empty pool" shared.json fsync --scenario dora-release \
        --subscribers 2000 --window "$WINDOW" --duration "$DURATION"
fi

# --- Kea 2.2: kea-dhcp6 + kea-dhcp4 over 4o6, memfile (no fsync) ----------------------------------
if [ "$SKIP_KEA" != 1 ]; then
    kea_run "Kea 2.2 4o6, full" "${COMMON[@]}" --full
    if [ "$NEARFULL" = 1 ]; then
        # 99% occupancy of Kea's 65533-address pool.
        kea_run "Kea 2.2 4o6, full, 99% full" --scenario dora-release --full --preload 64878 --subscribers 600 \
            --window "$WINDOW" --duration "$DURATION"
        kea_run "Kea 2.2 4o6, full, empty pool" --scenario dora-release --full --subscribers 600 \
            --window "$WINDOW" --duration "$DURATION"
    fi
fi

echo_run "echo ceiling, last (round trips)"

cp "$ROWS" "${ROWS_OUT:-/tmp/portlease-compare-latest.jsonl}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); raw reports: ${ROWS_OUT:-/tmp/portlease-compare-latest.jsonl}"

# --- The table ------------------------------------------------------------------------------------
python3 - "$ROWS" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {r["name"]: r for r in rows}
echoes = [r for r in rows if r["name"].startswith("echo ceiling")]
echo = max(echoes, key=lambda r: r["exchanges_per_second"]) if echoes else None
kea = by.get("Kea 2.2 4o6, full")
def cpu(r):
    return r["server_cpu_us"] / r["completed"] if r["completed"] else float("nan")
print(f"{'run':40} {'ex/s':>9} {'p50 us':>8} {'p99 us':>8} {'rt p99':>8} {'srv us/ex':>9} {'gen us/ex':>9} {'errors':>6} {'vs Kea':>7} {'vs echo':>8} {'CPU/echo':>8}")
for r in rows:
    rate = r["exchanges_per_second"]
    line = f"{r['name']:40} {rate:9.0f} {r['latency_exchange_us']['p50']:8.0f} {r['latency_exchange_us']['p99']:8.0f}"
    line += f" {r['latency_round_trip_us']['p99']:8.0f}"
    line += f" {cpu(r):9.1f} {r['cpu_us_per_exchange']:9.1f} {r['error_total']:6d}"
    trips = r["round_trips_per_exchange"]
    line += f" {rate / kea['exchanges_per_second']:6.2f}x" if kea and r not in echoes else f" {'':>7}"
    if echo and r not in echoes:
        ceiling = echo["exchanges_per_second"] / trips
        line += f" {100 * rate / ceiling:7.0f}% {cpu(r) / (cpu(echo) * trips):7.2f}x"
    print(line)
print()
for r in rows:
    kinds = ", ".join(f"{k} {v}" for k, v in r["errors"].items() if v)
    if kinds or r["retransmissions"] or r["unfinished"]:
        print(f"{r['name']}: errors: {kinds or 'none'}; retransmissions {r['retransmissions']}; unfinished {r['unfinished']}")
print()
print("ex/s: exchanges per second (a DORA is one exchange, two round trips); p50/p99: whole-exchange latency;")
print("rt p99: per query/reply round trip;")
print("srv us/ex: server CPU (utime+stime from /proc) per exchange; gen us/ex: the generator's CPU;")
print("vs echo: rate as a share of the best echo ceiling run in the same units (echo round trips/s / round trips per exchange);")
print("CPU/echo: server CPU per exchange over the echo responder's CPU for the same number of round trips.")
PY
