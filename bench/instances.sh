#!/usr/bin/env bash
# Several bestpick instances on one PostgreSQL, and the same site on SQLite.
#
# Loads a site of 1,000 picks into a new PostgreSQL database (on the server
# at 127.0.0.1:5432) and into an SQLite folder, then for 1, 2 and 3
# `bestpick serve` on PostgreSQL, and one on SQLite, runs wrk against the
# cached pick page and against comment POSTs through the whole pipeline:
# one wrk process per instance, the 32 connections split between them, as a
# load balancer would. Prints, per case, the requests/s of all instances
# together, the worst instance's p50 and p99, and PostgreSQL's share of the
# CPU time the machine spent during the run. The comments go to another
# pick than the one measured, so the measured page keeps its size. Then
# posts 1,000 comments, each to one instance, and times until the pick page
# of another instance shows it (the longest and median delay).
#
# Everything runs on this one machine: wrk, the instances and PostgreSQL
# share its cores. Loopback only; every loop is bounded.
#
# Usage: bench/instances.sh       (RUNS=1 DURATION=3s TRIES=200 for a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PICKS=${PICKS:-1000}
TRIES=${TRIES:-1000}
SERVER=${BESTPICK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

ensure_wrk

cargo build --release --quiet
bin=$PWD/target/release/bestpick
work=$(mktemp -d)
db=bestpick_bench_$$
pids=()
stop_instances() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
cleanup() {
    stop_instances
    psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql "$SERVER/postgres" -qc "CREATE DATABASE $db" >/dev/null

# --- 1. The same site on both engines ----------------------------------------
gen_picks "$work/picks" 1 "$PICKS"
load() { # DATA [DATABASE_URL]
    local env=(env BESTPICK_DATA="$1")
    [ -n "${2:-}" ] && env+=(BESTPICK_DATABASE_URL="$2")
    "${env[@]}" "$bin" demo >/dev/null
    for kv in "comments.min_seconds 0" "comments.per_ip 1000000000" "comments.per_network 1000000000" \
        "comments.per_post 1000000000" "comments.spam_at 0.99" "comments.hold_at 0.9"; do
        # shellcheck disable=SC2086
        "${env[@]}" "$bin" settings set $kv >/dev/null
    done
    "${env[@]}" "$bin" import "$work/picks" >/dev/null
}
load "$work/sqlite"
# The instances on PostgreSQL share one data folder (media, theme).
load "$work/pg" "$SERVER/$db"

# The page measured, the pick that gets the comments POSTed (so the measured
# page stays the same size), and the one the delay probes go to.
measured=/best-pick/pick-500
commented=/best-pick/pick-1
probed=/best-pick/pick-2
ports=()
start_instances() { # N DATA [DATABASE_URL]
    local n=$1 data=$2 url=${3:-}
    ports=()
    for _ in $(seq 1 "$n"); do
        local port
        port=$(free_port)
        if [ -n "$url" ]; then
            RUST_LOG=warn BESTPICK_DATABASE_URL=$url "$bin" serve --data "$data" \
                --listen "127.0.0.1:$port" >/dev/null &
        else
            RUST_LOG=warn "$bin" serve --data "$data" --listen "127.0.0.1:$port" >/dev/null &
        fi
        pids+=("$!")
        ports+=("$port")
        for _ in $(seq 1 2000); do
            curl -fsS -o /dev/null "http://127.0.0.1:$port$measured" 2>/dev/null && break
            sleep 0.005
        done
    done
}

# CPU ticks: of PostgreSQL's processes, and of the whole machine's busy time.
pg_ticks() {
    local total=0
    for p in $(pgrep -x postgres || true); do
        # utime and stime are fields 14 and 15 of /proc/PID/stat.
        total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

results=$work/results
: >"$results"
run_case() { # NAME PATH [SCRIPTS]: wrk on every instance at once; SCRIPTS:
    # a prefix of per-instance wrk scripts (PREFIX-0.lua, PREFIX-1.lua...)
    local name=$1 path=$2 scripts=${3:-}
    local n=${#ports[@]}
    local rps=() p50=() p99=() share=()
    for _ in $(seq 1 "$RUNS"); do
        local pg0 busy0 pg1 busy1 i sum=0 worst50=0 worst99=0
        pg0=$(pg_ticks)
        busy0=$(busy_ticks)
        for i in $(seq 0 $((n - 1))); do
            local script=()
            [ -n "$scripts" ] && script=(-s "$scripts-$i.lua")
            wrk -t1 -c$((32 / n)) -d"$DURATION" --latency "${script[@]}" \
                "http://127.0.0.1:${ports[$i]}$path" >"$work/wrk-$i" &
        done
        wait_for_wrk "$n"
        pg1=$(pg_ticks)
        busy1=$(busy_ticks)
        for i in $(seq 0 $((n - 1))); do
            local out bad
            out=$(cat "$work/wrk-$i")
            sum=$(python3 -c "print($sum + $(echo "$out" | awk '/Requests\/sec/ {print $2}'))")
            worst50=$(python3 -c "print(max($worst50, $(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")))")
            worst99=$(python3 -c "print(max($worst99, $(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")))")
            bad=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
            [ -n "$bad" ] && echo "  ($name: $bad answers were not 2xx/3xx)" >&2
        done
        rps+=("$sum")
        p50+=("$worst50")
        p99+=("$worst99")
        share+=("$(python3 -c "print(round(100 * ($pg1 - $pg0) / max(1, $busy1 - $busy0)))")")
    done
    printf '%s|%s|%s|%s|%s\n' "$name" \
        "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p50[@]}" | median)" \
        "$(printf '%s\n' "${p99[@]}" | median)" "$(printf '%s\n' "${share[@]}" | median)" >>"$results"
}
wait_for_wrk() { # N: the wrk processes started last
    local left=$1
    while [ "$left" -gt 0 ]; do
        wait -n || true
        left=$((left - 1))
    done
}

