#!/usr/bin/env bash
# Instructions per GET /v1/setups/{id}, counted by callgrind: repeatable whatever else the machine
# does (wall-clock benchmarks on two shared cores vary by ±20%). Runs a stripped release build under
# valgrind twice, with N1 and N2 requests on one keep-alive connection to 127.0.0.1, and prints
# (Ir(N2) - Ir(N1)) / (N2 - N1), which cancels start-up.
#
# Usage: scripts/bench-instructions.sh [N1 N2]   (default 500 2500). Needs valgrind, python3.
#        BENCH_AUTH=tokens scripts/bench-instructions.sh   (each GET carries a bearer token)
set -euo pipefail
cd "$(dirname "$0")/.."
N1="${1:-500}"; N2="${2:-2500}"
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
swift build -c release --product privatelinkd >/dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp .build/release/privatelinkd "$WORK/privatelinkd"
strip "$WORK/privatelinkd"  # valgrind cannot read this toolchain's debug info

count() {
    local n="$1" dir; dir="$(mktemp -d -p "$WORK")"
    local auth="${BENCH_AUTH:-none}" token=""
    [ "$auth" = tokens ] && token="$("$WORK/privatelinkd" token create --name bench --role operator --db "$dir/b.sqlite" 2>/dev/null)"
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$WORK/privatelinkd" --port 0 --db "$dir/b.sqlite" \
        --log-level warning --workers 0 --http-workers 1 --event-loops 1 --auth "$auth" >"$dir/out" 2>"$dir/err" &
    local pid=$!
    for _ in $(seq 1 900); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.1; done
    local port; port="$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out" | cut -d: -f3)"
    python3 - "$port" "$n" "$token" <<'PY'
import json, socket, sys, urllib.request
port, n, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
auth = {"Authorization": f"Bearer {token}"} if token else {}
body = json.dumps({"site": "us1", "region": "us-east-1", "vpc_id": "vpc-0123456789abcdef0",
                   "subnet_ids": ["subnet-01234567", "subnet-89abcdef"], "security_group_ids": ["sg-01234567"]}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/setups", data=body, headers={"Content-Type": "application/json", **auth})
sid = json.load(urllib.request.urlopen(request, timeout=60))["id"]
s = socket.create_connection(("127.0.0.1", port), timeout=60)
extra = f"Authorization: Bearer {token}\r\n" if token else ""
message, buf = f"GET /v1/setups/{sid} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode(), b""
for _ in range(n):
    s.sendall(message)
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            length = int([l.split(":")[1] for l in buf[:end].decode().split("\r\n") if l.lower().startswith("content-length")][0])
            if len(buf) >= end + 4 + length:
                buf = buf[end + 4 + length:]
                break
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
PY
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    awk '/^(summary|totals):/ {print $2; exit}' "$dir/cg.out"
}
a="$(count "$N1")"; b="$(count "$N2")"
echo "GET /v1/setups/{id} (auth ${BENCH_AUTH:-none}): $(( (b - a) / (N2 - N1) )) instructions per request (Ir $a for $N1, $b for $N2)"
