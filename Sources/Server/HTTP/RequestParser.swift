import Foundation
import HTTPTypes
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
    private(set) var buffer: [UInt8] = []
    private(set) var start = 0  // consumed prefix of buffer
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
        var headers = HTTPFields()
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
            guard let fieldName = Self.commonName(name) ?? HTTPField.Name(String(decoding: name, as: UTF8.self)) else {
                return .failure(badRequest("malformed header name"))
            }
            headers.append(HTTPField(name: fieldName, value: value))
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
        guard let method = HTTPRequest.Method(String(decoding: parts[0], as: UTF8.self)) else {
            return .failure(badRequest("malformed request line"))
        }
        let head = HTTPRequestHead(
            method: method, target: String(decoding: parts[1], as: UTF8.self), version: version,
            headerFields: headers)
        return head.resolveFraming()
    }

    /// Header names most requests carry, spelled as clients send them: reused as they are, instead of
    /// a new name (a string, a validation and a lower-cased copy) per field per request. A name
    /// spelled any other way is made as usual, so names stay as sent.
    private static let commonNames: [(bytes: [UInt8], name: HTTPField.Name)] = [
        HTTPField.Name.hostHeader, .authorization, .contentType, .contentLength, .accept, .userAgent, .connection,
        .acceptEncoding, .origin, .ifNoneMatch, .idempotencyKey, .requestID,
    ].map { (Array($0.rawName.utf8), $0) }

    private static func commonName(_ bytes: ArraySlice<UInt8>) -> HTTPField.Name? {
        for common in commonNames where common.bytes.count == bytes.count && common.bytes.elementsEqual(bytes) { return common.name }
        return nil
    }
}