post_cases() { # ENGINE-LABEL: the pick page, then comment POSTs
    local label=$1 base="http://127.0.0.1:${ports[0]}" jar=$work/jar
    run_case "pick page, $label" "$measured"
    local id csrf stamp
    id=$(curl -fsS "$base$commented" |
        python3 -c 'import re,sys; print(re.search(r"name=\"post_id\" value=\"([0-9]+)\"", sys.stdin.read()).group(1))')
    read -r csrf stamp < <(curl -fsS -c "$jar" -b "$jar" "$base/comments/form/$id" |
        python3 -c 'import json,sys; me=json.load(sys.stdin); print(me["csrf"], me["stamp"])')
    # A script per wrk process, so their comments never repeat each other's.
    for i in $(seq 0 $((${#ports[@]} - 1))); do
        write_post_lua "$work/post-$i.lua" "$csrf" "$stamp" "$id" "$i"
    done
    run_case "comment POST, $label" /comments "$work/post"
}

# --- 2. The cases ------------------------------------------------------------
start_instances 1 "$work/sqlite"
post_cases "SQLite, 1 instance"
stop_instances
for n in 1 2 3; do
    start_instances "$n" "$work/pg" "$SERVER/$db"
    post_cases "PostgreSQL, $n instance$([ "$n" -gt 1 ] && echo s)"
    [ "$n" -lt 3 ] && stop_instances
done

# The figures so far, in case the last part fails.
cat "$results" >&2

# --- 3. How soon the others show a comment (3 instances on PostgreSQL) -------
delays=$(python3 - "$TRIES" "$probed" "${ports[@]}" <<'EOF'
import http.cookiejar, json, re, sys, time, urllib.parse, urllib.request

tries, page, ports = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None
def reader():
    # A reader of their own for each try: a browser's comment-edit cookie
    # grows with every comment it posts.
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
opener = reader()
def get(port, path):
    with opener.open(f"http://127.0.0.1:{port}{path}") as r:
        return r.read().decode()
post_id = re.search(r'name="post_id" value="([0-9]+)"', get(ports[0], page)).group(1)
delays = []
for i in range(tries):
    opener = reader()
    to, other = ports[i % len(ports)], ports[(i + 1) % len(ports)]
    me = json.loads(get(to, f"/comments/form/{post_id}"))
    text = f"Delay probe {i} {time.time_ns()} about the long take in the second act"
    form = urllib.parse.urlencode({"csrf": me["csrf"], "stamp": me["stamp"], "post_id": post_id,
                                   "name": "Probe", "email": "probe@example.com", "body": text}).encode()
    try:
        opener.open(f"http://127.0.0.1:{to}/comments", form)
        raise SystemExit(f"try {i}: the comment was not answered 303")
    except urllib.error.HTTPError as e:
        if e.code != 303:
            raise SystemExit(f"try {i}: {e.code}")
    start = time.perf_counter()
    deadline = start + 10
    while text not in get(other, page):
        if time.perf_counter() > deadline:
            raise SystemExit(f"try {i}: not shown on the other instance after 10 s")
    delays.append((time.perf_counter() - start) * 1000)
delays.sort()
print(f"{delays[-1]:.1f} {delays[len(delays) // 2]:.1f} {delays[int(len(delays) * 0.99)]:.1f}")
EOF
)
# Names of their own: the report's loop below reads p50 and p99 too.
read -r delay_max delay_median delay_p99 <<<"$delays"
stop_instances

# --- 4. Report ---------------------------------------------------------------
echo
echo "bestpick $(git describe --always --dirty), $(nproc) cores, $PICKS picks;" \
    "wrk -t1 -d$DURATION --latency per instance, 32 connections split between them, median of $RUNS"
echo
printf '%-44s %12s %10s %10s %14s\n' case "requests/s" "p50 ms" "p99 ms" "PostgreSQL CPU"
while IFS='|' read -r name rps p50 p99 share; do
    printf '%-44s %12s %10s %10s %13s%%\n' "$name" "$rps" "$p50" "$p99" "$share"
done <"$results"
echo
echo "a comment posted to one of 3 instances, shown by the next one's pick page ($TRIES tries):" \
    "longest $delay_max ms, median $delay_median ms, 99th percentile $delay_p99 ms"
