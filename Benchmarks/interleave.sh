#!/usr/bin/env bash
# Interleaved A/B runs of server builds or settings against one load (issue 13): for each
# round, each configuration in turn serves Benchmarks/portlease/shared.json (2 workers unless
# given, the durability given) and portlease-perf runs a closed loop (window 64, 50,000 subscribers) or,
# with RATE, an open loop; prints exchanges/s, the server's CPU per exchange (utime + stime of
# every thread, /proc), its context switches per exchange and the p99 exchange latency.
#
# Usage: CONFIGS="NAME BINARY DURABILITY ENV SCENARIO [WORKERS];..." Benchmarks/interleave.sh [ROUNDS]
#   ENV is one VAR=VALUE for the server (X=1 for none); SCENARIO dora or renew.
#   CONFIGS="before /tmp/before/portlease fsync X=1 dora;after .build/release/portlease fsync X=1 dora" \
#       DURATION=10 RATE=25000 Benchmarks/interleave.sh 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
PERF=${PERF:-$ROOT/.build/release/portlease-perf}
[ -x "$PERF" ] || (cd "$ROOT" && swift build -c release --product portlease-perf >&2)
WORK=$(mktemp -d /tmp/portlease-interleave.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() { # NAME BINARY DURABILITY ENV SCENARIO [WORKERS]
    rm -rf "$WORK/run" && mkdir -p "$WORK/run"
    sed "s|\"durability\": \"fsync\"|\"durability\": \"$3\"|; s|\"workers\": 2|\"workers\": ${6:-2}|" \
        "$ROOT/Benchmarks/portlease/shared.json" > "$WORK/run/config.json"
    local binary
    binary=$(realpath "$2")
    (cd "$WORK/run" && exec env "$4" "$binary" serve --config config.json > serve.log 2>&1) &
    local pid=$!
    for _ in $(seq 100); do ss -Hlunp "sport = :20547" | grep -q "pid=$pid," && break; sleep 0.1; done
    local t0 c0 t1 c1 out
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    c0=$(grep -h ctxt "/proc/$pid"/task/*/status | awk '{s += $2} END {print s}')
    out=$("$PERF" run --port 20547 --scenario "$5" --subscribers 50000 ${RATE:+--rate "$RATE"} --window 64 \
        --duration "${DURATION:-10}" --quiet --json)
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    c1=$(grep -h ctxt "/proc/$pid"/task/*/status | awk '{s += $2} END {print s}')
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$out" $((t1 - t0)) $((c1 - c0)) "$1 $5" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); ticks, switches, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
n = r["completed"]
print(f"{sys.argv[4]:30s} {r['exchanges_per_second']:8.0f} ex/s  server {ticks * 1e6 / hz / n:5.1f} us/ex"
      f"  switches/ex {switches / n:5.2f}  p99 {r['latency_exchange_us']['p99']:6.0f} us", flush=True)
PY
}

for _ in $(seq "$ROUNDS"); do
    IFS=';' read -ra list <<< "${CONFIGS:?CONFIGS is required: see the usage above}"
    for config in "${list[@]}"; do
        # shellcheck disable=SC2086 # one configuration's five words
        run $config
    done
done
