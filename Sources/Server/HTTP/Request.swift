import Core
import Foundation
import HTTPTypes

/// A complete HTTP/1.x request: the whole head and body were read before anyone handles it.
/// Method and header fields are swift-http-types' values.
public struct Request: Sendable {
    public var method: HTTPRequest.Method
    /// The request target as sent: `/v1/setups?limit=10`.
    public var target: String
    public var version: HTTPVersion
    /// Header fields in order, names as sent (compared case-insensitively).
    public var headerFields: HTTPFields
    public var body: [UInt8]
    /// Set by `RequestIDMiddleware`: the caller's `X-Request-Id` or one made for it.
    public var requestID = ""
    /// The client's address, as the event loop accepted it (`host:port`), and its host alone.
    public var peer = ""
    public var peerHost = ""
    /// Who sent it, set by `AuthenticationMiddleware` (nil before it ran, and on open routes).
    public var identity: Identity?
    /// The route the method and path resolve to, once `HTTPResponder.prepare` looked it up.
    public var resolvedRoute: Router.Resolution?

    public init(
        method: HTTPRequest.Method, target: String, version: HTTPVersion = .http11,
        headerFields: HTTPFields = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headerFields = headerFields
        self.body = body
    }

    /// The first value of a header field.
    public func header(_ name: HTTPField.Name) -> String? {
        headerFields.first { $0.name == name }?.value
    }

    /// The path, without the query.
    public var path: String {
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return String(target[..<q]) }
        return target
    }

    /// Query parameters, percent-decoded (`+` is a space), in order.
    public var query: [(name: String, value: String)] {
        // A byte search: `String.firstIndex(of: Character)` walks grapheme clusters, which cost
        // more than the rest of a GET did.
        guard let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        return target[target.index(after: q)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// A problem for each query parameter not in `known`, naming the ones that are.
    public func unknownQueryParameters(known: Set<String>) -> [ValidationProblem] {
        query.filter { !known.contains($0.name) }.map { parameter in
            ValidationProblem(
                field: Echo.text(parameter.name), code: "unknown_parameter",
                message: "unknown query parameter \"\(Echo.text(parameter.name))\"; use \(known.sorted().joined(separator: ", "))")
        }
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let connection = header(.connection)?.lowercased() ?? ""
        let tokens = connection.split(separator: ",").map { $0.trimmingASCIISpaces }
        switch version {
        case .http11: return !tokens.contains("close")
        case .http10: return tokens.contains("keep-alive")
        }
    }
}

public enum HTTPVersion: String, Sendable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"
}

/// Header names privatelinkd reads or writes beyond swift-http-types' registered ones.
extension HTTPField.Name {
    /// HTTP/1.1's `Host` (swift-http-types marks its `.host` unavailable, pointing HTTP/2 users
    /// at `:authority`; an HTTP/1.1 server reads the header itself).
    public static let hostHeader = HTTPField.Name("Host")!
    public static let requestID = HTTPField.Name("X-Request-Id")!
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    public static let idempotencyReplayed = HTTPField.Name("Idempotency-Replayed")!
    public static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    public static let lastEventID = HTTPField.Name("Last-Event-ID")!
    public static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

extension HTTPFields {
    /// Fields from `(name, value)` pairs, for tests and literals; a pair whose name is not a valid
    /// token is a programming error.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs {
            guard let fieldName = HTTPField.Name(name) else { preconditionFailure("not a header name: \(name)") }
            append(HTTPField(name: fieldName, value: value))
        }
    }
}

extension String {
    /// ASCII case-insensitive equality without allocating (header names are ASCII tokens).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(utf8, other.utf8) where a != b {
            let la = (a >= 65 && a <= 90) ? a | 0x20 : a
            let lb = (b >= 65 && b <= 90) ? b | 0x20 : b
            if la != lb { return false }
        }
        return true
    }
}
