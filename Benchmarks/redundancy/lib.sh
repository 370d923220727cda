# Sourced by the scripts of Benchmarks/redundancy/: two PortLease partners in network
# namespaces of their own, joined by a bridge in a third (the clients' and the load
# generator's), as Tests/portleaseTests/Support/PartnerNetwork.swift builds them:
#
#   plc-TAG  (clients, portlease-perf, portlease client)  fd00:16::c on br0
#     |-- veth -- pla-TAG  server "a" (the configured active)   fd00:16::a
#     `-- veth -- plb-TAG  server "b" (the configured standby)  fd00:16::b
#
# Replication runs over the same bridge with mutual TLS (a CA and one certificate per
# partner, made here with openssl). Each server's metrics listen on its own address, port
# 9547, so they are read with `ip netns exec NS curl`.
#
# The sourcing script sets NAME (the log prefix) first. Everything made here is removed at
# exit (namespaces, the work directory with certificates, configurations and lease logs),
# and the servers started here are killed; KEEP=1 keeps the work directory (logs) instead.
#
# Environment: BIN=/path/to/.build/release (default: this checkout's release build, built
# if missing or NO_BUILD is not 1), PORT (DHCP port inside the namespaces, default 20547),
# MALLOC_COUNT=/path/to/malloc-count.so (Benchmarks/malloc-count: each server's shard workers'
# mallocs are written to WORK/NAME/mallocs when it exits).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KEEP=${KEEP:-0}
PORT=${PORT:-20547}
REPL_PORT=8647
METRICS_PORT=9547
WORK=$(mktemp -d "/tmp/$NAME.XXXXXX")
TAG=$(printf '%05x' $((RANDOM * 32 + RANDOM % 32)))
NS_C="plc-$TAG"
declare -A SERVER_PID=()

log() { echo "[$NAME $(date -u +%H:%M:%S)] $*" >&2; }

