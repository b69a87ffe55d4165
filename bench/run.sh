#!/usr/bin/env bash
# bestpick against nginx serving the very same bytes, on loopback.
#
# Generates a site of 1,000 picks (the measured pick gets 30 comments, a few
# of them replies), starts bestpick and an nginx that serves that pick page's
# bytes as static files (identity and precompressed gzip), then runs
# `wrk -t1 -c32 -d10s --latency` three times per case and prints, per case,
# the median requests/s, p50, p99, the server's RSS and bestpick / nginx.
# It also times importing 10,000 generated posts into a site of their own,
# and checks every comment the POST case got accepted is stored.
# Installs nginx and wrk from Debian when missing. Every loop is bounded.
#
# Usage: bench/run.sh            (RUNS=1 DURATION=3s for a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PICKS=${PICKS:-1000}
IMPORTS=${IMPORTS:-10000}

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nginx-light wrk >/dev/null
fi

cargo build --release --quiet
bin=$PWD/target/release/bestpick
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT


# --- 1. The site -------------------------------------------------------------
data=$work/data
gen_picks "$work/picks" 1 "$PICKS"
"$bin" demo --data "$data" >/dev/null
for kv in "comments.min_seconds 0" "comments.per_ip 1000000000" "comments.per_network 1000000000" \
    "comments.per_post 1000000000" "comments.hold_at 0.9" "comments.spam_at 0.99"; do
    # shellcheck disable=SC2086
    "$bin" settings set $kv --data "$data" >/dev/null
done
import_start=$(date +%s%N)
"$bin" import "$work/picks" --data "$data" >/dev/null
import_ms=$(( ($(date +%s%N) - import_start) / 1000000 ))
# The import target is for 10,000 posts: into a site of its own.
cp -r "$work/picks" "$work/many"
gen_picks "$work/many" $((PICKS + 1)) "$IMPORTS"
"$bin" demo --data "$work/many-data" >/dev/null
import_start=$(date +%s%N)
"$bin" import "$work/many" --data "$work/many-data" >/dev/null
many_ms=$(( ($(date +%s%N) - import_start) / 1000000 ))
rm -rf "$work/many" "$work/many-data"

port=$(free_port)
base="http://127.0.0.1:$port"
measured=/best-pick/pick-500
start=$(date +%s%N)
RUST_LOG=warn "$bin" serve --data "$data" --listen "127.0.0.1:$port" >/dev/null &
bp_pid=$!
pids+=("$bp_pid")
for _ in $(seq 1 2000); do
    curl -fsS -o /dev/null "$base$measured" 2>/dev/null && break
    sleep 0.005
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 1
idle_rss=$(( $(ps -o rss= -p "$bp_pid") / 1024 ))

# --- 2. Thirty comments on the measured pick, a few of them replies ---------
jar=$work/cookies
form() { # prints csrf stamp post_id for the measured page's comment form, as comments.js gets them
    local id
    id=$(curl -fsS "$base$measured" |
        python3 -c 'import re,sys; print(re.search(r"name=\"post_id\" value=\"([0-9]+)\"", sys.stdin.read()).group(1))')
    curl -fsS -c "$jar" -b "$jar" "$base/comments/form/$id" |
        python3 -c 'import json,sys; me=json.load(sys.stdin); print(me["csrf"], me["stamp"], '"$id"')'
}
read -r csrf stamp post_id < <(form)
first=""
for i in $(seq 1 30); do
    parent=""
    if [ $((i % 6)) -eq 0 ] && [ -n "$first" ]; then parent=$first; fi
    loc=$(curl -fsS -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" "$base/comments" \
        --data-urlencode "csrf=$csrf" --data-urlencode "stamp=$stamp" --data-urlencode "post_id=$post_id" \
        --data-urlencode "parent_id=$parent" --data-urlencode "name=Reader $i" \
        --data-urlencode "email=reader$i@example.com" \
        --data-urlencode "body=Comment $i: the scene at the diner number $i stays with me, and the score by composer $((i * 7)) too.")
    if [ -z "$first" ]; then first=${loc##*#comment-}; fi
done
comments_shown=$(curl -fsS "$base$measured" | grep -o 'id="comments-title">[0-9]* comments' | grep -o '[0-9]*' || echo 0)

# --- 3. nginx serving the same bytes ---------------------------------------
root=$work/static
mkdir -p "$root"
curl -fsS "$base$measured" >"$root/pick.html"
gzip -9 -k "$root/pick.html"
nginx_port=$(free_port)
cat >"$work/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 100000;
    types { text/html html; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $root;
        gzip_static on;
        location / { }
    }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" &
ng_pid=$!
pids+=("$ng_pid")
for _ in $(seq 1 400); do
    curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/pick.html" 2>/dev/null && break
    sleep 0.01
done

# --- 4. The cases ------------------------------------------------------------
rss_of() { # MiB of a process and its children
    local total=0
    for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(ps -o rss= -p "$p" 2>/dev/null || echo 0))); done
    echo $((total / 1024))
}

