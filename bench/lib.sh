# What the benchmark scripts share: a generated site, free ports, wrk's
# figures, and the comment-posting script for wrk. Sourced, not run.

ensure_wrk() { # installs wrk from Debian when missing
    if ! command -v wrk >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq wrk >/dev/null
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

gen_picks() { # DIR FIRST LAST: content files pick-FIRST.md to pick-LAST.md
    mkdir -p "$1"
    for i in $(seq "$2" "$3"); do
        cat >"$1/pick-$i.md" <<EOF
+++
title = "Pick number $i: a film worth the evening"
slug = "pick-$i"
kind = "pick"
section = "best-pick"
date = 2024-01-01T00:00:00Z
tags = ["drama", "tag-$((i % 40))"]
summary = "Why film $i is the one to watch tonight, in a few honest paragraphs."
question = "Have you seen film $i?"

[work]
kind = "movie"
name = "Film $i"
year = $((1950 + i % 70))
directors = ["Director $((i % 97))"]
writers = ["Writer $((i % 89))"]
cast = [{ name = "Actor $((i % 300))", role = "Lead" }, { name = "Actor $(((i + 7) % 300))", role = "Friend" }]
genres = ["Drama"]
runtime_minutes = $((80 + i % 70))
box_office_usd = $((1000000 * (i % 500 + 1)))
budget_usd = $((500000 * (i % 300 + 1)))

[[scores]]
source = "metacritic"
value = $((50 + i % 50))

[[scores]]
source = "imdb"
value = 7.$((i % 10))

[[critics]]
outlet = "The Bench Review"
quote = "A film that earns its running time, scene by scene."

[[lines]]
speaker = "Actor $((i % 300))"
text = "We never said goodbye, we only said later."
+++
The introduction of pick $i: what it is about, who made it, and why it lasts.
It has **bold** claims and a [link](https://example.org/film-$i).

## Plot
What happens, folded away for those who have not seen it.
EOF
    done
}
to_ms() { # wrk latency (12.3us, 4.5ms, 1.2s) in ms
    python3 -c 'import sys; v=sys.argv[1]; u={"us":0.001,"ms":1,"s":1000}; n=v.rstrip("usm"); print(round(float(n)*u[v[len(n):]], 3))' "$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# FILE CSRF STAMP POST_ID [TAG]: a wrk script that posts comments through
# the form, each a different text (TAG tells apart wrk processes started at
# once), and counts the ones accepted (303).
write_post_lua() {
    cat >"$1" <<EOF
local words = {"scene", "score", "light", "quiet", "ending", "actor", "camera", "night", "city", "rain",
  "music", "silence", "color", "doubt", "friend", "letter", "train", "winter", "laugh", "window",
  "mother", "river", "dance", "secret", "promise", "garden", "storm", "mirror", "road", "voice"}
-- Each run (a fresh Lua state) numbers its comments from its own start
-- time, so no run repeats another's texts (duplicates are refused).
local run = "${5:-0}x" .. tostring(os.time()) .. tostring(math.floor(os.clock() * 1000000))
local n = 0
math.randomseed(os.time() + ${5:-0})
request = function()
  n = n + 1
  local t = {}
  for i = 1, 12 do t[i] = words[math.random(#words)] end
  local body = "csrf=$2&stamp=$3&post_id=$4&name=Bench&email=bench%40example.com&body="
    .. "Comment+" .. run .. "-" .. n .. "+" .. table.concat(t, "+")
  return wrk.format("POST", "/comments", {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "bp_csrf=$2"}, body)
end
-- Accepted comments answer 303 (to the comment, or "held"): counted, to
-- check every one of them is stored.
accepted = 0
response = function(status)
  if status == 303 then accepted = accepted + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("accepted") end
  io.write("accepted " .. total .. "\n")
end
EOF
}
