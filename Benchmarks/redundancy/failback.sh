#!/usr/bin/env bash
# How long does `portlease failback` take, and does the old active get every lease back?
# (issue 16: failback must be automatic or one documented command, and lose no lease)
#
# Usage: Benchmarks/redundancy/failback.sh [ROUNDS]       (default 3; needs root)
#   LEASES=100000 (leases the active grants before it is killed)
#   RESERVE_LEASES=20000 (new leases the standby grants from its reserve after the takeover)
#   STANDBY_POOL=100.65.0.0/20  MODE=synchronous  NO_BUILD=1  BIN=/path/to/release  KEEP=1
#
# Each round, from empty lease logs (lib.sh's namespaces):
#   1. starts the standby b, then the active a; portlease-perf gives LEASES subscribers a
#      lease from a (--preload), which b follows;
#   2. SIGKILLs a; b takes the group over (takeover-after); portlease-perf then asks b for
#      LEASES + RESERVE_LEASES subscribers: the first LEASES renew the port sets they hold in
#      the group's pool, the others get new ones from b's reserve;
#   3. restarts a on its lease log: b says it took the group over, a stays silent (yielded);
#   4. runs `portlease failback --config a.json` and times it: b goes silent, hands back its
#      live leases of the group, a applies them durably and serves, b follows again;
#   5. checks both hold the same number of port sets in use, a's state is active and b's
#      standby, and a logged the leases it took back.
# The command's time bounds how long the group's clients go unanswered (b is silent for the
# group from the request until a serves, which is before the command returns).
set -euo pipefail
NAME=portlease-failback
ROUNDS=${1:-3}
LEASES=${LEASES:-100000}
RESERVE_LEASES=${RESERVE_LEASES:-20000}
MODE=${MODE:-synchronous}
STANDBY_POOL=${STANDBY_POOL-100.65.0.0/20}
source "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# used NAME: port sets in use on server NAME (every pool and PSID length).
used() {
    metrics "$1" | awk '$1 ~ /^portlease_port_sets\{/ && $1 ~ /state="used"/ { s += $NF } END { printf "%d\n", s }'
}
# preload NAME COUNT: COUNT subscribers get (or keep) a lease from server NAME.
preload() {
    ip netns exec "$NS_C" "$PERF" run --server "$(addr "$1")" --port "$PORT" --scenario renew \
        --subscribers "$2" --preload "$2" --exchanges 1 --quiet --json > "$WORK/perf-$1.json"
}

net_up
make_certs
write_config a "$MODE"
write_config b "$MODE"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores; $ROUNDS round(s); mode $MODE;"
echo "$LEASES leases from the active, then $RESERVE_LEASES more from the standby's reserve after a takeover"
echo

ROWS="$WORK/rows.txt"
: > "$ROWS"
for round in $(seq "$ROUNDS"); do
    fresh_pair
    log "round $round: $LEASES leases from the active"
    preload a "$LEASES"
    before=$(used a)

    kill -9 "${SERVER_PID[a]}"
    wait "${SERVER_PID[a]}" 2>/dev/null || true
    unset "SERVER_PID[a]"
    group_state b partner-down $((TAKEOVER_AFTER + 10))
    log "round $round: the standby took over; $((LEASES + RESERVE_LEASES)) subscribers ask it"
    preload b $((LEASES + RESERVE_LEASES))
    on_b=$(used b)

    start_server a
    group_state a yielded 15
    t0=$(now_ms)
    "$PORTLEASE" failback --config "$WORK/a/config.json" > "$WORK/failback.out" 2> "$WORK/failback.err" \
        || { log "round $round: failback refused: $(cat "$WORK/failback.err")"; }
    took=$(($(now_ms) - t0))
    state_a=$(metrics a | sed -nE 's/^portlease_redundancy_state\{group="g1",state="([a-z-]+)"\} 1$/\1/p')
    group_state b standby 10 || true
    state_b=$(metrics b | sed -nE 's/^portlease_redundancy_state\{group="g1",state="([a-z-]+)"\} 1$/\1/p')
    sleep 1 # b applies what a logged while applying the hand-back (nothing new)
    taken=$(since_start a | sed -nE "s/.*leases=([0-9]+).*pool groups' leases taken back.*/\1/p" | tail -1)
    echo "$round $before $on_b ${taken:-?} $took $(used a) $(used b) $state_a $state_b" >> "$ROWS"
    log "round $round: $(tail -1 "$ROWS")"
done
stop_server a; stop_server b

python3 - "$ROWS" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'round':>5} {'a before':>8} {'b after':>8} {'handed':>8} {'command ms':>10} {'leases/s':>9} {'used a':>7} {'used b':>7} {'a':>7} {'b':>8}")
for r in rows:
    rnd, before, onb, taken, took, ua, ub, sa, sb = r
    rate = f"{int(taken) / (int(took) / 1000):.0f}" if taken != "?" and int(took) > 0 else "-"
    print(f"{rnd:>5} {before:>8} {onb:>8} {taken:>8} {took:>10} {rate:>9} {ua:>7} {ub:>7} {sa:>7} {sb:>8}")
times = [int(r[4]) for r in rows]
print()
print(f"failback command over {len(times)} round(s): min {min(times)} ms, median {statistics.median(times):.0f} ms, max {max(times)} ms")
print()
print("a before: port sets in use on the active before the kill; b after: on the standby after its reserve load;")
print("handed: leases the active logged it took back; command ms: `portlease failback` from start to exit;")
print("used a/b: port sets in use on each after the failback (equal: the old active holds every lease);")
print("a, b: pool group g1's state on each after the command.")
PY

report_problems "; the kill, the takeover and the old active's yield are expected"
echo
echo "configuration:"
show_config a
show_config b
