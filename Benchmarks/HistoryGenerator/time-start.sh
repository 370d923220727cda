#!/usr/bin/env bash
# Times a real server start on a generated log: from launching `portlease serve` until its
# "portlease started" log line (stderr), then stops it with SIGTERM. Run from the repository root
# after `swift build -c release --scratch-path .build-hist-rel --product portlease`.
#   usage: Benchmarks/HistoryGenerator/time-start.sh CONFIG [RUNS]
set -euo pipefail
config=$1
runs=${2:-3}
binary=${PORTLEASE:-.build-hist-rel/release/portlease}
for run in $(seq "$runs"); do
    log=$(mktemp)
    start=$(date +%s%N)
    "$binary" serve --config "$config" 2>"$log" &
    pid=$!
    until grep -q "portlease started" "$log"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log"
            exit 1
        fi
        sleep 0.005
    done
    ready=$(date +%s%N)
    echo "run $run: started in $(( (ready - start) / 1000000 )) ms"
    kill -TERM "$pid"
    wait "$pid" || true
    grep -v "^$" "$log" | head -5
    rm -f "$log"
done
