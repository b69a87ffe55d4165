#!/usr/bin/env bash
# A site of 100,000 generated picks (the generator of bench/run.sh), on
# SQLite and on PostgreSQL: how long importing them takes and the import's
# peak memory, then searches through the real server with
# `wrk -t1 -c1 -d$DURATION --latency` (one reader at a time, so each figure
# is one request's own time), rotating through a set of typical searches
# (a title, a cast member, a director, words of a line, an unfinished word,
# a filter) and, apart, a word every post holds (the worst case).
# Prints p50 and p99 per engine. Installs wrk from Debian when missing.
#
# Usage: bench/scale.sh    (POSTS=10000 DURATION=3s for a quick look;
#                           BESTPICK_BENCH_POSTGRES=postgres://USER@HOST names
#                           a server whose user may create databases)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

POSTS=${POSTS:-100000}
DURATION=${DURATION:-10s}
SERVER=${BESTPICK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

if ! command -v wrk >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wrk >/dev/null
fi

cargo build --release --quiet
bin=$PWD/target/release/bestpick
work=$(mktemp -d)
db=bestpick_scale_$$
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

gen_picks "$work/picks" 1 "$POSTS"

# Typical searches, each a different path through the index; wrk goes round them.
typical=(
    "/search?q=film+$((POSTS / 3))"                  # a work's name
    "/search?q=actor+217"                            # a cast member
    "/search?q=director+42"                          # a director
    "/search?q=%22said+goodbye%22+film+$((POSTS - 7))" # words of a line, and a name
    "/search?q=pick+number+$((POSTS / 2))"           # a title
    "/search?q=actor+21"                             # an unfinished word: a prefix
    "/search?q=writer+8&year_from=1990&year_to=1999" # with filters
    "/search?q=film+123&kind=movie&min_score=60"
)
write_lua() { # FILE PATH...
    local file=$1
    shift
    {
        printf 'local paths = {'
        printf '"%s", ' "$@"
        printf '}\nlocal i = 0\nrequest = function() i = i %% #paths + 1; return wrk.format("GET", paths[i]) end\n'
    } >"$file"
}
write_lua "$work/typical.lua" "${typical[@]}"
write_lua "$work/common.lua" "/search?q=evening" "/search?q=drama+film"

results=$work/results
measure() { # ENGINE DATABASE_URL
    local engine=$1 url=$2 data=$work/data-$1
    local env=(env BESTPICK_DATA="$data" BESTPICK_DATABASE_URL="$url")
    "${env[@]}" "$bin" demo >/dev/null
    local start
    start=$(date +%s%N)
    "${env[@]}" /usr/bin/time -f "%M" -o "$work/peak" "$bin" import "$work/picks" >/dev/null
    local import_s peak_mb
    import_s=$(python3 -c "print(round(($(date +%s%N) - $start) / 1e9, 1))")
    peak_mb=$(( $(cat "$work/peak") / 1024 ))
    # A live PostgreSQL has analysed the new rows by itself (autovacuum)
    # long before readers come; right after a bulk load it may not have.
    if [ "$engine" = postgres ]; then psql "$url" -qc ANALYZE; fi
    local port
    port=$(free_port)
    RUST_LOG=warn "${env[@]}" "$bin" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 2000); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
        sleep 0.01
    done
    for path in "${typical[@]}"; do # every typical search finds something
        curl -fsS "http://127.0.0.1:$port$path" | grep -q 'class="hit"' || { echo "nothing found: $path" >&2; exit 1; }
    done
    local line=("$engine" "$import_s" "$peak_mb")
    for lua in typical common; do
        wrk -t1 -c1 -d5s -s "$work/$lua.lua" "http://127.0.0.1:$port" >/dev/null # warm-up
        local out
        out=$(wrk -t1 -c1 -d"$DURATION" --latency -s "$work/$lua.lua" "http://127.0.0.1:$port")
        line+=("$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")")
        line+=("$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")")
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    printf '%s\t' "${line[@]}" >>"$results"
    echo >>"$results"
}

measure sqlite "sqlite:$work/sqlite.db"
if psql "$SERVER/postgres" -qc "CREATE DATABASE $db" >/dev/null 2>&1; then
    measure postgres "$SERVER/$db"
else
    echo "PostgreSQL at $SERVER cannot be reached: measured on SQLite only" >&2
fi

echo "bestpick $(git describe --always --dirty), $(nproc) cores, $POSTS generated picks, wrk -t1 -c1 -d$DURATION --latency"
printf '%-9s %9s %9s | %-22s | %-22s\n' "" "import" "peak" "typical searches" "a word in every post"
printf '%-9s %9s %9s | %10s %11s | %10s %11s\n' engine s MiB "p50 ms" "p99 ms" "p50 ms" "p99 ms"
while IFS=$'\t' read -r engine import peak t50 t99 c50 c99; do
    printf '%-9s %9s %9s | %10s %11s | %10s %11s\n' "$engine" "$import" "$peak" "$t50" "$t99" "$c50" "$c99"
done <"$results"
