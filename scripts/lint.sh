#!/usr/bin/env bash
# swift-format's lint (the toolchain's `swift format`) with the repository's .swift-format:
# prints each finding and a count per rule. Exits 0; the tree is not yet formatted to it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(swift format lint --recursive Sources Tests 2>&1 || true)"
printf '%s\n' "$out"
echo "--- findings per rule:"
grep -o '\[[A-Za-z]*\]' <<<"$out" | sort | uniq -c | sort -rn || true
