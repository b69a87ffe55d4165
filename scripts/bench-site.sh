#!/usr/bin/env bash
# Prints the figures we track for the demo site: release binary size, time
# from start to the first answered request, idle memory (RSS), and requests
# per second for a pick page under `wrk -t1 -c32 -d10s` on loopback.
# Needs curl and wrk (Debian: apt-get install wrk). Usage: scripts/bench-site.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=target/release/bestpick
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

"$bin" demo --data "$data" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
page="$url/best-pick/la-la-land"

start=$(date +%s%N)
RUST_LOG=warn "$bin" serve --data "$data" --listen "127.0.0.1:$port" >/dev/null &
pid=$!
until curl -fsS -o /dev/null "$page" 2>/dev/null; do sleep 0.005; done
ready=$(date +%s%N)

sleep 2
rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ')

echo "release binary size:       $(( $(stat -c %s "$bin") / 1024 )) KiB"
echo "start to first request:    $(( (ready - start) / 1000000 )) ms (demo site, pick page)"
echo "idle RSS after first page: $(( rss_kb / 1024 )) MiB"
if command -v wrk >/dev/null; then
    echo "wrk -t1 -c32 -d10s $page:"
    wrk -t1 -c32 -d10s "$page" | sed 's/^/    /'
    echo "RSS after the load:        $(( $(ps -o rss= -p "$pid" | tr -d ' ') / 1024 )) MiB"
else
    echo "wrk is not installed: skipped requests per second"
fi
