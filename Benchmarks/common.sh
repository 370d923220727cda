# Sourced by Benchmarks/compaction-latency.sh and Benchmarks/discover-flood.sh: a work
# directory removed at exit (kept with KEEP=1), the background processes in PIDS killed at
# exit, a timestamped log, the release binaries, and free ports.
# The sourcing script sets NAME (the log prefix), ROOT and SCRATCH first.

WORK=$(mktemp -d "/tmp/$NAME.XXXXXX")
KEEP=${KEEP:-0}
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
log() { echo "[$NAME $(date -u +%H:%M:%S)] $*" >&2; }

log "building (release, scratch $SCRATCH)"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product portlease >&2 \
    && swift build -c release --scratch-path "$SCRATCH" --product portlease-perf >&2)
BIN="$SCRATCH/release"
PERF="$BIN/portlease-perf"

free_port() { # udp|tcp: a port the kernel hands out as free right now
    python3 - "$1" <<'PY'
import socket, sys
family, kind = (socket.AF_INET6, socket.SOCK_DGRAM) if sys.argv[1] == "udp" else (socket.AF_INET, socket.SOCK_STREAM)
s = socket.socket(family, kind)
s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
print(s.getsockname()[1])
PY
}
