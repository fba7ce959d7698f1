#!/usr/bin/env bash
# Runs `privatelinkd verify` inside a network namespace the test made (`unshare --net`), where only
# `lo` exists and the test addresses sit on it, so no probe can leave. Checks that before anything
# is sent, starts verify_fixture.py (TLS listeners on the test addresses, a DNS responder on
# loopback), then runs the verify command with the remaining arguments and exits with its status.
#
#   netns-verify.sh PARENT_NETNS PRIVATELINKD FIXTURE_CONFIG_JSON ADDRESSES -- VERIFY_ARGS...
set -euo pipefail
parent_ns="$1" binary="$2" config="$3" addresses="$4"
shift 4
[ "${1:-}" = "--" ] && shift

if [ "$(readlink /proc/self/ns/net)" = "$parent_ns" ]; then
    echo "refusing: not inside a new network namespace" >&2
    exit 97
fi
ip link set lo up
for address in $addresses; do ip addr add "$address/32" dev lo; done
links=$(ip -o link show | wc -l)
if [ "$links" != 1 ]; then
    echo "refusing: the namespace has $links interfaces; expected lo alone" >&2
    exit 97
fi

here=$(cd "$(dirname "$0")" && pwd)
coproc FIXTURE { exec python3 "$here/verify_fixture.py" "$config"; }
read -r ports <&"${FIXTURE[0]}"  # the fixture prints its ports once it listens
echo "fixture listening: $ports" >&2
"$binary" verify "$@"
