#!/usr/bin/env bash
# Readers' pages while one server floods the inbox.
#
# Starts a demo site (release build, its own address, federation on), then
# runs `wrk -t1 -c16 --latency` on a pick page alone, and again while a
# second wrk (64 connections from the same machine) posts forged, signed-
# looking activities to /ap/inbox as fast as it can. Prints, per case, the
# readers' requests/s, p50 and p99, and the flood's rate and what the inbox
# answered (429 once the network's 600 a minute are spent, 401 before);
# then, for reference, the same with 64 connections asking for the home
# page instead: what any flood of cheap requests costs readers.
# Installs wrk from Debian when missing. Every loop is bounded.
#
# Usage: bench/inbox_flood.sh      (DURATION=5s for a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_wrk
DURATION=${DURATION:-10s}

cargo build --release --quiet
bin=$PWD/target/release/bestpick
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
base=http://127.0.0.1:$port
"$bin" demo --data "$work/data" >/dev/null
RUST_LOG=warn "$bin" serve --data "$work/data" --listen "127.0.0.1:$port" --base-url "$base" \
    >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "$base/" >/dev/null && break; sleep 0.1; done
page=$(curl -s "$base/" | grep -o 'href="/best-pick/[a-z0-9-]*"' | head -1 | cut -d'"' -f2)
curl -sf "$base$page" >/dev/null

cat >"$work/flood.lua" <<'LUA'
local body = '{"@context":"https://www.w3.org/ns/activitystreams","id":"https://flood.example/a",' ..
  '"type":"Create","actor":"https://flood.example/users/x","object":{"type":"Note","content":"spam"}}'
request = function()
  return wrk.format("POST", "/ap/inbox", {
    ["Content-Type"] = "application/activity+json",
    ["Date"] = os.date("!%a, %d %b %Y %H:%M:%S GMT"),
    ["Digest"] = "SHA-256=AAAA",
    ["Signature"] = 'keyId="https://flood.example/users/x#main-key",algorithm="rsa-sha256",' ..
      'headers="(request-target) host date digest",signature="AAAA"',
  }, body)
end
counts = {}
response = function(status) counts[status] = (counts[status] or 0) + 1 end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done()
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("counts")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write("status " .. code .. ": " .. n .. "\n") end
end
LUA

readers() {
    wrk -t1 -c16 -d"$DURATION" --latency "$base$page" >"$1"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$1")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$1")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$1")")
    printf '%-28s %10s req/s  p50 %7s ms  p99 %7s ms\n' "$2" "$rps" "$p50" "$p99"
}

echo "bestpick $(git rev-parse --short HEAD), $(nproc) cores, $DURATION per case, page $page"
readers "$work/alone.txt" "readers alone"
wrk -t1 -c64 -d"$DURATION" -s "$work/flood.lua" "$base/ap/inbox" >"$work/flood.txt" &
flood=$!
sleep 0.5
readers "$work/flooded.txt" "readers during the flood"
wait "$flood"
printf '%-28s %10s req/s\n' "the flood" "$(awk '/Requests\/sec/ {print $2}' "$work/flood.txt")"
grep '^status' "$work/flood.txt" | sed 's/^/    /'
# For reference: as many connections asking for the home page instead.
wrk -t1 -c64 -d"$DURATION" "$base/" >"$work/pages.txt" &
flood=$!
sleep 0.5
readers "$work/paged.txt" "readers during page requests"
wait "$flood"
printf '%-28s %10s req/s\n' "the page requests" "$(awk '/Requests\/sec/ {print $2}' "$work/pages.txt")"
