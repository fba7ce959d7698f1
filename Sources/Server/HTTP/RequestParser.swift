import Foundation
#if canImport(Core)
import Core  // ASCIIDecimal (the fuzz build compiles that file into this module instead)
#endif

/// Reads HTTP/1.x requests from a byte stream, incrementally: bytes go in as they arrive, complete
/// requests come out. It never blocks and owns no socket, so it is tested without any.
///
/// Handles `Content-Length` and `Transfer-Encoding: chunked` bodies, `Expect: 100-continue`,
/// pipelined requests (each `next()` returns the following one) and every limit of `HTTPLimits`.
public struct RequestParser {
    /// What `next()` found.
    public enum Event: Equatable {
        /// Not a whole request yet.
        case needMore
        /// The head asked for `100 Continue` and its body has not arrived: answer it now.
        case sendContinue
        case request(HTTPRequestHead, body: [UInt8])
        case failure(HTTPParseError)
    }

    private enum State {
        case head
        case body(HTTPRequestHead, remaining: Int)
        case chunkSize(HTTPRequestHead)
        case chunkData(HTTPRequestHead, remaining: Int)
        case chunkDataEnd(HTTPRequestHead)
        case trailers(HTTPRequestHead)
        case failed
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var start = 0  // consumed prefix of buffer
    private var state: State = .head
    private var body: [UInt8] = []
    /// Bytes of trailer lines read for the current chunked body.
    private var trailerBytes = 0

    /// A chunk-size line longer than this is refused (size digits plus extensions).
    static let maxChunkLineBytes = 1024

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    /// Bytes received but not yet consumed by a returned request.
    public var bufferedByteCount: Int { buffer.count - start }
    /// True while part of a request has arrived (used for the request timeout).
    public var isMidRequest: Bool {
        if case .head = state { return bufferedByteCount > 0 }
        return true
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compact() {
        if start > 0 && (start == buffer.count || start > 4096) {
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// The next event from what has arrived so far.
    public mutating func next() -> Event {
        while true {
            switch state {
            case .failed:
                return .needMore
            case .head:
                let end: Int
                switch scanHead() {
                case let .complete(headEnd): end = headEnd
                case .bareLF: return fail(Self.bareLF)
                case .incomplete:
                    if let error = oversizedHead() { return fail(error) }
                    return .needMore
                }
                let headBytes = buffer[start..<end]
                start = end + 4
                switch parseHead(headBytes) {
                case let .failure(error): return fail(error)
                case let .success(head):
                    body = []
                    switch head.framing {
                    case .none:
                        state = .head
                        return .request(head, body: [])
                    case let .length(n):
                        if n > limits.maxBodyBytes {
                            return fail(.init(status: 413, code: "payload_too_large", message: "the body is \(n) bytes; at most \(limits.maxBodyBytes)"))
                        }
                        state = .body(head, remaining: n)
                    case .chunked:
                        state = .chunkSize(head)
                    }
                    if head.expectsContinue && bufferedByteCount == 0 {
                        return .sendContinue
                    }
                }
            case let .body(head, remaining):
                let available = min(remaining, bufferedByteCount)
                body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                if available < remaining {
                    state = .body(head, remaining: remaining - available)
                    return .needMore
                }
                state = .head
                return .request(head, body: takeBody())
            case let .chunkSize(head):
                let lineEnd: Int
                switch scanLine(from: start) {
                case let .complete(end): lineEnd = end
                case .bareLF: return fail(Self.bareLF)
                case .incomplete:
                    if bufferedByteCount > Self.maxChunkLineBytes { return fail(badRequest("chunk size line too long")) }
                    return .needMore
                }
                let line = buffer[start..<lineEnd]
                start = lineEnd + 2
                guard line.count <= Self.maxChunkLineBytes, let size = Self.chunkSize(line) else {
                    return fail(badRequest("invalid chunk size: send 1 to 8 hexadecimal digits, optionally followed by ;extensions"))
                }
                if size > limits.maxBodyBytes - body.count {
                    return fail(.init(status: 413, code: "payload_too_large", message: "the body is over \(limits.maxBodyBytes) bytes"))
                }
                state = size == 0 ? .trailers(head) : .chunkData(head, remaining: size)
            case let .chunkData(head, remaining):
                let available = min(remaining, bufferedByteCount)
                body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                if available < remaining {
                    state = .chunkData(head, remaining: remaining - available)
                    return .needMore
                }
                state = .chunkDataEnd(head)
            case let .chunkDataEnd(head):
                guard bufferedByteCount >= 2 else { return .needMore }
                guard buffer[start] == 13, buffer[start + 1] == 10 else { return fail(badRequest("chunk data not followed by CRLF")) }
                start += 2
                state = .chunkSize(head)
            case let .trailers(head):
                let lineEnd: Int
                switch scanLine(from: start) {
                case let .complete(end): lineEnd = end
                case .bareLF: return fail(Self.bareLF)
                case .incomplete:
                    if bufferedByteCount > limits.maxHeadBytes - trailerBytes { return fail(badRequest("trailers too long")) }
                    return .needMore
                }
                let line = buffer[start..<lineEnd]
                trailerBytes += line.count + 2
                start = lineEnd + 2
                if line.isEmpty {
                    trailerBytes = 0
                    state = .head
                    return .request(head, body: takeBody())
                }
                // Trailers are read and dropped; they must still be well-formed and within the head limit.
                guard trailerBytes <= limits.maxHeadBytes else { return fail(badRequest("trailers too long")) }
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                      line[..<colon].allSatisfy(Self.isTokenByte),
                      !line[(colon + 1)...].contains(where: Self.isForbiddenInValue)
                else { return fail(badRequest("malformed trailer line")) }
            }
        }
    }

    private mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    private mutating func fail(_ error: HTTPParseError) -> Event {
        state = .failed
        return .failure(error)
    }

    private func badRequest(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "bad_request", message: message)
    }

    private static let bareLF = HTTPParseError(
        status: 400, code: "bad_request", message: "a line ends in a bare LF; end every line of the request head with CRLF")

    /// Where a line or the head ends, if it has arrived; `bareLF` as soon as an LF without its CR
    /// shows up, so such a client gets its 400 at once rather than a 408 later.
    private enum Scan { case complete(Int), incomplete, bareLF }

    /// Finds the CRLF CRLF that ends the head. Lines end in CRLF only (RFC 9112 §2.2 lets a server
    /// refuse a bare LF, and accepting it would let two parsers disagree on where a line ends).
    private func scanHead() -> Scan {
        var i = start
        while i < buffer.count {
            if buffer[i] == 10 {
                guard i > start, buffer[i - 1] == 13 else { return .bareLF }
                if i - start >= 3, buffer[i - 2] == 10, buffer[i - 3] == 13 { return .complete(i - 3) }
            }
            i += 1
        }
        return .incomplete
    }

    /// Finds the CRLF that ends the line starting at `index`.
    private func scanLine(from index: Int) -> Scan {
        var i = index
        while i < buffer.count {
            if buffer[i] == 10 {
                guard i > index, buffer[i - 1] == 13 else { return .bareLF }
                return .complete(i - 1)
            }
            i += 1
        }
        return .incomplete
    }

    /// The first line's end, for the request-line limit.
    private func findCRLF(from index: Int) -> Int? {
        if case let .complete(end) = scanLine(from: index) { return end }
        return nil
    }

    /// `chunk-size [BWS ";" chunk-ext]` (RFC 9112 §7.1): 1 to 8 hex digits and nothing else before
    /// the extensions; no sign, no spaces in front, no overflow. The extensions are ignored, but
    /// may not hold control characters.
    static func chunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        let digits = line.prefix(while: isHexDigit)
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var rest = line[digits.endIndex...]
        while let first = rest.first, first == 32 || first == 9 { rest = rest.dropFirst() }
        if let first = rest.first {
            guard first == UInt8(ascii: ";"), !rest.contains(where: isForbiddenInValue) else { return nil }
        } else if digits.endIndex != line.endIndex {
            return nil  // whitespace after the size with no extension
        }
        var size = 0
        for digit in digits {
            size = size << 4 | hexValue(digit)  // at most 8 digits: never above 2^32 - 1
        }
        return size
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b)
    }

