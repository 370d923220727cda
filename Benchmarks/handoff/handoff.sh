#!/usr/bin/env bash
# Is the receive thread's hand-off to shard workers worth its cost? (issue 13)
#
# Builds a scratch copy of commit PATCH_BASE (default 1b28cd8, the commit the patch was written
# against; later commits changed Server.swift) with inline-experiment.patch applied (never
# merged): with PORTLEASE_EXPERIMENT_INLINE set, no worker thread starts and the receive thread
# runs each touched shard's batch itself at the end of every receive batch. Mode `inline` (=1):
# syncs in line (a blocking fdatasync, no SyncRing). Mode `async` (=async): syncs through each
# shard's SyncRing, whose completions signal the receive loop's wake-up eventfd
# (IORING_REGISTER_EVENTFD), so the receive thread never blocks on the disk and reaps each sync
# when it is done. With PORTLEASE_EXPERIMENT_HOLD_US it overrides ShardWorker.longestHold. Then
# Benchmarks/interleave.sh runs closed-loop DORAs (window 64, 50,000 subscribers, 10 s) against
# each configuration in turn, ROUNDS times: DORA/s, server CPU per DORA, context switches per
# DORA and p99.
#
# Usage: Benchmarks/handoff/handoff.sh [ROUNDS]          (default 3)
#        CONFIGS="2 fsync handoff;2 fsync async;2 none handoff;2 none async" Benchmarks/handoff/handoff.sh 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-3}
CONFIGS=${CONFIGS:-"1 none handoff;1 none inline;2 none handoff;2 none inline;1 fsync handoff;1 fsync inline;2 fsync handoff"}
SCRATCH=${SCRATCH:-/tmp/portlease-handoff}
rm -rf "$SCRATCH/tree" && mkdir -p "$SCRATCH"
git -C "$ROOT" worktree add -f --detach "$SCRATCH/tree" "${PATCH_BASE:-1b28cd8}" >/dev/null 2>&1
trap 'git -C "$ROOT" worktree remove --force "$SCRATCH/tree" >/dev/null 2>&1 || true' EXIT
git -C "$SCRATCH/tree" apply "$ROOT/Benchmarks/handoff/inline-experiment.patch"
(cd "$SCRATCH/tree" && swift build -c release --product portlease >&2)
SERVER="$SCRATCH/tree/.build/release/portlease"

# "WORKERS DURABILITY MODE" -> interleave.sh's "NAME BINARY DURABILITY ENV SCENARIO WORKERS"
converted=()
IFS=';' read -ra list <<< "$CONFIGS"
for config in "${list[@]}"; do
    read -r workers durability mode <<< "$config"
    case "$mode" in
        inline) env=PORTLEASE_EXPERIMENT_INLINE=1 ;;
        async) env=PORTLEASE_EXPERIMENT_INLINE=async ;;
        *) env=X=1 ;;
    esac
    converted+=("$workers-worker(s),$durability,$mode $SERVER $durability $env dora $workers")
done
CONFIGS=$(IFS=';'; echo "${converted[*]}") DURATION=10 "$ROOT/Benchmarks/interleave.sh" "$ROUNDS"