cleanup() {
    local status=$? name
    # A failed run keeps its logs: a server that crashed or refused is what needs looking at.
    if [ "$status" != 0 ] && [ "$status" != 130 ]; then KEEP=1; fi
    for name in "${!SERVER_PID[@]}"; do kill -9 "${SERVER_PID[$name]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "pla-$TAG" 2>/dev/null || true
    ip netns del "plb-$TAG" 2>/dev/null || true
    ip netns del "$NS_C" 2>/dev/null || true
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # run the EXIT trap on Ctrl-C too

ns() { echo "pl$1-$TAG"; }          # the namespace of server a or b
addr() { echo "fd00:16::$1"; }      # the address of a, b (servers) or c (clients)

# --- Binaries ----------------------------------------------------------------------------------
if [ -z "${BIN:-}" ]; then
    BIN="$ROOT/.build/release"
    if [ "${NO_BUILD:-0}" != 1 ]; then
        log "building (release)"
        (cd "$ROOT" && swift build -c release --product portlease >&2 \
            && swift build -c release --product portlease-perf >&2)
    fi
fi
PORTLEASE="$BIN/portlease"
PERF="$BIN/portlease-perf"
[ -x "$PORTLEASE" ] && [ -x "$PERF" ] || { log "no portlease/portlease-perf in $BIN"; exit 1; }

# --- The network (the commands of PartnerNetwork.init) ------------------------------------------
net_up() {
    ip netns add "$NS_C"
    ip -n "$NS_C" link set lo up
    ip -n "$NS_C" link add br0 type bridge
    ip -n "$NS_C" link set br0 up
    ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.accept_dad=0
    ip -n "$NS_C" addr add "$(addr c)/64" dev br0 nodad
    local name
    for name in a b; do
        local n outer="v$name$TAG" inner="e$name$TAG"
        n=$(ns "$name")
        ip netns add "$n"
        ip -n "$n" link set lo up
        ip link add "$outer" type veth peer name "$inner"
        ip link set "$outer" netns "$NS_C"
        ip link set "$inner" netns "$n"
        ip -n "$NS_C" link set "$outer" master br0 up
        ip -n "$n" link set "$inner" up
        ip -n "$n" addr add "$(addr "$name")/64" dev "$inner" nodad
    done
}

# --- Mutual-TLS certificates (RedundancyProcessTests.makeCertificates, without the rogue one) ---
make_certs() {
    mkdir -p "$WORK/certs"
    (
        cd "$WORK/certs"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=partners
        for name in a b; do
            openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name"
            openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 2
        done
    ) > "$WORK/certs/openssl.log" 2>&1 || { cat "$WORK/certs/openssl.log" >&2; exit 1; }
}

# --- Configuration -----------------------------------------------------------------------------
# write_config NAME MODE: $WORK/NAME/config.json. MODE "standalone" leaves the "redundancy"
# section out; "synchronous" or "asynchronous" pairs a (active of group g1) with b (standby).
# Settings the scripts vary come from the environment: POOL, PSID_LENGTH, WORKERS,
# DURABILITY, TAKEOVER_AFTER, HEARTBEAT_INTERVAL, LOG_LEVEL, COMPACTION_INTERVAL (seconds;
# unset: the server's default), STANDBY_POOL (a prefix for the group's "standby-pools").
POOL=${POOL:-100.64.0.0/16}
PSID_LENGTH=${PSID_LENGTH:-6}
WORKERS=${WORKERS:-2}
DURABILITY=${DURABILITY:-fsync}
TAKEOVER_AFTER=${TAKEOVER_AFTER:-2}
HEARTBEAT_INTERVAL=${HEARTBEAT_INTERVAL:-1}
# info: the replication events ("following the active", "standby caught up", "pool group
# taken over") are info and warning lines; nothing is logged per packet at info.
LOG_LEVEL=${LOG_LEVEL:-info}
# A group's "standby-pools": the standby's reserve, which only a standby that took the group
# over allocates from (it only renews the group's "pools" then, so that the two partners
# never hand out the same port set when they cannot see each other). Empty: none.
STANDBY_POOL=${STANDBY_POOL:-}
write_config() {
    local name=$1 mode=$2 other dir redundancy="" reserve_group="" reserve_pool=""
    other=$([ "$name" = a ] && echo b || echo a)
    if [ -n "$STANDBY_POOL" ] && [ "$mode" != standalone ]; then
        reserve_group=' "standby-pools": ["reserve"],'
        reserve_pool=$(cat <<JSON
,
    { "name": "reserve", "addresses": ["$STANDBY_POOL"], "valid-lifetime": 3600,
      "shared": { "psid-offset": 6, "psid-length": $PSID_LENGTH } }
JSON
)
    fi
    dir="$WORK/$name"
    mkdir -p "$dir"
    local hold=""
    [ -z "${STANDBY_LOG_HOLD:-}" ] || hold=" \"standby-log-hold\": $STANDBY_LOG_HOLD,"
    if [ "$mode" != standalone ]; then
        redundancy=$(cat <<JSON
  "redundancy": {
    "instance": "$name", "listen": "[$(addr "$name")]:$REPL_PORT", "mode": "$mode",
    "tls": { "certificate-file": "$WORK/certs/$name.pem", "key-file": "$WORK/certs/$name.key",
             "ca-file": "$WORK/certs/ca.pem" },
    "takeover-after": $TAKEOVER_AFTER, "heartbeat-interval": $HEARTBEAT_INTERVAL,$hold
    "partners": [ { "name": "$other", "address": "[$(addr "$other")]:$REPL_PORT" } ],
    "pool-groups": [ { "name": "g1", "pools": ["shared"],$reserve_group "active": "a", "standby": "b" } ]
  },
JSON
)
    fi
    local compaction=""
    [ -z "${COMPACTION_INTERVAL:-}" ] || compaction=", \"compaction-interval\": $COMPACTION_INTERVAL"
    [ -z "${SEGMENT_SIZE:-}" ] || compaction+=", \"segment-size\": $SEGMENT_SIZE"
    # discover-rate off: portlease-perf sends every subscriber's DISCOVER from one address.
    cat > "$dir/config.json" <<JSON
{
  "server-id": "192.0.2.1",
  "listen": { "addresses": ["$(addr "$name")"], "port": $PORT },
  "dhcp4o6-server-addresses": ["$(addr "$name")"],
  "workers": $WORKERS,
  "limits": { "discover-rate": "off" },
  "lease-log": { "directory": "$dir/log", "durability": "$DURABILITY"$compaction },
  "metrics": { "listen": "[$(addr "$name")]:$METRICS_PORT" },
  "log-level": "$LOG_LEVEL",
$redundancy
  "pools": [
    { "name": "shared", "addresses": ["$POOL"], "valid-lifetime": 3600,
      "shared": { "psid-offset": 6, "psid-length": $PSID_LENGTH },
      "options": { "routers": ["100.64.0.1"], "domain-name-servers": ["192.0.2.53"] } }$reserve_pool
  ]
}
JSON
    "$PORTLEASE" check-config "$dir/config.json" > "$dir/check.log" 2>&1 \
        || { log "check-config refused $dir/config.json:"; cat "$dir/check.log" >&2; exit 1; }
}

# --- Servers -----------------------------------------------------------------------------------
# start_server NAME: runs portlease serve in NAME's namespace (`ip netns exec` execs, so the
# PID is the server's own), its log appended to $WORK/NAME/serve.log; waits until it listens.
start_server() {
    local name=$1 dir="$WORK/$1"
    echo "--- start $(date -u +%H:%M:%S.%N)" >> "$dir/serve.log"
    local preload=()
    if [ -n "${MALLOC_COUNT:-}" ]; then
        # The shard workers' mallocs (threads at nice 5), written to $dir/mallocs at exit.
        preload=(env LD_PRELOAD="$MALLOC_COUNT" MALLOC_COUNT_FILE="$dir/mallocs" MALLOC_COUNT_NICE=5)
    fi
    ip netns exec "$(ns "$name")" "${preload[@]}" "$PORTLEASE" serve --config "$dir/config.json" >> "$dir/serve.log" 2>&1 &
    SERVER_PID[$name]=$!
    local _
    for _ in $(seq 200); do
        if ! kill -0 "${SERVER_PID[$name]}" 2>/dev/null; then
            log "server $name exited at start:"; tail -20 "$dir/serve.log" >&2; exit 1
        fi
        ip netns exec "$(ns "$name")" ss -Hlun "sport = :$PORT" | grep -q . \
            && metrics "$name" > /dev/null 2>&1 && return 0
        sleep 0.05
    done
    log "server $name does not listen on $PORT"; tail -20 "$dir/serve.log" >&2; exit 1
}
# stop_server NAME [SIGNAL]: TERM (graceful, the default) or KILL; waits for the exit. A
# server that had already ended, or that does not exit cleanly on TERM, is reported as a crash
# (see alive).
stop_server() {
    local name=$1 signal=${2:-TERM} pid=${SERVER_PID[$1]:-}
    [ -n "$pid" ] || return 0
    alive "$name" || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    unset "SERVER_PID[$name]"
    if [ "$signal" = TERM ] && [ "$status" != 0 ]; then
        crashed "$name" "exit status $status after SIGTERM"
    fi
}
# since_start NAME: NAME's log since its last start (serve.log keeps every start).
since_start() {
    awk '/^--- start /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$WORK/$1/serve.log"
}
# wait_log NAME TEXT SECONDS: wait until TEXT appears in NAME's log since its last start.
wait_log() {
    local name=$1 text=$2 seconds=$3 _
    for _ in $(seq $((seconds * 20))); do
        since_start "$name" | grep -qF -- "$text" && return 0
        sleep 0.05
    done
    log "server $name did not log \"$text\" within $seconds s:"; tail -20 "$WORK/$name/serve.log" >&2
    return 1
}
# group_state NAME STATE SECONDS: wait until server NAME reports pool group g1 in STATE
# (portlease_redundancy_state): an active starts in "starting", renewing only, until its
# standby answers or takeover-after passes, and only "active" hands out new port sets.
group_state() {
    local name=$1 state=$2 seconds=$3 _
    for _ in $(seq $((seconds * 20))); do
        metrics "$name" 2>/dev/null | grep -qF "portlease_redundancy_state{group=\"g1\",state=\"$state\"} 1" && return 0
        sleep 0.05
    done
    log "server $name: pool group g1 not $state within $seconds s:"; tail -20 "$WORK/$name/serve.log" >&2
    return 1
}
# metrics NAME: the Prometheus text of server NAME (nothing, and status 1, if it is down).
metrics() {
    ip netns exec "$(ns "$1")" curl -sf --max-time 2 "http://[$(addr "$1")]:$METRICS_PORT/metrics"
}
# alive NAME: whether server NAME (started here) still runs. If it ended on its own, says so
# with the end of its log, keeps a copy of the log as $WORK/crash-N-NAME.log, and keeps the
# work directory at exit.
CRASHES=0
alive() {
    local name=$1 pid=${SERVER_PID[$1]:-}
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null && return 0
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    unset "SERVER_PID[$name]"
    crashed "$name" "ended on its own, exit status $status (132: SIGILL, a Swift runtime trap)"
    return 1
}
crashed() { # NAME WHAT: counts, keeps and shows a crash
    CRASHES=$((CRASHES + 1))
    KEEP=1
    cp "$WORK/$1/serve.log" "$WORK/crash-$CRASHES-$1.log"
    log "server $1 CRASHED: $2; log kept: $WORK/crash-$CRASHES-$1.log"
    # The Swift runtime's backtrace names the failure and the crashed thread's frames.
    since_start "$1" > "$WORK/last-start.log"
    if grep -q "crashed:" "$WORK/last-start.log"; then
        grep -E -m1 'runtime failure|Fatal error' "$WORK/last-start.log" | sed 's/^/    /' >&2 || true
        grep -A5 "crashed:" "$WORK/last-start.log" | sed 's/^/    /' >&2
    else
        tail -25 "$WORK/last-start.log" | sed 's/^/    /' >&2
    fi
}
# metric NAME METRIC: the sum of METRIC's samples (every label set), 0 when absent.
metric() {
    { metrics "$1" || true; } | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%d\n", s }'
}
# commit_us NAME: the average group commit (write + fdatasync) of NAME so far, in microseconds
# (0 with no commit).
commit_us() {
    { metrics "$1" || true; } | awk '$1 ~ /^portlease_log_commit_seconds_sum/ { s += $NF }
        $1 ~ /^portlease_log_commit_seconds_count/ { n += $NF } END { printf "%d\n", n ? s / n * 1e6 : 0 }'
}
# problems NAME: the warning/error/critical lines of NAME's log (all starts) and a Swift
# runtime's fatal error lines, for the report.
problems() {
    awk '$2 == "warning" || $2 == "error" || $2 == "critical" || /[Ff]atal error|runtime failure|crashed:|Illegal|Segmentation/' \
        "$WORK/$1/serve.log"
}
# fresh NAME: remove NAME's lease log (and with it replication positions and takeover marks).
fresh() { rm -rf "$WORK/$1/log"; }
# fresh_pair: both servers stopped, their lease logs removed, the standby b started, then the
# active a; returns once b follows and a serves group g1.
fresh_pair() {
    stop_server a; stop_server b
    fresh a; fresh b
    start_server b
    start_server a
    wait_log b "following the active" 10
    group_state a active 10
}

# The exact configuration, for the report.
show_config() { # NAME
    echo "--- $WORK/$1/config.json (certificate paths are temporary)"
    cat "$WORK/$1/config.json"
}

# The servers' warnings and errors over all runs, counted by message. HEADING names what is
# expected among them (a kill, a takeover).
report_problems() { # HEADING
    echo
    echo "server warnings/errors over all runs (count, message$1):"
    for name in a b; do
        [ -f "$WORK/$name/serve.log" ] || continue
        local p
        p=$(problems "$name" | sed -E 's/^[0-9]{4}-[^ ]+ //' | sort | uniq -c | sort -rn | sed -E 's/^ +//' | cut -c1-240)
        echo "  $name:"; echo "${p:-none}" | sed 's/^/    /'
    done
}
