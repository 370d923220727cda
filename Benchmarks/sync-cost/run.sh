#!/usr/bin/env bash
# What one durable commit costs, three ways, interleaved ROUNDS times (issue 13; sync-cost.c).
# Usage: Benchmarks/sync-cost/run.sh [ROUNDS] [COUNT] [BYTES] [DIRECTORY]
#        (defaults: 3 rounds of 10,000 commits of 1,200 bytes, in /var/tmp)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${1:-3} COUNT=${2:-10000} BYTES=${3:-1200} DIRECTORY=${4:-/var/tmp}
if ! dpkg -s liburing-dev >/dev/null 2>&1; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liburing-dev >&2
fi
BINARY=$(mktemp /tmp/sync-cost.XXXXXX)
trap 'rm -f "$BINARY"' EXIT
cc -O2 -o "$BINARY" "$HERE/sync-cost.c" -luring
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(findmnt -no FSTYPE,SOURCE --target "$DIRECTORY"); $COUNT commits of $BYTES bytes"
for _ in $(seq "$ROUNDS"); do
    for mode in buffered-falloc direct-falloc direct-zero; do "$BINARY" "$mode" "$COUNT" "$BYTES" "$DIRECTORY"; done
done