    private static func hexValue(_ b: UInt8) -> Int {
        switch b {
        case 48...57: return Int(b - 48)
        case 65...70: return Int(b - 55)
        default: return Int(b - 87)
        }
    }

    /// Control characters other than HTAB, and DEL, may not appear in a field value or extension.
    static func isForbiddenInValue(_ b: UInt8) -> Bool { b < 32 && b != 9 || b == 127 }

    /// The head is not complete: is it already too large to be allowed?
    private func oversizedHead() -> HTTPParseError? {
        let pending = bufferedByteCount
        let lineEnd = findCRLF(from: start)
        if lineEnd == nil && pending > limits.maxRequestLineBytes {
            return HTTPParseError(status: 414, code: "uri_too_long", message: "the request line is over \(limits.maxRequestLineBytes) bytes")
        }
        if pending > limits.maxHeadBytes {
            return HTTPParseError(status: 431, code: "headers_too_large", message: "the request line and headers are over \(limits.maxHeadBytes) bytes")
        }
        return nil
    }

    private func parseHead(_ bytes: ArraySlice<UInt8>) -> Result<HTTPRequestHead, HTTPParseError> {
        if bytes.count > limits.maxHeadBytes {
            return .failure(.init(status: 431, code: "headers_too_large", message: "the request line and headers are over \(limits.maxHeadBytes) bytes"))
        }
        // Walk the head once, line by line (`scanHead` has made sure every line ends in CRLF).
        var lineStart = bytes.startIndex
        var requestLine: ArraySlice<UInt8>?
        var headers: [(name: String, value: String)] = []
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: 10) ?? bytes.endIndex
            var line = bytes[lineStart..<lineEnd]
            if line.last == 13 { line = line.dropLast() }
            lineStart = lineEnd == bytes.endIndex ? lineEnd : lineEnd + 1
            guard requestLine != nil else {
                if !line.isEmpty { requestLine = line }  // empty lines before the request line are ignored
                continue
            }
            if headers.count == limits.maxHeaderCount {
                return .failure(.init(status: 431, code: "headers_too_large", message: "more than \(limits.maxHeaderCount) header fields"))
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                return .failure(badRequest("malformed header line"))
            }
            let name = line[line.startIndex..<colon]
            guard name.allSatisfy(Self.isTokenByte) else { return .failure(badRequest("malformed header name")) }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
            guard !value.contains(where: Self.isForbiddenInValue) else {
                return .failure(badRequest("control character in header value"))
            }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        guard let requestLine else { return .failure(badRequest("empty request")) }
        if requestLine.count > limits.maxRequestLineBytes {
            return .failure(.init(status: 414, code: "uri_too_long", message: "the request line is over \(limits.maxRequestLineBytes) bytes"))
        }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].allSatisfy(Self.isTokenByte), parts[1].allSatisfy({ $0 > 32 && $0 < 127 })
        else { return .failure(badRequest("malformed request line")) }
        let version: HTTPVersion
        switch Array(parts[2]) {
        case Array("HTTP/1.1".utf8): version = .http11
        case Array("HTTP/1.0".utf8): version = .http10
        default:
            let versionText = String(decoding: parts[2], as: UTF8.self)
            guard versionText.hasPrefix("HTTP/"), versionText.count == 8 else { return .failure(badRequest("malformed HTTP version")) }
            return .failure(.init(status: 505, code: "http_version_not_supported", message: "\(versionText) is not supported; use HTTP/1.1"))
        }
        let head = HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self),
                                   target: String(decoding: parts[1], as: UTF8.self), version: version, headers: headers)
        return head.resolveFraming()
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}

