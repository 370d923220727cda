#!/usr/bin/env bash
# What does hot-standby replication cost the active? (issue 16: synchronous mode should keep
# at least 70% of the standalone DORA rate.)
#
# Usage: Benchmarks/redundancy/replication-load.sh [ROUNDS]      (default 3; needs root)
#   DURATION=10 WINDOW=64 SUBSCRIBERS=50000 POOL=100.64.0.0/16 WORKERS=2 DURABILITY=fsync
#   NO_BUILD=1 (use .build/release as it is)  BIN=/path/to/release  KEEP=1 (keep logs)
#   MODES="standalone synchronous asynchronous" (the runs of each round, in this order)
#   IDLE_SECONDS=2 (before each run, the servers' CPU with no traffic; 0: skip)
#   THREADS=1 (print the active's CPU per thread name for each run)
#   RENICE_NIO=N (renice both servers' event-loop threads to N after the start: an
#             experiment; -10 and 0 changed nothing, RESULTS.md "third pass")
#   PROFILE=1 (perf record -g of both servers for half of each run, kept in the work
#             directory: use with KEEP=1; `perf report -i FILE --comm portlease --no-children`)
#
# Each round measures, one after the other, closed-loop DORAs from portlease-perf (window 64,
# shared /16 pool, fsync, 2 workers) against:
#   standalone    server a alone, no "redundancy" section;
#   synchronous   a as the active of group g1 with b as its standby, "mode": "synchronous"
#                 (an ACK leaves only once the standby has its record durably);
#   asynchronous  the same with "mode": "asynchronous".
# The servers run in network namespaces joined by a bridge (lib.sh, as the process tests'
# PartnerNetwork), the generator in the clients' namespace sending to a's address only: the
# standby stays silent for the group, so sending to it too would only cost it CPU.
# Every run starts from empty lease logs, so the three see the same pool state.
#
# After each paired run the script waits (200 polls, about 15 s at most) for the standby's
# portlease_replication_records_applied_total to reach the active's records_sent_total, and
# reports both: a standby that stays behind shows there. It also reports the active's
# replication link failures: a synchronous active whose standby stalls for two heartbeat
# intervals stops waiting for it, and would then measure as standalone.
#
# Note: both servers and the generator share this machine's cores; in the paired runs the
# standby's own work (TLS, applying, fsync of its log) competes with the active for CPU.
set -euo pipefail
NAME=portlease-replication-load
ROUNDS=${1:-3}
DURATION=${DURATION:-10}
WINDOW=${WINDOW:-64}
SUBSCRIBERS=${SUBSCRIBERS:-50000}
# Which runs each round makes (the ratios need standalone).
MODES=${MODES:-standalone synchronous asynchronous}
IDLE_SECONDS=${IDLE_SECONDS:-2}   # CPU with no traffic, measured before each run (0: skip)
source "$(dirname "$0")/lib.sh"

ROWS="$WORK/rows.jsonl"
: > "$ROWS"

