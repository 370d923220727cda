#!/usr/bin/env bash
# History shipping and trace latency against PostgreSQL (issue 15), end to end:
#   1. builds HistoryGenerator and HistoryBench (release, Benchmarks/.build-hist-rel);
#   2. generates INSTANCES shard logs of SUBSCRIBERS subscribers over DAYS days with LEASE-second
#      leases (HistoryGenerator, seeds 1..INSTANCES, one common --end; every instance uses the
#      generator's one address plan, so the instances share addresses and only the instance name
#      and the client identifiers tell them apart), in $DATA/shards/bench-N/shard-0;
#   3. makes and starts its own PostgreSQL cluster in $DATA/pg (initdb as user postgres when run as
#      root, trust authentication for the role portlease, 127.0.0.1:$PORT, default settings, nice 10);
#   4. ships bench-0 alone into the empty database through the real HistoryShipper (backfill:
#      snapshot + history, then the live segments' records), then bench-1.. concurrently (one
#      HistoryBench process each, as each server ships its own shards), stopped after SHIP_SECONDS;
#      prints holdings/s per instance and together;
#   5. if the time limit stopped any: checks that HistoryBench load (the same HoldingFeed, plain
#      INSERTs) writes exactly what the shipper wrote (bench-0 loaded again as bench-0-check,
#      EXCEPT ALL both ways, then deleted), and loads the stopped instances that way;
#   6. VACUUM ANALYZE (what autovacuum would have done by the time anyone traces), table and index
#      sizes over the partitions;
#   7. HistoryBench trace: QUERIES address+port+time queries, client and subscriber /64 queries, and
#      EXPLAIN (ANALYZE, BUFFERS) of one query of each kind; then, with psql, the planning time of
#      the trace's example question with the window bounds HistoryQuery wrote before (STABLE) and
#      writes now (IMMUTABLE), and of the same address half a day into the window;
#   8. stops the cluster (also on failure; KEEP_DB=1 leaves it running).
# Everything goes to $DATA/logs (and to the terminal); results: Benchmarks/history-results.md.
#
# Usage, from the repository root (about 35 minutes for the defaults on 2 shared cores: 11 min
# generation, 12 min bench-0, 7 min bench-1..3, 3 min check and loads, 2 min trace; the first
# build of HistoryBench in release takes about 12 minutes more):
#   Benchmarks/history-trace.sh
#   SUBSCRIBERS=25000 DAYS=30 Benchmarks/history-trace.sh      # a small check (a few minutes)
#   REUSE_SHARDS=1 Benchmarks/history-trace.sh                  # keep the generated logs, new database
#   SHIP_SECONDS=0 Benchmarks/history-trace.sh                  # ship every instance in full (over an hour)
# Settings (environment): DATA (default /work/histbench-data), INSTANCES (4), SUBSCRIBERS (250000
# per instance), DAYS (180), LEASE (86400), QUERIES (1000), CLIENT_QUERIES (200), PREFIX_QUERIES
# (200), BATCH (1000, the shipper's batchSize), SHIP_SECONDS (400; 0: no limit), PORT (25432),
# REUSE_SHARDS (0), KEEP_DB (0).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-/work/histbench-data}
INSTANCES=${INSTANCES:-4}
SUBSCRIBERS=${SUBSCRIBERS:-250000}
DAYS=${DAYS:-180}
LEASE=${LEASE:-86400}
QUERIES=${QUERIES:-1000}
CLIENT_QUERIES=${CLIENT_QUERIES:-200}
PREFIX_QUERIES=${PREFIX_QUERIES:-200}
BATCH=${BATCH:-1000}
PORT=${PORT:-25432}
REUSE_SHARDS=${REUSE_SHARDS:-0}
SHIP_SECONDS=${SHIP_SECONDS:-400}
KEEP_DB=${KEEP_DB:-0}

logs=$DATA/logs
pgdir=$DATA/pg
url="postgresql://portlease@127.0.0.1:$PORT/history?sslmode=disable"
mkdir -p "$logs"

say() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$logs/run.log"; }

