#!/usr/bin/env bash
# A site of 100,000 generated picks (the generator of bench/run.sh), on
# SQLite and on PostgreSQL: how long importing them takes and the import's
# peak memory, then, through the real server with its page cache off (every
# request renders its page), `wrk -t1 -c1 -d$DURATION --latency` (one reader
# at a time, so each figure is one request's own time) on:
# - searches, rotating through typical ones (a title, a cast member, a
#   director, words of a line, an unfinished word, filters) and, apart, a
#   word every post holds (the worst case);
# - list pages: home, a section and a tag, first and deep (the section's
#   page 4,001 and the tag's 101 at 100,000 posts, reached by the pager's
#   own "Older" link); the works list by score, deep, filtered and by name;
#   the Quotes section.
# Before the pages, `bestpick related` computes the related picks the import
# left to the server (its time per pick is what a save pays per list).
# Prints p50 and p99 per engine and case. Installs wrk from Debian when missing.
#
# Usage: bench/scale.sh    (POSTS=10000 DURATION=3s for a quick look; RELATE=0
#                           to leave related picks uncomputed;
#                           BESTPICK_BENCH_POSTGRES=postgres://USER@HOST names
#                           a server whose user may create databases)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

POSTS=${POSTS:-100000}
DURATION=${DURATION:-10s}
SERVER=${BESTPICK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

ensure_wrk

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

# PICKS_DIR: picks generated before (gen_picks DIR 1 POSTS), to save the time.
picks=${PICKS_DIR:-$work/picks}
[ -n "${PICKS_DIR:-}" ] || gen_picks "$picks" 1 "$POSTS"

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
    "${env[@]}" /usr/bin/time -f "%M" -o "$work/peak" "$bin" import "$picks" >/dev/null
    local import_s peak_mb
    import_s=$(python3 -c "print(round(($(date +%s%N) - $start) / 1e9, 1))")
    peak_mb=$(( $(cat "$work/peak") / 1024 ))
    # A live PostgreSQL has analysed the new rows by itself (autovacuum)
    # long before readers come; right after a bulk load it may not have,
    # and where autovacuum is off it never does.
    if [ "$engine" = postgres ]; then psql "$url" -qc ANALYZE; fi
    # Related picks: what the import left, computed now (not meanwhile);
    # RELATE=0 leaves them (the server would, in the background).
    if [ "${RELATE:-1}" != 0 ]; then
        "${env[@]}" "$bin" related | sed "s/^/$engine: /" >>"$work/related"
        if [ "$engine" = postgres ]; then psql "$url" -qc "ANALYZE related_picks"; fi
    fi
    local port
    port=$(free_port)
    RUST_LOG=warn "${env[@]}" "$bin" serve --page-cache-mb 0 --listen "127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 2000); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
        sleep 0.01
    done
    for path in "${typical[@]}"; do # every typical search finds something
        # (grep -c reads the whole page: -q would stop curl mid-page)
        curl -fsS "http://127.0.0.1:$port$path" | grep -c 'class="hit"' >/dev/null || { echo "nothing found: $path" >&2; exit 1; }
    done
    # Deep pages as readers reach them: the "Older" link of an old-style
    # numbered page (which is slow by design: it walks to its offset).
    older() { curl -fsS "http://127.0.0.1:$port$1" | grep -o 'rel="next" href="[^"]*"' | sed 's/.*href="//; s/"$//; s/&amp;/\&/g'; }
    local section_deep tag_deep
    local section_page=$((POSTS / 25)) tag_page=$((POSTS / 1000))
    section_deep=$(older "/best-pick?page=$section_page")
    tag_deep=$(older "/tag/tag-7?page=$tag_page")
    local cases=("search:typical.lua" "search, a word in every post:common.lua" "home:/"
        "section:/best-pick" "section, page $((section_page + 1)):$section_deep"
        "tag:/tag/tag-7" "tag, page $((tag_page + 1)):$tag_deep"
        "works:/works" "works, deep:/works?after=$((POSTS / 2))"
        "works, genre and decade:/works?genre=Drama&decade=1990"
        "works by name, deep:/works?sort=name&after=$((POSTS / 3))"
        "quotes:/quotes" "a pick with related picks:/best-pick/pick-$((POSTS / 4))")
    local case name target out
    for case in "${cases[@]}"; do
        name=${case%%:*}
        target=${case#*:}
        if [[ $target == *.lua ]]; then
            set -- -s "$work/$target" "http://127.0.0.1:$port"
        else
            set -- "http://127.0.0.1:$port$target"
        fi
        wrk -t1 -c1 -d2s "$@" >/dev/null # warm-up
        out=$(wrk -t1 -c1 -d"$DURATION" --latency "$@")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$import_s" "$peak_mb" "$name" \
            "$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
            "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" >>"$results"
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
}

measure sqlite "sqlite:$work/sqlite.db"
if psql "$SERVER/postgres" -qc "CREATE DATABASE $db" >/dev/null 2>&1; then
    measure postgres "$SERVER/$db"
else
    echo "PostgreSQL at $SERVER cannot be reached: measured on SQLite only" >&2
fi

echo "bestpick $(git describe --always --dirty), $(nproc) cores, $POSTS generated picks, page cache off, wrk -t1 -c1 -d$DURATION --latency"
printf '%-9s %8s %9s  %-30s %8s %8s\n' engine "import s" "peak MiB" case "p50 ms" "p99 ms"
while IFS=$'\t' read -r engine import peak name p50 p99; do
    printf '%-9s %8s %9s  %-30s %8s %8s\n' "$engine" "$import" "$peak" "$name" "$p50" "$p99"
done <"$results"
[ ! -f "$work/related" ] || cat "$work/related"