ticks() { # CPU clock ticks (user + system, all threads) of process $1, 0 if it is gone
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

thread_ticks() { # "name ticks" per thread of process $1, summed over threads of one name
    for stat in /proc/"$1"/task/*/stat; do
        sed -E 's/^[0-9]+ \((.*)\) . (.*)$/\1|\2/' "$stat" 2>/dev/null
    done | awk -F'|' '{ split($2, f, " "); t[$1] += f[12] + f[13] } END { for (n in t) print n, t[n] }' | sort
}

thread_report() { # LABEL BEFORE AFTER: the per-thread-name CPU of a run, in ticks, largest first
    echo "  $1 CPU by thread (ticks of 1/$(getconf CLK_TCK) s):" >&2
    join -a2 -e0 -o 0,1.2,2.2 <(sort "$2") <(sort "$3") | awk '{ d = $3 - $2; if (d > 0) print d, $1 }' \
        | sort -rn | head -12 | sed 's/^/    /' >&2
}

# measure ROUND MODE: one run; appends one JSON row to $ROWS.
measure() {
    local round=$1 mode=$2 pa pb=0 a0 a1 b0=0 b1=0
    fresh a; fresh b
    write_config a "$mode"
    if [ "$mode" != standalone ]; then
        write_config b "$mode"
        start_server b
    fi
    start_server a
    if [ "$mode" != standalone ]; then
        # Measured once the active serves the group with its standby following (replies wait
        # for the standby only once it has caught up with the, empty, log).
        wait_log b "following the active" 10
        group_state a active 10
    fi
    pa=${SERVER_PID[a]}
    if [ "$mode" != standalone ]; then pb=${SERVER_PID[b]}; fi
    if [ -n "${RENICE_NIO:-}" ]; then
        for t in /proc/$pa/task/* $([ "$pb" != 0 ] && echo /proc/$pb/task/*); do
            grep -q NIO-ELT "$t/comm" 2>/dev/null && renice -n "$RENICE_NIO" -p "$(basename "$t")" > /dev/null || true
        done
    fi
    # Idle first: what the pair costs with no traffic at all (replication's polling).
    local idle_a=0 idle_b=0
    if [ "$IDLE_SECONDS" != 0 ]; then
        a0=$(ticks "$pa"); b0=0; if [ "$pb" != 0 ]; then b0=$(ticks "$pb"); fi
        sleep "$IDLE_SECONDS"
        idle_a=$(($(ticks "$pa") - a0)); if [ "$pb" != 0 ]; then idle_b=$(($(ticks "$pb") - b0)); fi
    fi
    if [ "$pb" != 0 ]; then b0=$(ticks "$pb"); fi
    a0=$(ticks "$pa")
    [ -n "${THREADS:-}" ] && thread_ticks "$pa" > "$WORK/threads-before"
    log "round $round, $mode: portlease-perf for $DURATION s"
    local profiler=""
    if [ -n "${PROFILE:-}" ]; then
        # 2 s in, for half the run: the active's (and in a paired run the standby's) samples.
        (sleep 2; exec perf record -q -F 499 -g -p "$pa$([ "$pb" != 0 ] && echo ",$pb")" \
            -o "$WORK/$mode-$round.perf" -- sleep $((DURATION / 2))) > /dev/null 2>&1 &
        profiler=$!
    fi
    ip netns exec "$NS_C" "$PERF" run --server "$(addr a)" --port "$PORT" --scenario dora \
        --subscribers "$SUBSCRIBERS" --window "$WINDOW" --duration "$DURATION" --quiet --json > "$WORK/perf.json"
    if [ -n "$profiler" ]; then wait "$profiler" || true; log "profile: $WORK/$mode-$round.perf"; fi
    if [ -n "${THREADS:-}" ]; then
        thread_ticks "$pa" > "$WORK/threads-after"
        thread_report "a ($mode)" "$WORK/threads-before" "$WORK/threads-after"
    fi
    a1=$(ticks "$pa")
    if [ "$pb" != 0 ]; then b1=$(ticks "$pb"); fi
    if [ "$b1" -lt "$b0" ]; then b1=$b0; fi   # b died during the run: its ticks are gone

    # A server that died during the run is reported (with its log kept), not measured.
    local crashed="" crashes_before=$CRASHES
    alive a || crashed+="a "
    if [ "$mode" != standalone ]; then alive b || crashed+="b "; fi

    local sent=0 applied=0 failures=0 lag_ms=0 t0
    if [ "$mode" != standalone ] && [ -z "$crashed" ]; then
        # Let the standby finish what was sent; in synchronous mode it already has it all.
        t0=$(date +%s%N)
        for _ in $(seq 200); do
            alive b || { crashed+="b "; break; }
            sent=$(metric a portlease_replication_records_sent_total)
            applied=$(metric b portlease_replication_records_applied_total)
            [ "$applied" -ge "$sent" ] && break
            sleep 0.05
        done
        lag_ms=$((($(date +%s%N) - t0) / 1000000))
        failures=$(metric a portlease_replication_link_failures_total)
    fi
    local records commit_a commit_b=0
    records=$(metric a portlease_log_records_total)
    commit_a=$(commit_us a)
    if [ "$mode" != standalone ] && [ -z "$crashed" ]; then commit_b=$(commit_us b); fi
    stop_server a
    stop_server b   # (nothing to do when it was not started)
    if [ -n "${MALLOC_COUNT:-}" ]; then
        log "round $round, $mode: shard workers' mallocs: a $(cat "$WORK/a/mallocs" 2>/dev/null || echo ?)," \
            "b $(cat "$WORK/b/mallocs" 2>/dev/null || echo -)"
        rm -f "$WORK/a/mallocs" "$WORK/b/mallocs"
    fi
    if [ "$CRASHES" -gt "$crashes_before" ] && [ -z "$crashed" ]; then crashed="at-stop"; fi
    python3 - "$WORK/perf.json" "$round" "$mode" "$records" "$sent" "$applied" "$lag_ms" "$failures" \
        "$((a1 - a0))" "$((b1 - b0))" "$(getconf CLK_TCK)" "$crashed" "$idle_a" "$idle_b" "$IDLE_SECONDS" \
        "$commit_a" "$commit_b" >> "$ROWS" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
round_, mode, records, sent, applied, lag_ms, failures, ta, tb, hz, crashed, idle_a, idle_b, idle_s, ca, cb = sys.argv[2:]
idle = lambda ticks: int(ticks) / int(hz) / float(idle_s) if float(idle_s) else 0.0
print(json.dumps({
    "round": int(round_), "mode": mode, "dora_s": report["exchanges_per_second"],
    "p99_us": report["latency_exchange_us"]["p99"], "p50_us": report["latency_exchange_us"]["p50"],
    "errors": report["error_total"], "retransmissions": report["retransmissions"],
    "completed": report["completed"], "active_records": int(records), "sent": int(sent),
    "applied": int(applied), "lag_ms": int(lag_ms), "link_failures": int(failures),
    "cpu_a_us_per_dora": int(ta) * 1e6 / int(hz) / max(report["completed"], 1),
    "cpu_b_us_per_dora": int(tb) * 1e6 / int(hz) / max(report["completed"], 1),
    "crashed": crashed, "idle_cpu_a": idle(idle_a), "idle_cpu_b": idle(idle_b),
    "commit_a_us": int(ca), "commit_b_us": int(cb),
}))
PY
    tail -1 "$ROWS" >&2
}

net_up
make_certs
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); kernel $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS round(s) of $DURATION s per run; window $WINDOW, $SUBSCRIBERS subscribers, pool $POOL (PSID length $PSID_LENGTH), $WORKERS workers, durability $DURABILITY"
echo "generator: ip netns exec $NS_C portlease-perf run --server $(addr a) --port $PORT --scenario dora --subscribers $SUBSCRIBERS --window $WINDOW --duration $DURATION"

for round in $(seq "$ROUNDS"); do
    for mode in $MODES; do
        measure "$round" "$mode"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

python3 - "$ROWS" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'round':>5} {'mode':13} {'DORA/s':>8} {'p50 us':>8} {'p99 us':>8} {'vs alone':>8} {'errors':>6}"
      f" {'a us/DORA':>9} {'b us/DORA':>9} {'a idle':>6} {'b idle':>6} {'a records':>9} {'sent':>8} {'applied':>8} {'lag ms':>6} {'linkfail':>8}"
      f" {'a commit':>8} {'b commit':>8}")
ratios = {"synchronous": [], "asynchronous": []}
for r in rows:
    alone = next((x for x in rows if x["round"] == r["round"] and x["mode"] == "standalone"), None)
    ratio = r["dora_s"] / alone["dora_s"] if alone and alone["dora_s"] else float("nan")
    if r["mode"] in ratios and alone and not r["crashed"] and not alone["crashed"]: ratios[r["mode"]].append(ratio)
    paired = r["mode"] != "standalone"
    print(f"{r['round']:5d} {r['mode']:13} {r['dora_s']:8.0f} {r['p50_us']:8.0f} {r['p99_us']:8.0f}"
          f" {ratio:8.1%} {r['errors']:6d} {r['cpu_a_us_per_dora']:9.1f}"
          f" {(format(r['cpu_b_us_per_dora'], '9.1f') if paired else '-'):>9}"
          f" {r['idle_cpu_a']:6.0%} {(format(r['idle_cpu_b'], '6.0%') if paired else '-'):>6}"
          f" {r['active_records']:9d} {(r['sent'] if paired else '-'):>8} {(r['applied'] if paired else '-'):>8}"
          f" {(r['lag_ms'] if paired else '-'):>6} {(r['link_failures'] if paired else '-'):>8}"
          f" {r.get('commit_a_us', 0):8d} {(r.get('commit_b_us', 0) if paired else '-'):>8}"
          + (f"  CRASHED: {r['crashed'].strip()} (not in the ratios)" if r["crashed"] else ""))
print()
for mode, values in ratios.items():
    if values:
        print(f"{mode}/standalone: median {statistics.median(values):.1%} (min {min(values):.1%}, max {max(values):.1%})"
              + (f"; goal >= 70%: {'met' if statistics.median(values) >= 0.70 else 'NOT met'}" if mode == "synchronous" else ""))
print()
print("DORA/s, p50/p99 (whole DORA, microseconds): portlease-perf, closed loop; vs alone: rate over the same round's standalone run.")
print("a/b us/DORA: CPU (utime+stime from /proc) of the active / standby during the run, per completed DORA.")
print("a/b idle: CPU of the active / standby (share of one core) during IDLE_SECONDS with no traffic, before the run.")
print("a records: portlease_log_records_total of the active; sent: its portlease_replication_records_sent_total;")
print("applied: the standby's portlease_replication_records_applied_total once it reached sent (or after ~15 s of polls);")
print("lag ms: time after the run until applied reached sent; linkfail: the active's replication_link_failures_total.")
print("a/b commit: average group commit (write + fdatasync, from the first record's write) of the active / standby, us.")
PY

if [ "$CRASHES" != 0 ]; then
    echo
    echo "$CRASHES server(s) ended on their own during the runs; their logs: $WORK/crash-*.log (the work directory is kept)"
fi
report_problems ""
echo
echo "configuration (synchronous run; asynchronous differs only in \"mode\", standalone has no \"redundancy\"):"
write_config a synchronous; write_config b synchronous
show_config a
show_config b