# PostgreSQL: the newest installed major version; its tools run as postgres when we are root.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
sql() { psql -h 127.0.0.1 -p "$PORT" -U portlease -d history -X -v ON_ERROR_STOP=1 "$@"; }

cd "$root/Benchmarks"
say "build (release)"
nice -n 10 swift build -c release --scratch-path .build-hist-rel --product HistoryGenerator >"$logs/build.log" 2>&1
nice -n 10 swift build -c release --scratch-path .build-hist-rel --product HistoryBench >>"$logs/build.log" 2>&1
bin=$root/Benchmarks/.build-hist-rel/release

if [ "$REUSE_SHARDS" != 1 ] || [ ! -d "$DATA/shards/bench-0/shard-0" ]; then
    end=$(date +%s)
    rm -rf "$DATA/shards"
    for i in $(seq 0 $((INSTANCES - 1))); do
        say "generate bench-$i: $SUBSCRIBERS subscribers, $DAYS days, ${LEASE} s leases, seed $((i + 1)), end $end"
        /usr/bin/time -f "%e s wall, %M KiB max RSS" nice -n 10 "$bin/HistoryGenerator" \
            --dir "$DATA/shards/bench-$i/shard-0" --subscribers "$SUBSCRIBERS" --days "$DAYS" --lease "$LEASE" \
            --compaction-minutes 5 --bulk-compaction-minutes 2880 --seed $((i + 1)) --end "$end" \
            >"$logs/gen-$i.log" 2>&1
        grep -E "^(wrote|compaction|on disk)" "$logs/gen-$i.log" | tee -a "$logs/run.log"
        tail -1 "$logs/gen-$i.log" | tee -a "$logs/run.log"
    done
fi

say "PostgreSQL cluster in $pgdir, port $PORT ($pgbin)"
if [ -f "$pgdir/data/postmaster.pid" ]; then as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop || true; fi
rm -rf "$pgdir"
mkdir -p "$pgdir"
if [ "$(id -u)" = 0 ]; then chown postgres: "$pgdir"; fi
as_postgres "$pgbin/initdb" -D "$pgdir/data" -U portlease --auth=trust -E UTF8 >"$logs/initdb.log" 2>&1
stop_db() {
    if [ "$KEEP_DB" = 1 ]; then
        echo "cluster left running: $url (stop: $pgbin/pg_ctl -D $pgdir/data stop)"
    else
        as_postgres "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null || true
    fi
}
# pg_ctl start through a shell with its descriptors closed (the server keeps what it is given).
as_postgres nice -n 10 "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-p $PORT -k $pgdir -c listen_addresses=127.0.0.1" start </dev/null >/dev/null 2>&1
trap stop_db EXIT
psql -h 127.0.0.1 -p "$PORT" -U portlease -d postgres -X -q -c "CREATE DATABASE history"
# Plans of statements slower than 1 s go to the server log (the shipper's batch statements too).
psql -h 127.0.0.1 -p "$PORT" -U portlease -d postgres -X -q \
    -c "ALTER DATABASE history SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE history SET auto_explain.log_min_duration = '1s'"
sql -A -t -c "SELECT version()" | tee -a "$logs/run.log"
sql -A -t -c "SELECT name || '=' || setting || coalesce(unit, '') FROM pg_settings WHERE name IN
    ('shared_buffers', 'work_mem', 'effective_cache_size', 'fsync', 'synchronous_commit', 'max_wal_size',
     'random_page_cost', 'jit', 'enable_partition_pruning')" | tr '\n' ' ' | tee -a "$logs/run.log"
echo | tee -a "$logs/run.log"

ship() {
    nice -n 10 "$bin/HistoryBench" ship --database "$url" --instance "bench-$1" \
        --dir "$DATA/shards/bench-$1/shard-0" --batch "$BATCH" "${@:2}" >"$logs/ship-$1.log" 2>"$logs/ship-$1.err"
}
result() { grep -h "^RESULT" "$@" | awk '{
        for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
        rows += v["rows"]; if (start == "" || v["start_ms"] < start) start = v["start_ms"]
        if (v["end_ms"] > end) end = v["end_ms"] }
    END { printf "together: %d holdings in %.1f s = %.0f holdings/s\n", rows, (end - start) / 1000,
        rows / ((end - start) / 1000) }'; }
