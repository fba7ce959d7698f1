#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for a bounded time.
#
#   scripts/fuzz-http.sh [SECONDS]        # default 60; prints libFuzzer's figures at the end
#
# Seeds: Fuzz/http/corpus (requests from the tests) and Fuzz/http/regressions (every input that
# once crashed, replayed by RequestParserTests too). New crash inputs land in .build-fuzz/crashes/:
# copy each into Fuzz/http/regressions/ once it is fixed. The growing corpus stays in .build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out/corpus" "$out/crashes"

# swift-http-types first, as its own module (the parser's method and header fields are its values).
httptypes=.build/checkouts/swift-http-types/Sources/HTTPTypes
[ -d "$httptypes" ] || swift package resolve >/dev/null
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HTTPTypes -emit-module -emit-module-path "$out/HTTPTypes.swiftmodule" \
    -emit-library -static "$httptypes"/*.swift -o "$out/libHTTPTypes.a" 2>"$out/build.log" || { cat "$out/build.log"; exit 1; }
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name Server -I "$out" -L "$out" -lHTTPTypes \
    Sources/Server/HTTP/RequestParser.swift Sources/Server/HTTP/RequestParser+Bytes.swift \
    Sources/Server/HTTP/HTTPRequestHead.swift Sources/Server/HTTP/Request.swift \
    Sources/Server/HTTP/HTTPLimits.swift Sources/Core/Support/ASCIIDecimal.swift \
    Fuzz/http/FuzzRequestParser.swift -o "$out/fuzz-http" 2>"$out/build.log" \
    || { cat "$out/build.log"; exit 1; }  # (gold's "cannot export local symbol" warnings are noise)

# -max_len covers a head at the fuzz limits; -timeout catches a parser that loops.
status=0
"$out/fuzz-http" "$out/corpus" Fuzz/http/corpus Fuzz/http/regressions \
    -max_total_time="$seconds" -max_len=8192 -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/" -print_final_stats=1 >"$out/last-run.log" 2>&1 || status=$?
grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|artifact|Done)' "$out/last-run.log" || true
echo "corpus: $(ls "$out/corpus" | wc -l) inputs; crashes: $(ls "$out/crashes" | wc -l) (log: $out/last-run.log)"
exit "$status"
