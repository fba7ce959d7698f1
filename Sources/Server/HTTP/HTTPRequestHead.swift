import Foundation
import HTTPTypes
#if canImport(Core)
    import Core  // ASCIIDecimal (the fuzz build compiles that file into this module instead)
#endif

/// A parsed request line and headers, with how its body is framed.
public struct HTTPRequestHead: Equatable, Sendable {
    public enum Framing: Equatable, Sendable { case none, length(Int), chunked }

    public let method: HTTPRequest.Method
    public let target: String
    public let version: HTTPVersion
    public let headerFields: HTTPFields
    public var framing: Framing = .none
    public var expectsContinue = false

    init(method: HTTPRequest.Method, target: String, version: HTTPVersion, headerFields: HTTPFields) {
        self.method = method
        self.target = target
        self.version = version
        self.headerFields = headerFields
    }

    /// Body framing per RFC 9112 §6: both `Transfer-Encoding` and `Content-Length` is refused
    /// (request smuggling), as are conflicting lengths and codings other than `chunked`. Also the
    /// `Host` rule of RFC 9112 §3.2: exactly one in HTTP/1.1, at most one in 1.0, well-formed.
    func resolveFraming() -> Result<HTTPRequestHead, HTTPParseError> {
        var head = self
        let hosts = headerFields[values: .hostHeader]
        if hosts.count > 1 {
            return .failure(.init(status: 400, code: "bad_request", message: "more than one Host header; send exactly one"))
        }
        if version == .http11 && hosts.isEmpty {
            return .failure(.init(status: 400, code: "bad_request", message: "an HTTP/1.1 request needs a Host header, e.g. Host: localhost:8080"))
        }
        if let host = hosts.first, !host.utf8.allSatisfy(Self.isHostByte) {
            return .failure(.init(status: 400, code: "bad_request", message: "the Host header is not a host name or address with an optional port"))
        }
        let lengths = headerFields[values: .contentLength]
        let codings = headerFields[values: .transferEncoding]
        let bad = { (m: String) in Result<HTTPRequestHead, HTTPParseError>.failure(.init(status: 400, code: "bad_request", message: m)) }
        if !codings.isEmpty {
            guard lengths.isEmpty else { return bad("both Transfer-Encoding and Content-Length") }
            let tokens = codings.flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIISpaces.lowercased() }
            guard tokens == ["chunked"] else {
                return .failure(.init(status: 501, code: "not_implemented", message: "only Transfer-Encoding: chunked is supported"))
            }
            guard version == .http11 else { return bad("chunked encoding needs HTTP/1.1") }
            head.framing = .chunked
        } else if !lengths.isEmpty {
            let values = Set(lengths.flatMap { $0.split(separator: ",") }.map { String($0.trimmingASCIISpaces) })
            guard values.count == 1, let text = values.first, let n = ASCIIDecimal.parse(text, maxDigits: 15)
            else { return bad("invalid Content-Length: send one decimal number of bytes") }
            head.framing = n > 0 ? .length(n) : .none
        }
        if let expect = headerFields[values: .expect].first {
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

    func request(body: [UInt8]) -> Request {
        Request(method: method, target: target, version: version, headerFields: headerFields, body: body)
    }
}
