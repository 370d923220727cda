#!/usr/bin/env bash
# How long are clients without an answer when the active dies, and do they keep their port
# sets? (issue 16: hot standby)
#
# Usage: Benchmarks/redundancy/failover.sh [KILLS]        (default 10; needs root)
#   CLIENTS=20 TAKEOVER_AFTER=2 HEARTBEAT_INTERVAL=1 MODE=synchronous PROBE_MS=100 GIVE_UP=30
#   STANDBY_POOL=100.65.0.0/24 (the group's "standby-pools" reserve; STANDBY_POOL= for none)
#   CHECK_REJOIN=1 (after each takeover, restart the old active and check it stays silent)
#   NO_BUILD=1 (use .build/release as it is)  BIN=/path/to/release  KEEP=1 (keep logs)
#
# Each round:
#   1. starts the standby b, then the active a, from EMPTY lease logs (lib.sh's namespaces);
#   2. gives CLIENTS clients a lease with `portlease client --also-server` (every query to both
#      servers, as a relay with two server addresses sends it) and notes each (address, PSID);
#      the standby's control API must then hold the same tuple for each (synchronous mode);
#   3. SIGKILLs a and, from that moment, runs a probe every PROBE_MS: a re-DORA of one of the
#      clients (in turn) to both servers with a PROBE_MS answer timeout. The failover time is
#      from the kill to the first ACK, whose tuple must be the client's own;
#   4. then every client asks again (count of exact tuples kept), and one new client asks too
#      (it must get a port set no one holds; from the standby's reserve, STANDBY_POOL, since
#      a standby that took over only renews the group's own pool);
#   5. CHECK_REJOIN: a is restarted on its own lease log; b refuses it (it took g1 over and
#      wrote <lease-log>/replication/g1.taken-over), so a must log "pool group not served"
#      and a probe must still be answered by b with the same tuple;
#   6. resets the pair: SIGTERM to both, both lease-log directories removed, next round starts
#      fresh. (A restarted active stays silent after a takeover, and failback is an operator's
#      step, so a fresh pair is the only way to repeat the same experiment.)
#
# Expected: takeover comes takeover-after seconds after the last frame b heard from a; a
# heartbeat (or records) at least every heartbeat-interval, and the standby checks every
# min(250 ms, takeover-after/4), so between takeover-after - heartbeat-interval and
# takeover-after + 0.25 s after the kill, plus up to one probe interval.
set -euo pipefail
NAME=portlease-failover
KILLS=${1:-10}
CLIENTS=${CLIENTS:-20}
MODE=${MODE:-synchronous}
PROBE_MS=${PROBE_MS:-100}
GIVE_UP=${GIVE_UP:-30}
CHECK_REJOIN=${CHECK_REJOIN:-1}
TAKEOVER_AFTER=${TAKEOVER_AFTER:-2}
HEARTBEAT_INTERVAL=${HEARTBEAT_INTERVAL:-1}
# The standby's reserve ("standby-pools"): after a takeover the standby only renews the
# group's own pool and gives new clients port sets from this one.
STANDBY_POOL=${STANDBY_POOL-100.65.0.0/24}
source "$(dirname "$0")/lib.sh"

now_ns() { date +%s%N; }

# dora ID TIMEOUT-MS: a DORA of client ID to both servers; prints "ADDRESS psid N", or nothing.
# The client's identity (option 61) and relay peer-address are derived from ID alone, so the
# same ID is the same client to the servers each time.
dora() {
    ip netns exec "$NS_C" "$PORTLEASE" client --server "$(addr a)" --also-server "$(addr b)" --port "$PORT" \
        --id "$1" --relay-peer "2001:db8:9::$1" --timeout "$2" 2>/dev/null \
        | sed -nE 's/^lease: (\S+) port set .* psid ([0-9]+) for.*/\1 psid \2/p' || true
}
# client_key ID: the control API's key for client ID (`portlease client`'s option 61:
# ff 00000001 0004 "portlease-cl" and ID as four bytes; ReservationProcessTests.clientKey).
client_key() {
    printf 'id:ff:00:00:00:01:00:04'
    printf ':%02x' $(printf 'portlease-cl' | od -An -tu1) $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}
# standby_lease ID: "ADDRESS psid N" of client ID as server b's engine holds it, or nothing.
standby_lease() {
    curl -sf --max-time 2 --unix-socket "$WORK/b/log/control/api.sock" \
        "http://localhost/v1/leases?client=$(client_key "$1")" 2>/dev/null \
        | python3 -c 'import json,sys
l = json.load(sys.stdin).get("leases") or []
print("%s psid %s" % (l[0]["address"], l[0]["psid"]) if l else "")' 2>/dev/null || true
}

net_up
make_certs
write_config a "$MODE"
write_config b "$MODE"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores; $KILLS kill(s), $CLIENTS clients, mode $MODE,"
echo "takeover-after $TAKEOVER_AFTER s, heartbeat-interval $HEARTBEAT_INTERVAL s, probe every $PROBE_MS ms (re-DORA to both servers, $PROBE_MS ms answer timeout)"
echo "between rounds: SIGTERM to both servers, both lease-log directories removed, both started fresh"
echo

