#!/usr/bin/env bash
# How long `privatelinkd verify` takes for all of a site's names (us1: 10 services, 12 names),
# inside a network namespace of its own (only lo; nothing leaves it):
#   - healthy:  every name private, TLS valid (DNS, connect and handshake per address)
#   - dropped:  every name resolves privately but 443 drops SYNs (a security group without the rule),
#               so each check waits for its connect timeout; names are checked 8 at a time
#   scripts/bench-verify.sh [runs]     (a release build: swift build -c release)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/in-namespace.sh"
runs=${1:-20}
bin=${PRIVATELINKD_BIN:-$repo/.build/release/privatelinkd}
tls=$repo/Tests/Fixtures/tls

# Every us1 name → 10.0.1.5 (TLS listener with the intake certificate); the dropped case uses
# 10.0.9.9, where a full accept queue drops SYNs.
config=$(python3 - "$repo" "$tls" <<'PY'
import json, sys
repo, tls = sys.argv[1:3]
us1 = next(s for s in json.load(open(f"{repo}/Sources/Core/Resources/catalog.json"))["sites"] if s["id"] == "us1")
names = {}
for service in us1["services"]:
    for name in {service["hostname"], service["private_dns_name"]}:
        names[name] = {"a": ["10.0.1.5"]}
        names["dropped-" + name] = {"a": ["10.0.9.9"]}
print(json.dumps({"tls": [{"host": "10.0.1.5", "port": 443, "cert": f"{tls}/intake.pem", "key": f"{tls}/intake.key"}],
                  "dns": {"host": "127.0.0.1", "port": 53, "names": names}}))
PY
)
ip addr add 10.0.1.5/32 dev lo
ip addr add 10.0.9.9/32 dev lo
coproc FIXTURE { exec python3 "$repo/Tests/Fixtures/verify_fixture.py" "$config"; }
read -r _ <&"${FIXTURE[0]}"

# The dropped case: a listener on 10.0.9.9:443 that never accepts, its accept queue filled until
# a connect times out (kept open), so every later SYN is dropped. It says "ready" when so.
ready=$(mktemp -u) && mkfifo "$ready"
python3 -c '
import socket, sys, time
listener = socket.socket(); listener.bind(("10.0.9.9", 443)); listener.listen(0)
held = []
while True:
    try: held.append(socket.create_connection(("10.0.9.9", 443), timeout=0.3))
    except OSError: break
open(sys.argv[1], "w").write("ready\n")
time.sleep(3600)
' "$ready" &
dropper=$!
trap 'kill $dropper 2>/dev/null || true; rm -f "$ready"' EXIT
read -r _ < "$ready"

measure() {  # label, runs, verify args…
    local label=$1 n=$2; shift 2
    python3 - "$label" "$n" "$bin" "$@" <<'PY'
import statistics, subprocess, sys, time
label, n, binary, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
times, codes = [], set()
for _ in range(n):
    start = time.perf_counter()
    result = subprocess.run([binary, "verify", *args], capture_output=True, text=True)
    times.append(time.perf_counter() - start)
    codes.add(result.returncode)
times.sort()
print(f"{label:8} runs {n:3}  p50 {statistics.median(times)*1000:7.1f} ms  max {times[-1]*1000:7.1f} ms  exit {sorted(codes)}")
PY
}
common=(--site us1 --dns-server 127.0.0.1:53 --ca-file "$tls/ca.pem" --json)
measure healthy "$runs" "${common[@]}"
# The dropped case with a 1 s connect timeout: 12 names, 8 at a time → about two timeouts.
dropped_catalog=$(mktemp)
sed 's/"hostname": "\([^"]*\)"/"hostname": "dropped-\1"/; s/"private_dns_name": "\([^"]*\)"/"private_dns_name": "dropped-\1"/' \
    "$repo/Sources/Core/Resources/catalog.json" > "$dropped_catalog"
measure dropped 3 "${common[@]}" --catalog "$dropped_catalog" --timeout 1s
rm -f "$dropped_catalog"