results=$work/results
: >"$results"
run_case() { # name pid url [wrk options...]
    local name=$1 pid=$2 url=$3
    shift 3
    local rps=() p50=() p99=()
    for _ in $(seq 1 "$RUNS"); do
        out=$(wrk -t1 -c32 -d"$DURATION" --latency "$@" "$url")
        rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
        p50+=("$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")")
        p99+=("$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")")
        echo "$out" | awk '/^accepted/ {print $2}' >>"$work/accepted"
        bad=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
        [ -n "$bad" ] && echo "  ($name: $bad answers were not 2xx/3xx)" >&2
    done
    printf '%s|%s|%s|%s|%s\n' "$name" \
        "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p50[@]}" | median)" \
        "$(printf '%s\n' "${p99[@]}" | median)" "$(rss_of "$pid")" >>"$results"
}

etag=$(curl -fsS -D - -o /dev/null "$base$measured" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
run_case "pick page, bestpick" "$bp_pid" "$base$measured"
run_case "pick page, nginx" "$ng_pid" "http://127.0.0.1:$nginx_port/pick.html"
run_case "pick page gzip, bestpick" "$bp_pid" "$base$measured" -H 'Accept-Encoding: gzip'
run_case "pick page gzip, nginx" "$ng_pid" "http://127.0.0.1:$nginx_port/pick.html" -H 'Accept-Encoding: gzip'
run_case "home, bestpick" "$bp_pid" "$base/"
run_case "section page 5, bestpick" "$bp_pid" "$base/best-pick?page=5"
run_case "work page, bestpick" "$bp_pid" "$base/work/film-500-$((1950 + 500 % 70))"
run_case "304 revalidation, bestpick" "$bp_pid" "$base$measured" -H "If-None-Match: ${etag:-none}"

# Comment POSTs through the whole pipeline, each a different text.
read -r csrf stamp post_id < <(form)
write_post_lua "$work/post.lua" "$csrf" "$stamp" "$post_id"
stored() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM comments").fetchone()[0])' "$data/bestpick.db"
}
shown() {
    curl -fsS "$base$measured" | grep -o 'id="comments-title">[0-9]* comments' | grep -o '[0-9]*'
}
before=$(shown)
stored_before=$(stored)
: >"$work/accepted"
run_case "comment POST, bestpick" "$bp_pid" "$base/comments" -s "$work/post.lua"
after=$(shown)
stored_after=$(stored)
accepted=$(awk '{s += $1} END {print s + 0}' "$work/accepted")

# --- 5. Report ---------------------------------------------------------------
echo
echo "bestpick $(git describe --always --dirty), $(nproc) cores, wrk -t1 -c32 -d$DURATION --latency, median of $RUNS"
echo "import: $PICKS picks in $import_ms ms; $IMPORTS picks into a site of their own in $many_ms ms"
echo "site: $PICKS picks; cold start to first answered request: $ready_ms ms; idle RSS $idle_rss MiB"
echo "measured pick $measured: $comments_shown comments shown, $(wc -c <"$root/pick.html") bytes ($(wc -c <"$root/pick.html.gz") gzipped)"
echo
printf '%-28s %12s %10s %10s %8s %16s\n' case "requests/s" "p50 ms" "p99 ms" "RSS MiB" "bestpick/nginx"
nginx_rps() { awk -F'|' -v c="$1" '$1 == c {print $2}' "$results"; }
while IFS='|' read -r name rps p50 p99 rss; do
    ratio=""
    case $name in
        "pick page, bestpick") ratio=$(python3 -c "print(f'{$rps / $(nginx_rps 'pick page, nginx'):.2f}x')") ;;
        "pick page gzip, bestpick") ratio=$(python3 -c "print(f'{$rps / $(nginx_rps 'pick page gzip, nginx'):.2f}x')") ;;
    esac
    printf '%-28s %12s %10s %10s %8s %16s\n' "$name" "$rps" "$p50" "$p99" "$rss" "$ratio"
done <"$results"
echo
echo "comment POST: $accepted comments accepted (303), $((stored_after - stored_before)) stored;" \
    "the page showed $before comments before and $after after (held ones wait for a moderator)"