say "ship bench-0 alone (through HistoryShipper, into the empty database)"
ship 0
grep -v "^  " "$logs/ship-0.log" | tee -a "$logs/run.log"
if [ "$INSTANCES" -gt 1 ]; then
    limit=()
    if [ "$SHIP_SECONDS" != 0 ]; then limit=(--max-seconds "$SHIP_SECONDS"); fi
    say "ship bench-1..$((INSTANCES - 1)) concurrently (through HistoryShipper${limit[*]:+, stopped after $SHIP_SECONDS s})"
    pids=()
    for i in $(seq 1 $((INSTANCES - 1))); do
        ship "$i" "${limit[@]}" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    for i in $(seq 1 $((INSTANCES - 1))); do grep -v "^  " "$logs/ship-$i.log" | tee -a "$logs/run.log"; done
    echo "bench-1..$((INSTANCES - 1)) $(result "$logs"/ship-[1-9]*.log)" | tee -a "$logs/run.log"

    # Instances the time limit stopped: their holdings written again with plain INSERTs (HistoryBench
    # load: the same HoldingFeed, no duplicate check), so that the trace runs over every instance.
    # First a check that load writes what the shipper wrote: bench-0 loaded as bench-0-check.
    if grep -q "complete=0" "$logs"/ship-[1-9]*.log; then
        say "check: HistoryBench load of bench-0 as bench-0-check against the shipped bench-0"
        nice -n 10 "$bin/HistoryBench" load --database "$url" --instance bench-0-check \
            --dir "$DATA/shards/bench-0/shard-0" 2>>"$logs/load.err" | tee -a "$logs/run.log"
        columns="client_kind, client_id, address, psid_offset, psid_length, psid, subscriber, relay_link_address,
            interface_id, remote_id, started_at, ended_at, end_reason"
        sql -A -t -c "
            SELECT 'shipped but not loaded: ' || count(*) FROM (
                SELECT $columns FROM portlease_holding WHERE instance = 'bench-0'
                EXCEPT ALL SELECT $columns FROM portlease_holding WHERE instance = 'bench-0-check') x" \
            -c "
            SELECT 'loaded but not shipped: ' || count(*) FROM (
                SELECT $columns FROM portlease_holding WHERE instance = 'bench-0-check'
                EXCEPT ALL SELECT $columns FROM portlease_holding WHERE instance = 'bench-0') x" \
            -c "DELETE FROM portlease_holding WHERE instance = 'bench-0-check'" \
            -c "DELETE FROM portlease_cursor WHERE instance = 'bench-0-check'" | tee -a "$logs/run.log"
        for i in $(seq 1 $((INSTANCES - 1))); do
            if grep -q "complete=0" "$logs/ship-$i.log"; then
                say "load bench-$i (replaces what the shipper wrote before its time limit)"
                nice -n 10 "$bin/HistoryBench" load --database "$url" --instance "bench-$i" \
                    --dir "$DATA/shards/bench-$i/shard-0" 2>>"$logs/load.err" | tee -a "$logs/run.log"
            fi
        done
    fi
fi

say "VACUUM ANALYZE"
started=$(date +%s%N)
sql -q -c "VACUUM ANALYZE portlease_holding"
echo "VACUUM ANALYZE: $(( ($(date +%s%N) - started) / 1000000 )) ms" | tee -a "$logs/run.log"

