# Sourced by api-lookup-10m.sh and api-search-10m.sh: serve_10m LOG WORK BIN starts a release
# server (2 workers, the pools the 10M-lease log was generated for, UDP port 20547) on the lease
# log in LOG, with its configuration and stderr in WORK, and returns once its control API
# listens; SERVER is its pid (the caller's EXIT trap stops it).
serve_10m() {
    local log=$1 work=$2 bin=$3
    cat > "$work/config.json" <<JSON
{ "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": 20547 },
  "dhcp4o6-server-addresses": ["::1"], "workers": 2, "log-level": "info",
  "limits": { "discover-rate": "off" },
  "lease-log": { "directory": "$log" },
  "pools": [
    { "name": "shared", "addresses": ["100.64.0.0/14"], "shared": { "psid-offset": 6, "psid-length": 6 } },
    { "name": "full", "addresses": ["198.18.0.0-198.25.255.255"] } ] }
JSON
    "$bin/portlease" serve --config "$work/config.json" 2> "$work/serve.log" &
    SERVER=$!
    until grep -q "control API listening" "$work/serve.log"; do
        kill -0 "$SERVER" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
        sleep 0.2
    done
}
