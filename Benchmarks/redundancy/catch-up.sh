#!/usr/bin/env bash
# How fast does a fresh standby catch up with an active that already holds many leases?
# (issue 16: a replaced or long-stopped standby must not stay exposed for long)
#
# Usage: Benchmarks/redundancy/catch-up.sh [ROUNDS]       (default 3; needs root)
#   LOAD_SECONDS=5 WINDOW=64 SUBSCRIBERS=50000 MODE=synchronous POOL=100.64.0.0/16
#   STANDBY_DELAY=0 (seconds between the end of the load and the standby's start)
#   COMPACTION_INTERVAL=N (the servers' lease-log compaction-interval; with STANDBY_DELAY
#     longer than it, the active's records are sealed and compacted before the standby ever
#     connects, which a standby replaced long after the active started meets)
#   SEGMENT_SIZE=BYTES (the lease log's segment-size: compaction folds only sealed segments)
#   STANDBY_LOG_HOLD=N (the redundancy section's standby-log-hold; 0 with COMPACTION_INTERVAL
#     and STANDBY_DELAY: the active compacts before the standby comes, which then catches up
#     from the snapshot: fewer records than the active logged, so "done" is also the active's
#     "standby caught up")
#   STALL_SECONDS=5 (give up when the standby's count stops growing for this long)
#   NO_BUILD=1  BIN=/path/to/release  KEEP=1 (keep logs)
#
# Each round, from empty lease logs (lib.sh's namespaces):
#   1. starts the active a alone (its "redundancy" section names b, which is not running: a
#      only renews until takeover-after has passed, then serves alone and retries the link
#      every heartbeat interval);
#   2. creates leases with portlease-perf for LOAD_SECONDS (closed-loop DORAs, window 64),
#      then stops the load: the target is a's portlease_log_records_total;
#   3. starts the standby b with an empty lease log and polls its metrics every 50 ms until
#      portlease_replication_records_applied_total reaches the target (or stops growing for
#      STALL_SECONDS). Catch-up time runs from the moment b reports the link up
#      (portlease_redundancy_partner_connected) to the last record applied; the time from
#      b's start is shown too (it includes b's start-up and up to one heartbeat interval
#      before a's next connection attempt).
#   4. compares the port sets in use on both (portlease_port_sets{state="used"}): the
#      standby's engine holds what it applied.
set -euo pipefail
NAME=portlease-catch-up
ROUNDS=${1:-3}
LOAD_SECONDS=${LOAD_SECONDS:-5}
WINDOW=${WINDOW:-64}
SUBSCRIBERS=${SUBSCRIBERS:-50000}
MODE=${MODE:-synchronous}
STANDBY_DELAY=${STANDBY_DELAY:-0}
STALL_SECONDS=${STALL_SECONDS:-5}
source "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# used NAME: port sets in use on server NAME (every pool and PSID length).
used() {
    metrics "$1" | awk '$1 ~ /^portlease_port_sets\{/ && $1 ~ /state="used"/ { s += $NF } END { printf "%d\n", s }'
}

net_up
make_certs
write_config a "$MODE"
write_config b "$MODE"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores; $ROUNDS round(s); load: $LOAD_SECONDS s of closed-loop DORAs (window $WINDOW, $SUBSCRIBERS subscribers) against the active alone;"
echo "then the standby starts fresh after ${STANDBY_DELAY} s; mode $MODE, compaction-interval ${COMPACTION_INTERVAL:-default}, standby-log-hold ${STANDBY_LOG_HOLD:-default}"
echo "generator: ip netns exec $NS_C portlease-perf run --server $(addr a) --port $PORT --scenario dora --subscribers $SUBSCRIBERS --window $WINDOW --duration $LOAD_SECONDS"
echo

