#!/usr/bin/env bash
# How many records each lease-log sync carries, and the closed-loop rate (issue 13):
#   Benchmarks/commit-groups.sh BIN-DIR [SCENARIO] [WORKERS]
# BIN-DIR holds the release `portlease` to test (e.g. .build/release, or an older build in a
# worktree); the generator is this tree's .build/release/portlease-perf. A fresh server on
# Benchmarks/portlease/shared.json (fsync) with WORKERS workers (default 2), then 5 s of
# SCENARIO (default renew) at window 64 over 50,000 subscribers; prints the rate, the syncs per
# shard and the records written (records / syncs = group size).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$1; SCENARIO=${2:-renew}; WORKERS=${3:-2}
DIR=$(mktemp -d /tmp/commit-groups.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
sed "s|  \"workers\": 2,|  \"workers\": $WORKERS, \"metrics\": { \"listen\": \"127.0.0.1:29547\" },|" \
    "$ROOT/Benchmarks/portlease/shared.json" > "$DIR/config.json"
(cd "$DIR" && exec "$BIN/portlease" serve --config config.json 2> serve.log) &
SERVER=$!
for _ in $(seq 50); do curl -fsS 127.0.0.1:29547/metrics > /dev/null 2>&1 && break; sleep 0.1; done
"$ROOT/.build/release/portlease-perf" --port 20547 --quiet --scenario "$SCENARIO" --subscribers 50000 --window 64 \
    --duration 5 | grep -E "^rate:"
curl -fsS 127.0.0.1:29547/metrics | grep -E "^portlease_log_commit_seconds_count|^portlease_log_records_total"
