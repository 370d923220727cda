#!/usr/bin/env bash
# Is the receive thread's hand-off to shard workers worth its cost? (issue 13)
#
# Builds a scratch copy of this commit with inline-experiment.patch applied (never merged): with
# PORTLEASE_EXPERIMENT_INLINE set, no worker thread starts and the receive thread runs each touched
# shard's batch itself at the end of every receive batch. Mode `inline` (=1): syncs in line (a
# blocking fdatasync, no SyncRing). Mode `async` (=async): syncs through each shard's SyncRing,
# whose completions signal the receive loop's wake-up eventfd (IORING_REGISTER_EVENTFD), so the
# receive thread never blocks on the disk and reaps each sync when it is done. With
# PORTLEASE_EXPERIMENT_HOLD_US it overrides ShardWorker.longestHold. Then runs closed-loop DORAs
# (window 64, 50,000 subscribers, 10 s) against each configuration in turn, ROUNDS times, and
# prints DORA/s, server CPU per DORA (utime+stime of every thread from /proc), context switches
# per DORA (voluntary + involuntary, every thread) and p99.
#
# Usage: Benchmarks/handoff/handoff.sh [ROUNDS]          (default 3)
#        CONFIGS="2 fsync handoff;2 fsync async;2 none handoff;2 none async" Benchmarks/handoff/handoff.sh 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-3}
CONFIGS=${CONFIGS:-"1 none handoff;1 none inline;2 none handoff;2 none inline;1 fsync handoff;1 fsync inline;2 fsync handoff"}
SCRATCH=${SCRATCH:-/tmp/portlease-handoff}
rm -rf "$SCRATCH/tree" && mkdir -p "$SCRATCH"
git -C "$ROOT" worktree add -f --detach "$SCRATCH/tree" HEAD >/dev/null 2>&1
trap 'git -C "$ROOT" worktree remove --force "$SCRATCH/tree" >/dev/null 2>&1 || true' EXIT
git -C "$SCRATCH/tree" apply "$ROOT/Benchmarks/handoff/inline-experiment.patch"
(cd "$SCRATCH/tree" && swift build -c release --product portlease >&2)
(cd "$ROOT" && swift build -c release --product portlease-perf >&2)
SERVER="$SCRATCH/tree/.build/release/portlease"
PERF="$ROOT/.build/release/portlease-perf"

run() { # WORKERS DURABILITY MODE
    local dir="$SCRATCH/run"
    rm -rf "$dir" && mkdir -p "$dir"
    sed "s|\"durability\": \"fsync\"|\"durability\": \"$2\"|; s|\"workers\": 2|\"workers\": $1|" \
        "$ROOT/Benchmarks/portlease/shared.json" > "$dir/config.json"
    local env=()
    [ "$3" = inline ] && env=(PORTLEASE_EXPERIMENT_INLINE=1)
    [ "$3" = async ] && env=(PORTLEASE_EXPERIMENT_INLINE=async)
    (cd "$dir" && exec env "${env[@]}" "$SERVER" serve --config config.json > serve.log 2>&1) &
    local pid=$!
    for _ in $(seq 100); do ss -uln | grep -q ":20547 " && break; sleep 0.1; done
    local t0 c0 t1 c1 out
    t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    c0=$(grep -h ctxt "/proc/$pid"/task/*/status | awk '{s+=$2} END {print s}')
    out=$("$PERF" run --port 20547 --scenario dora --subscribers 50000 --window 64 --duration 10 --quiet --json)
    t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    c1=$(grep -h ctxt "/proc/$pid"/task/*/status | awk '{s+=$2} END {print s}')
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$out" $((t1 - t0)) $((c1 - c0)) "$1 worker(s), $2, $3" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); ticks, switches, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
n = r["completed"]
print(f"{sys.argv[4]:28s} {r['exchanges_per_second']:8.0f} DORA/s  server {ticks * 1e6 / hz / n:5.1f} us/DORA"
      f"  switches/DORA {switches / n:5.2f}  p99 {r['latency_exchange_us']['p99']:6.0f} us")
PY
}

for _ in $(seq "$ROUNDS"); do
    IFS=';' read -ra list <<< "$CONFIGS"
    for config in "${list[@]}"; do run $config; done
done
