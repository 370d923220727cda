# Sourced by Benchmarks/compare.sh and Benchmarks/storm.sh: the Kea 2.2 4o6 pair
# (kea-dhcp6 relaying DHCPv4-over-DHCPv6 to kea-dhcp4 over UDP 6767, memfile, no fsync),
# started afresh from Benchmarks/kea/*.json. The sourcing script sets ROOT, WORK and PIDS.
# The generator sends to KEA6_PORT from KEA6_CLIENT (kea-dhcp6 answers direct clients on its
# -P port, not the source port).
KEA6_PORT=20647
KEA6_CLIENT=20646
KEA4_PORT=20067
KEA4_CLIENT=20068
KEA="$WORK/kea"
export KEA_PIDFILE_DIR="$KEA" KEA_LOCKFILE_DIR="$KEA"

kea_install() {
    command -v kea-dhcp6 > /dev/null 2>&1 && return 0
    echo "installing Kea (kea-dhcp4-server kea-dhcp6-server)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kea-dhcp4-server kea-dhcp6-server >&2
}

# Starts both servers with an empty lease file; sets KEA4_PID and KEA6_PID once both listen.
kea_start() {
    mkdir -p "$KEA"
    rm -f "$KEA"/kea-leases4.csv*
    for v in 4 6; do sed "s|@DIR@|$KEA|" "$ROOT/Benchmarks/kea/kea-dhcp$v.json" > "$KEA/dhcp$v.json"; done
    kea-dhcp4 -c "$KEA/dhcp4.json" -p $KEA4_PORT -P $KEA4_CLIENT > "$KEA/dhcp4.log" 2>&1 &
    KEA4_PID=$!
    PIDS+=("$KEA4_PID")
    kea-dhcp6 -c "$KEA/dhcp6.json" -p $KEA6_PORT -P $KEA6_CLIENT > "$KEA/dhcp6.log" 2>&1 &
    KEA6_PID=$!
    PIDS+=("$KEA6_PID")
    local pid port log
    for pair in "$KEA6_PID $KEA6_PORT $KEA/dhcp6.log" "$KEA4_PID $KEA4_PORT $KEA/dhcp4.log"; do
        read -r pid port log <<< "$pair"
        for _ in $(seq 100); do
            kill -0 "$pid" 2> /dev/null || { echo "Kea exited:" >&2; cat "$log" >&2; exit 1; }
            ss -Hlunp "sport = :$port" | grep -q "pid=$pid," && break
            sleep 0.1
        done
    done
    sleep 1
}

kea_stop() {
    kill "$KEA4_PID" "$KEA6_PID" 2> /dev/null || true
    wait "$KEA4_PID" "$KEA6_PID" 2> /dev/null || true
}
