#!/usr/bin/env bash
# Allocations on the packet path (issue 13: "0 mallocs per exchange in the steady state"):
# runs the release server under an LD_PRELOAD malloc counter (malloc-count/malloc-count.c)
# twice, for a short and a long closed-loop run of the same scenario, and prints the
# difference in mallocs per exchange. Start-up, recovery and the first exchanges allocate;
# the steady state must not, so the difference is 0 when the packet path allocates nothing.
#
# Usage: Benchmarks/server-mallocs.sh [SCENARIO...]   (default: dora renew; durability fsync)
#   BIN=/other/release Benchmarks/server-mallocs.sh dora   (another build's server; built here otherwise)
#   SHORT=2 LONG=10 CONFIG=shared.json Benchmarks/server-mallocs.sh dora
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHORT=${SHORT:-2}
LONG=${LONG:-10}
CONFIG=${CONFIG:-shared.json}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(dora renew)
WORK=$(mktemp -d /tmp/portlease-mallocs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && swift build -c release --product portlease >&2 && swift build -c release --product portlease-perf >&2)
BIN="${BIN:-$ROOT/.build/release}"
gcc -O2 -shared -fPIC -o "$WORK/malloc-count.so" "$ROOT/Benchmarks/malloc-count/malloc-count.c"

# SCENARIO SECONDS: prints "exchanges mallocs" for one server run
run() {
    local dir="$WORK/run-$1-$2"
    mkdir -p "$dir"
    cp "$ROOT/Benchmarks/portlease/$CONFIG" "$dir/config.json"
    (cd "$dir" && LD_PRELOAD="$WORK/malloc-count.so" MALLOC_COUNT_FILE="$dir/mallocs" \
        exec "$BIN/portlease" serve --config config.json > serve.log 2>&1) &
    local pid=$!
    for _ in $(seq 200); do ss -uln | grep -q ":20547 " && break; sleep 0.05; done
    local report
    report=$("$BIN/portlease-perf" run --port 20547 --scenario "$1" --subscribers 20000 --window 64 \
        --duration "$2" --quiet --json)
    kill -TERM "$pid"
    wait "$pid"
    echo "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["completed"])' "$report") $(cat "$dir/mallocs")"
}

printf '%-8s %12s %12s %12s %12s %18s\n' scenario "short ex" "mallocs" "long ex" "mallocs" "mallocs/exchange"
for scenario in "${SCENARIOS[@]}"; do
    read -r short_ex short_m < <(run "$scenario" "$SHORT")
    read -r long_ex long_m < <(run "$scenario" "$LONG")
    per=$(python3 -c "print(f'{($long_m - $short_m) / ($long_ex - $short_ex):.4f}')")
    printf '%-8s %12s %12s %12s %12s %18s\n' "$scenario" "$short_ex" "$short_m" "$long_ex" "$long_m" "$per"
done