ROWS="$WORK/rows.txt"
: > "$ROWS"
for round in $(seq "$KILLS"); do
    # --- 6 (of the previous round) and 1: a fresh pair --------------------------------------------
    fresh_pair

    # --- 2: the clients' leases ------------------------------------------------------------------
    declare -A TUPLE=()
    on_standby=0
    for id in $(seq "$CLIENTS"); do
        tuple=""
        for _ in 1 2 3 4 5; do tuple=$(dora "$id" 500); if [ -n "$tuple" ]; then break; fi; done
        [ -n "$tuple" ] || { log "round $round: client $id got no lease from the pair"; exit 1; }
        TUPLE[$id]=$tuple
        if [ "$(standby_lease "$id")" = "$tuple" ]; then on_standby=$((on_standby + 1)); fi
    done
    distinct=$(printf '%s\n' "${TUPLE[@]}" | sort -u | wc -l)
    # Anywhere between two heartbeats: the failover time depends on when the last one left.
    sleep "0.$((RANDOM % 10))"

    # --- 3: kill the active, probe until an ACK ---------------------------------------------------
    t0=$(now_ns)
    kill -9 "${SERVER_PID[a]}"
    probe=0 got="" probe_id=0 failover_ms=""
    while :; do
        probe_id=$((probe % CLIENTS + 1))
        got=$(dora "$probe_id" "$PROBE_MS")
        if [ -n "$got" ]; then failover_ms=$((($(now_ns) - t0) / 1000000)); break; fi
        probe=$((probe + 1))
        if [ $(($(now_ns) - t0)) -ge $((GIVE_UP * 1000000000)) ]; then break; fi
        # The next probe on the PROBE_MS grid from the kill (at once if this one ran over).
        next=$((t0 + probe * PROBE_MS * 1000000)) wait_ns=$((next - $(now_ns)))
        if [ "$wait_ns" -gt 0 ]; then sleep "$(printf '0.%09d' "$wait_ns")"; fi
    done
    wait "${SERVER_PID[a]}" 2>/dev/null || true
    unset "SERVER_PID[a]"
    if [ -z "$failover_ms" ]; then
        log "round $round: no ACK within $GIVE_UP s of the kill"
        echo "$round - 0 $CLIENTS $on_standby $distinct - - - -" >> "$ROWS"
        continue
    fi
    probe_ok=yes
    if [ "$got" != "${TUPLE[$probe_id]}" ]; then
        probe_ok=NO
        log "round $round: probe client $probe_id got $got, had ${TUPLE[$probe_id]}"
    fi
    silent=$(sed -nE 's/.*silent-ms=([0-9]+).*pool group taken over.*/\1/p' "$WORK/b/serve.log" | tail -1)

    # --- 4: every client again, and a new one ------------------------------------------------------
    kept=0
    for id in $(seq "$CLIENTS"); do
        again=""
        for _ in 1 2 3; do again=$(dora "$id" 500); if [ -n "$again" ]; then break; fi; done
        if [ "$again" = "${TUPLE[$id]}" ]; then kept=$((kept + 1)); else log "round $round: client $id: ${TUPLE[$id]} -> ${again:-no answer}"; fi
    done
    new_id=$((1000 + round))
    new=$(dora "$new_id" 500)
    new_ok=no
    if [ -n "$new" ] && ! printf '%s\n' "${TUPLE[@]}" | grep -qxF "$new"; then new_ok=yes; fi

    # --- 5: the old active comes back and must stay silent -----------------------------------------
    rejoin=-
    if [ "$CHECK_REJOIN" = 1 ]; then
        start_server a
        if ! wait_log a "pool group not served: the standby took it over" 10; then rejoin=NOT-REFUSED
        elif [ "$(dora 1 500)" != "${TUPLE[1]}" ]; then rejoin=TUPLE-CHANGED
        else rejoin=silent; fi
    fi
    echo "$round $failover_ms $kept $CLIENTS $on_standby $distinct $probe_ok ${silent:-?} $new_ok $rejoin" >> "$ROWS"
    log "round $round: failover ${failover_ms} ms (b silent-ms ${silent:-?}), kept $kept/$CLIENTS, probe tuple $probe_ok, new client $new_ok (${new:-no lease}), old active $rejoin"
done
stop_server a; stop_server b

python3 - "$ROWS" <<'PY'
import sys, statistics
rows = [l.split(None, 9) for l in open(sys.argv[1]) if l.strip()]
print(f"{'round':>5} {'failover ms':>11} {'b silent ms':>11} {'kept':>7} {'on b before':>11} {'distinct':>8} {'probe tuple':>11} {'new client':>10} {'old active':>10}")
times = []
for r in rows:
    (rnd, ms, kept, n, onb, distinct, probe, silent, new, rejoin) = r
    if ms != "-": times.append(int(ms))
    print(f"{rnd:>5} {ms:>11} {silent:>11} {kept + '/' + n:>7} {onb + '/' + n:>11} {distinct:>8} {probe:>11} {new:>10} {rejoin.strip():>10}")
print()
if times:
    print(f"failover time over {len(times)} kill(s): min {min(times)} ms, median {statistics.median(times):.0f} ms, max {max(times)} ms")
kept = sum(int(r[2]) for r in rows); total = sum(int(r[3]) for r in rows)
print(f"clients that kept their exact (address, PSID): {kept}/{total}")
print()
print("failover ms: SIGKILL of the active to the first ACK of a probe (re-DORA to both servers every probe interval);")
print("b silent ms: the silence the standby logged when it took the group over;")
print("kept: clients whose re-DORA after the takeover got their exact (address, PSID);")
print("on b before: clients the standby's control API showed with the same tuple before the kill;")
print("distinct: distinct tuples among the clients; probe tuple: the probe's ACK had its client's tuple;")
print("new client: a new client got a port set none of the others holds; old active: restarted on its")
print("lease log after the takeover, it logged 'pool group not served' and the clients still got their tuple.")
PY

report_problems "; the kill and the takeover are expected"
echo
echo "configuration:"
show_config a
show_config b
