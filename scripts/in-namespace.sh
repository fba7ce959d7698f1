# Sourced by scripts that probe addresses (demo.sh, bench-verify.sh): re-runs the calling script in
# a fresh network namespace (`unshare --net`; a user namespace too when not root), brings `lo` up
# there, and refuses to go on unless `lo` is the only interface, so nothing can leave the machine.
if [ "${PRIVATELINKD_IN_NAMESPACE:-}" != "1" ]; then
    flags=(--net)
    [ "$(id -u)" = 0 ] || flags=(--user --map-root-user --net)
    exec env PRIVATELINKD_IN_NAMESPACE=1 unshare "${flags[@]}" -- "$0" "$@"
fi
ip link set lo up
if [ "$(ip -o link show | wc -l)" != 1 ]; then echo "refusing: not in a network namespace with lo alone" >&2; exit 97; fi