/// A parsed request line and headers, with how its body is framed.
public struct HTTPRequestHead: Equatable, Sendable {
    public enum Framing: Equatable, Sendable { case none, length(Int), chunked }

    public let method: String
    public let target: String
    public let version: HTTPVersion
    public let headers: [(name: String, value: String)]
    public var framing: Framing = .none
    public var expectsContinue = false

    init(method: String, target: String, version: HTTPVersion, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    public static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.target == b.target && a.version == b.version && a.framing == b.framing
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    /// Body framing per RFC 9112 §6: both `Transfer-Encoding` and `Content-Length` is refused
    /// (request smuggling), as are conflicting lengths and codings other than `chunked`. Also the
    /// `Host` rule of RFC 9112 §3.2: exactly one in HTTP/1.1, at most one in 1.0, well-formed.
    func resolveFraming() -> Result<HTTPRequestHead, HTTPParseError> {
        var head = self
        let hosts = headers.filter { $0.name.caseInsensitiveEquals("Host") }.map(\.value)
        if hosts.count > 1 {
            return .failure(.init(status: 400, code: "bad_request", message: "more than one Host header; send exactly one"))
        }
        if version == .http11 && hosts.isEmpty {
            return .failure(.init(status: 400, code: "bad_request", message: "an HTTP/1.1 request needs a Host header, e.g. Host: localhost:8080"))
        }
        if let host = hosts.first, !host.utf8.allSatisfy(Self.isHostByte) {
            return .failure(.init(status: 400, code: "bad_request", message: "the Host header is not a host name or address with an optional port"))
        }
        let lengths = headers.filter { $0.name.caseInsensitiveEquals("Content-Length") }.map(\.value)
        let codings = headers.filter { $0.name.caseInsensitiveEquals("Transfer-Encoding") }.map(\.value)
        let bad = { (m: String) in Result<HTTPRequestHead, HTTPParseError>.failure(.init(status: 400, code: "bad_request", message: m)) }
        if !codings.isEmpty {
            guard lengths.isEmpty else { return bad("both Transfer-Encoding and Content-Length") }
            let tokens = codings.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard tokens == ["chunked"] else {
                return .failure(.init(status: 501, code: "not_implemented", message: "only Transfer-Encoding: chunked is supported"))
            }
            guard version == .http11 else { return bad("chunked encoding needs HTTP/1.1") }
            head.framing = .chunked
        } else if !lengths.isEmpty {
            let values = Set(lengths.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) })
            guard values.count == 1, let text = values.first, let n = ASCIIDecimal.parse(text, maxDigits: 15)
            else { return bad("invalid Content-Length: send one decimal number of bytes") }
            head.framing = n > 0 ? .length(n) : .none
        }
        if let expect = headers.first(where: { $0.name.caseInsensitiveEquals("Expect") })?.value {
            guard expect.lowercased() == "100-continue" else {
                return .failure(.init(status: 417, code: "expectation_failed", message: "only Expect: 100-continue is supported"))
            }
            head.expectsContinue = version == .http11 && head.framing != .none
        }
        return .success(head)
    }

    /// `uri-host [":" port]` characters (RFC 3986): reg-name, IPv4 or a bracketed IPv6 literal.
    private static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=%:[]".utf8.contains(b)
        }
    }

    func request(body: [UInt8]) -> HTTPRequest {
        HTTPRequest(method: method, target: target, version: version, headers: headers, body: body)
    }
}