ROWS="$WORK/rows.txt"
: > "$ROWS"
for round in $(seq "$ROUNDS"); do
    stop_server a; stop_server b
    fresh a; fresh b
    start_server a
    # Without its standby, a starting active only renews until takeover-after has passed.
    group_state a active $((TAKEOVER_AFTER + 10))
    log "round $round: load for $LOAD_SECONDS s against the active alone"
    ip netns exec "$NS_C" "$PERF" run --server "$(addr a)" --port "$PORT" --scenario dora \
        --subscribers "$SUBSCRIBERS" --window "$WINDOW" --duration "$LOAD_SECONDS" --quiet --json > "$WORK/perf.json"
    target=$(metric a portlease_log_records_total)
    if [ "$STANDBY_DELAY" != 0 ]; then log "waiting $STANDBY_DELAY s before starting the standby"; sleep "$STANDBY_DELAY"; fi
    used_a=$(used a)
    log "round $round: active holds $target records, $used_a port sets in use; starting the standby"

    t_start=$(now_ms)
    start_server b
    t_conn="" t_done="" applied=0 last=-1 t_last_change=$(now_ms)
    while :; do
        applied=$(metric b portlease_replication_records_applied_total)
        now=$(now_ms)
        if [ -z "$t_conn" ] && { [ "$(metric b portlease_redundancy_partner_connected)" -ge 1 ] || [ "$applied" -gt 0 ]; }; then
            t_conn=$now
        fi
        if [ "$applied" -ge "$target" ]; then t_done=$now; break; fi
        if [ -n "$t_conn" ] && since_start a | grep -q "standby caught up"; then t_done=$now; break; fi
        if [ "$applied" != "$last" ]; then last=$applied; t_last_change=$now; fi
        # Not connected yet counts against the stall limit too, with a heartbeat's margin.
        if [ $((now - t_last_change)) -ge $(((STALL_SECONDS + HEARTBEAT_INTERVAL) * 1000)) ]; then break; fi
        sleep 0.05
    done
    sleep 0.5   # a's "standby caught up" follows b's acknowledgement
    sent=$(metric a portlease_replication_records_sent_total)
    waiting=$(metric b portlease_replication_waiting_records)
    used_b=$(used b)
    a_says=$(since_start a | grep -c "standby caught up" || true)
    link_ms=- catch_ms=- total_ms=-
    if [ -n "$t_conn" ]; then link_ms=$((t_conn - t_start)); fi
    if [ -n "$t_done" ]; then
        catch_ms=$((t_done - t_conn)) total_ms=$((t_done - t_start))
    else
        log "round $round: the standby stopped at $applied of $target records"
    fi
    echo "$round $target $applied $sent $waiting $link_ms $catch_ms $total_ms $used_a $used_b $a_says" >> "$ROWS"
    log "round $round: $(tail -1 "$ROWS")"
done
stop_server a; stop_server b

python3 - "$ROWS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'round':>5} {'records':>8} {'applied':>8} {'sent':>8} {'waiting':>7} {'to link ms':>10} {'catch-up ms':>11} {'records/s':>10} {'from start ms':>13} {'used a':>7} {'used b':>7} {'a logged':>8}")
for r in rows:
    rnd, target, applied, sent, waiting, link, catch, total, ua, ub, says = (r + ["-"] * 11)[:11]
    rate = f"{int(target) / (int(catch) / 1000):.0f}" if catch != "-" and int(catch) > 0 else "-"
    print(f"{rnd:>5} {target:>8} {applied:>8} {sent:>8} {waiting:>7} {link:>10} {catch:>11} {rate:>10} {total:>13} {ua:>7} {ub:>7} {says:>8}")
print()
print("records: the active's portlease_log_records_total after the load; applied: the standby's")
print("portlease_replication_records_applied_total at the end; sent: the active's records_sent_total;")
print("waiting: the standby's replication_waiting_records; to link: b's start to its link being up;")
print("catch-up: link up to the last record applied (50 ms polls); records/s: records over catch-up;")
print("used a/b: port sets in use on each (the active's own offers in flight at the end of the load count on a only);")
print("a logged: 'standby caught up' lines in the active's log.")
PY

report_problems ""
echo
echo "configuration:"
show_config a
show_config b
