// libFuzzer entry point for the HTTP request parser. Built by scripts/fuzz-http.sh with
// `swiftc -sanitize=fuzzer,address` together with the parser's own files (no SwiftPM: the rest of
// the server need not be built with sanitizers).
//
// The first input byte chooses how the rest is split into reads (1 to 256 bytes each), so the
// fuzzer explores partial heads, chunk lines cut in two and pipelining as they arrive on a socket.
// Beyond "no trap, no memory error", it checks the parser's own promises.

import HTTPTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let step = Int(data[0]) + 1
    var limits = HTTPLimits()
    limits.maxHeadBytes = 2048  // small limits reach the limit paths with small inputs
    limits.maxRequestLineBytes = 512
    limits.maxBodyBytes = 4096
    limits.maxHeaderCount = 16
    var parser = RequestParser(limits: limits)
    var offset = 0
    var failed = false
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        parser.append(Array(bytes[offset..<end]))
        offset = end
        for _ in 0..<1000 {  // bounded: each event consumes input or stops
            let event = parser.next()
            switch event {
            case .needMore:
                break
            case .sendContinue:
                continue
            case let .request(head, body):
                precondition(!failed, "a request after a failure")
                precondition(body.count <= limits.maxBodyBytes, "a body over the limit")
                let request = head.request(body: body)
                _ = request.path
                _ = request.query
                _ = request.keepAlive
                _ = request.header(.hostHeader)
                continue
            case let .failure(error):
                precondition((400..<600).contains(error.status.code), "a failure that is not an error status")
                precondition(!error.code.isEmpty && !error.message.isEmpty)
                failed = true
            }
            break
        }
        precondition(parser.bufferedByteCount >= 0)
    }
    return 0
}
