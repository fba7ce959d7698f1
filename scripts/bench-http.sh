#!/usr/bin/env bash
# HTTP benchmark: starts a release build of privatelinkd on loopback with a fresh database and
# prints requests/s and p50/p99 latency for GET /v1/setups/{id} and POST /v1/setups at 1 and 64
# connections, then checks GET at 1,024 connections for errors. Traffic goes to 127.0.0.1 only.
#
# Usage: scripts/bench-http.sh [seconds per run, default 10]
#        BENCH_AUTH=tokens scripts/bench-http.sh   (every request carries a bearer token)
# Needs: wrk (Debian package `wrk`), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# Built as the Dockerfile builds it (static Swift runtime), into its own folder.
swift build -c release --static-swift-stdlib --scratch-path .build-static --product privatelinkd >/dev/null
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# --workers 0: no provisioning (this measures the API; nothing may call AWS from a benchmark).
AUTH="${BENCH_AUTH:-none}"
AUTH_HEADER=()
if [ "$AUTH" = tokens ]; then
    TOKEN="$(.build-static/release/privatelinkd token create --name bench --role operator --db "$WORK/bench.sqlite" 2>/dev/null)"
    AUTH_HEADER=(-H "Authorization: Bearer $TOKEN")
fi
.build-static/release/privatelinkd --port 0 --db "$WORK/bench.sqlite" --log-level warning --workers 0 --auth "$AUTH" \
    --http-workers "${BENCH_WORKERS:-4}" --event-loops "${BENCH_LOOPS:-2}" >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/out" 2>/dev/null && break; sleep 0.1; done
URL="$(grep -o 'http://[^ ]*' "$WORK/out")"
sleep 1  # let start-up settle before reading its memory (a figure, not synchronisation)
START_RSS="$(awk '/VmRSS/ {print $2" "$3}' /proc/$PID/status), $(ls /proc/$PID/task | wc -l) threads"
[ -n "$URL" ] || { echo "server did not start:" >&2; cat "$WORK/err" >&2; exit 1; }

BODY='{"site":"us1","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567","subnet-89abcdef"],"security_group_ids":["sg-01234567"]}'
ID="$(curl -fsS "${AUTH_HEADER[@]}" -d "$BODY" "$URL/v1/setups" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')"
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
[ "$AUTH" = tokens ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $TOKEN\"" >>"$WORK/post.lua"
cat >"$WORK/get.lua" <<LUA
$( [ "$AUTH" = tokens ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $TOKEN\"" )
LUA

# Runs wrk and prints one line: name, connections, req/s, p50, p99, errors.
run() {
    local name="$1" conns="$2" threads="$3"; shift 3
    local out
    out="$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency "$@" 2>&1)"
    local rps p50 p99 errors non2xx
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
    p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
    errors="$(awk '/Socket errors/ {gsub(",",""); print "connect="$4" read="$6" write="$8" timeout="$10}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    printf '%-24s %5s conns  %10s req/s  p50 %-9s p99 %-9s errors: %s non-2xx: %s\n' \
        "$name" "$conns" "$rps" "$p50" "$p99" "${errors:-none}" "${non2xx:-0}"
}

echo "privatelinkd HTTP benchmark ($(nproc) cores, ${DURATION}s per run, workers=${BENCH_WORKERS:-4} loops=${BENCH_LOOPS:-2}, auth=$AUTH)"
run "GET /v1/setups/{id}" 1 1 -s "$WORK/get.lua" "$URL/v1/setups/$ID"
run "GET /v1/setups/{id}" 64 2 -s "$WORK/get.lua" "$URL/v1/setups/$ID"
run "POST /v1/setups" 1 1 -s "$WORK/post.lua" "$URL/v1/setups"
run "POST /v1/setups" 64 2 -s "$WORK/post.lua" "$URL/v1/setups"
run "GET /v1/setups/{id}" 1024 2 -s "$WORK/get.lua" "$URL/v1/setups/$ID"
echo "setups stored: $(sqlite3 "$WORK/bench.sqlite" 'SELECT count(*) FROM setups')"
echo "server RSS at start: $START_RSS"
echo "server RSS after the runs: $(awk '/VmRSS/ {print $2" "$3}' /proc/$PID/status)"
