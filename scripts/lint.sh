#!/usr/bin/env bash
# swift-format's lint (the toolchain's `swift format`) with the repository's .swift-format, and the
# file-length rule (no Swift file over 320 lines). Prints each finding; exits 1 when there is any.
# Fix formatting with: swift format format --in-place --recursive Sources Tests Fuzz Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
swift format lint --strict --recursive Sources Tests Fuzz Package.swift || status=1
long="$(find Sources Tests Fuzz -name '*.swift' -exec wc -l {} + | awk '$2 != "total" && $1 > 320 {print "  " $2 ": " $1 " lines"}')"
if [ -n "$long" ]; then
    echo "files over 320 lines (split them by concept):"
    echo "$long"
    status=1
fi
[ "$status" -eq 0 ] && echo "lint: clean"
exit "$status"