say "sizes"
sql -c "
    SELECT count(*) AS partitions, sum(c.reltuples)::int8 AS rows_estimate,
        pg_size_pretty(sum(pg_relation_size(c.oid))) AS heap,
        pg_size_pretty(sum(pg_indexes_size(c.oid))) AS indexes,
        pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS total,
        sum(pg_total_relation_size(c.oid)) AS total_bytes, sum(pg_indexes_size(c.oid)) AS index_bytes
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'portlease_holding'::regclass" | tee -a "$logs/run.log"
sql -c "
    SELECT p.relname AS index, pg_size_pretty(sum(pg_relation_size(i.inhrelid))) AS size_over_partitions
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relkind = 'I' AND p.relname LIKE 'portlease_holding_%' GROUP BY 1 ORDER BY 1" | tee -a "$logs/run.log"
sql -c "
    SELECT c.relname AS partition, pg_size_pretty(pg_total_relation_size(c.oid)) AS total, c.reltuples::int8 AS rows
    FROM pg_class c WHERE c.relname IN ('portlease_holding_open',
        (SELECT max(relname) FROM pg_class WHERE relname ~ '^portlease_holding_[0-9]{8}$'))" | tee -a "$logs/run.log"
sql -c "
    SELECT instance, count(*) AS holdings, count(*) FILTER (WHERE ended_at IS NULL) AS open
    FROM portlease_holding GROUP BY 1 ORDER BY 1" | tee -a "$logs/run.log"
sql -A -t -c "SELECT 'database: ' || pg_size_pretty(pg_database_size('history'))" | tee -a "$logs/run.log"

say "trace"
nice -n 10 "$bin/HistoryBench" trace --database "$url" --queries "$QUERIES" --client-queries "$CLIENT_QUERIES" \
    --prefix-queries "$PREFIX_QUERIES" 2>"$logs/trace.err" | tee "$logs/trace.log" | tee -a "$logs/run.log"
# How much of a trace query is planning, with the window's bounds as HistoryQuery wrote them before
# (timestamptz + interval: STABLE, so every partition is planned and the executor prunes them at
# start-up) and as it writes them now (timezone('UTC', timestamp + interval): IMMUTABLE, folded to a
# constant, pruned by the planner): the trace's example question, and the same address and port
# half a day into the window (the most partitions a question can reach). One psql session each
# (warm catalog caches, as a pooled connection has them), 20 runs after one warm-up.
bounds() {
    local form=$1 address=$2 port=$3 at=$4 lo hi q
    if [ "$form" = stable ]; then
        lo="'epoch'::timestamptz + $at::int8 * interval '1 millisecond'"
        hi="'epoch'::timestamptz + $((at + 1))::int8 * interval '1 millisecond'"
    else
        lo="timezone('UTC', 'epoch'::timestamp + $at::int8 * interval '1 millisecond')"
        hi="timezone('UTC', 'epoch'::timestamp + $((at + 1))::int8 * interval '1 millisecond')"
    fi
    q="SELECT instance, host(address), psid, started_at, ended_at FROM portlease_holding
       WHERE started_at < $hi AND (ended_at IS NULL OR ended_at > $lo) AND address = '$address'::inet
         AND portlease_port_in_set($port, psid_offset, psid_length, psid)
       ORDER BY started_at, instance, shard, client_id"
    for _ in $(seq 21); do echo "EXPLAIN (ANALYZE, SUMMARY) $q;"; done | sql -A -t -f - \
        | awk -v form="$form" -v at="$at" '
            /Planning Time/ && !pw++ {next} /Execution Time/ && !ew++ {next}
            /Planning Time/ {p += $3; n++} /Execution Time/ {e += $3} /Subplans Removed/ {r = $3}
            / on portlease_holding_[a-z0-9_]+ portlease_holding/ {s++} /Execution Time/ {last = s; s = 0}
            END {printf "  at_ms %s, %-9s bounds: planning %6.2f ms, execution %5.2f ms (mean of %d); %d partitions scanned, %s removed at executor start\n",
                at, form, p / n, e / n, n, last, (r == "" ? "none" : r)}'
}
read -r address port at start < <(awk '/^EXAMPLE/ { for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
    print v["address"], v["port"], v["at_ms"], v["window_start_ms"] }' "$logs/trace.log")
say "planning with STABLE vs IMMUTABLE window bounds: address $address port $port"
for t in "$at" $((start + 43200000)); do
    for form in stable immutable; do bounds "$form" "$address" "$port" "$t"; done
done | tee -a "$logs/run.log"
say "done; logs in $logs"
