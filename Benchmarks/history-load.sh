#!/usr/bin/env bash
# Packet throughput with history shipping on, against the same server with it off (issue 15:
# the goal is at least 95%), and how fast the shipper drains what a saturating load wrote.
#
# Usage: ROUNDS=3 DURATION=10 WINDOW=64 Benchmarks/history-load.sh
# Each round runs `portlease-perf --scenario dora` (closed loop, window 64, 50,000 subscribers)
# against Benchmarks/portlease/shared.json with fsync, once without and once with a "history"
# section shipping to a PostgreSQL cluster this script starts (initdb in a scratch directory,
# fsync on, on 127.0.0.1, at nice 19), off and on alternating, so each ratio comes from one round. After an
# "on" run it waits until the shipping lag is 0 and reports holdings shipped per second.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WINDOW=${WINDOW:-64}
SUBSCRIBERS=${SUBSCRIBERS:-50000}
SCRATCH=${SCRATCH:-$ROOT/.build}
PORT=20547
METRICS=29547
PGPORT=${PGPORT:-25432}
# PostgreSQL runs on this machine at nice 19 by default: a deployment's database is on another
# host, and on 2 cores a database at normal priority takes its CPU from the server under test.
# PG_NICE=0 measures the shared-machine case.
PG_NICE=${PG_NICE:-19}
WORK=$(mktemp -d /tmp/portlease-history-load.XXXXXX)
chmod 755 "$WORK"
PG=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    runuser -u postgres -- "$PG/pg_ctl" -D "$WORK/pg/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[history-load] $*" >&2; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
log "building (release)"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product portlease >&2 \
    && swift build -c release --scratch-path "$SCRATCH" --product portlease-perf >&2)
BIN="$SCRATCH/release"

log "starting PostgreSQL on 127.0.0.1:$PGPORT"
mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
runuser -u postgres -- "$PG/initdb" -D "$WORK/pg/data" -U portlease --auth=trust -E UTF8 >/dev/null
nice -n "$PG_NICE" runuser -u postgres -- "$PG/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w \
    -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null </dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U portlease -d postgres -qc "CREATE DATABASE portlease"
URL="postgresql://portlease@127.0.0.1:$PGPORT/portlease?sslmode=disable"
"$BIN/portlease" history migrate --database "$URL" >&2

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() { # NAME: the sum of a metric's samples
    curl -s "127.0.0.1:$METRICS/metrics" | awk -v n="$1" 'index($0, n"{") == 1 { s += $NF } END { print s + 0 }'
}
pg_stop() { runuser -u postgres -- "$PG/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null; }
pg_start() {
    nice -n "$PG_NICE" runuser -u postgres -- "$PG/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w \
        -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null </dev/null
}
run() { # ROUND SHIPPING: off, on, or down (shipping on, the database stopped for the run)
    local round=$1 shipping=$2 dir="$WORK/server-$1-$2"
    mkdir -p "$dir"
    python3 - "$ROOT/Benchmarks/portlease/shared.json" "$shipping" "$PGPORT" "$METRICS" "$round" > "$dir/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["metrics"] = {"listen": f"127.0.0.1:{sys.argv[4]}"}
if sys.argv[2] in ("on", "down"):
    config["history"] = {"instance": f"bench-{sys.argv[5]}-{sys.argv[2]}", "database": {
        "host": "127.0.0.1", "port": int(sys.argv[3]), "name": "portlease", "user": "portlease", "tls": "disable"}}
print(json.dumps(config))
PY
    (cd "$dir" && exec "$BIN/portlease" serve --config config.json > serve.log 2>&1) &
    local pid=$!; PIDS+=("$pid")
    for _ in $(seq 100); do ss -Hlun "sport = :$PORT" | grep -q . && break; sleep 0.1; done
    [ "$shipping" = down ] && pg_stop
    local before; before=$(ticks "$pid")
    "$BIN/portlease-perf" --port $PORT --quiet --json --scenario dora --subscribers "$SUBSCRIBERS" \
        --window "$WINDOW" --duration "$DURATION" > "$dir/out.json"
    local after; after=$(ticks "$pid")
    local drain=""
    [ "$shipping" = down ] && pg_start
    if [ "$shipping" != off ]; then
        local start; start=$(date +%s.%N)
        local shipped0; shipped0=$(( $(metric portlease_shipping_holdings_opened_total) + $(metric portlease_shipping_holdings_ended_total) ))
        local lag0; lag0=$(metric portlease_shipping_lag_records)
        while [ "$(metric portlease_shipping_lag_records)" != 0 ]; do sleep 0.2; done
        local end; end=$(date +%s.%N)
        local shipped; shipped=$(( $(metric portlease_shipping_holdings_opened_total) + $(metric portlease_shipping_holdings_ended_total) ))
        drain="$lag0 $((shipped - shipped0)) $(python3 -c "print(f'{$end - $start:.2f}')") $shipped"
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$round" "$shipping" "$((after - before))" "$(getconf CLK_TCK)" "$dir/out.json" "$drain" >> "$WORK/rows" <<'PY'
import json, sys
round_, shipping, ticks, hz, path, drain = sys.argv[1:7]
report = json.load(open(path))
row = {"round": int(round_), "shipping": shipping, "rate": report["exchanges_per_second"],
       "p99_us": report["latency_exchange_us"]["p99"], "errors": report["error_total"],
       "server_cpu_s": int(ticks) / int(hz)}
if drain:
    lag, shipped_after, seconds, shipped_total = drain.split()
    row.update(lag_after_run=int(lag), drained_seconds=float(seconds), holdings_shipped_total=int(shipped_total),
               holdings_shipped_during_drain=int(shipped_after))
print(json.dumps(row))
PY
    rm -rf "$dir"
}

: > "$WORK/rows"
for round in $(seq "$ROUNDS"); do
    run "$round" off
    run "$round" on
    run "$round" down
done
echo "holdings in the database: $(psql -h 127.0.0.1 -p "$PGPORT" -U portlease -d portlease -Atc 'SELECT count(*) FROM portlease_holding')"
python3 - "$WORK/rows" "$DURATION" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
duration = float(sys.argv[2])
print("on: shipping to a running database; down: shipping configured, the database stopped during the run and")
print("started after it (the drain is the catch-up). Holdings/s for 'on' is bounded by the DORA rate; for 'down'")
print("it is the catch-up rate: the backlog shipped over the drain time.")
print(f"{'round':>5} {'variant':>8} {'DORA/s':>8} {'vs off':>7} {'p99 us':>8} {'CPU us/DORA':>11} {'lag after':>10} {'drain s':>8} {'holdings/s':>11}")
cpu = lambda x: x["server_cpu_s"] * 1e6 / (x["rate"] * duration)
for r in sorted({row['round'] for row in rows}):
    off = next(x for x in rows if x["round"] == r and x["shipping"] == "off")
    print(f"{r:>5} {'off':>8} {off['rate']:8.0f} {1:7.3f} {off['p99_us']:8.0f} {cpu(off):11.1f}")
    for variant in ("on", "down"):
        x = next(y for y in rows if y["round"] == r and y["shipping"] == variant)
        if variant == "on":
            rate = x["holdings_shipped_total"] / (duration + x["drained_seconds"])
        else:
            rate = x["holdings_shipped_during_drain"] / max(x["drained_seconds"], 0.001)
        print(f"{r:>5} {variant:>8} {x['rate']:8.0f} {x['rate'] / off['rate']:7.3f} {x['p99_us']:8.0f} {cpu(x):11.1f}"
              f" {x['lag_after_run']:>10} {x['drained_seconds']:8.2f} {rate:11.0f}")
PY
