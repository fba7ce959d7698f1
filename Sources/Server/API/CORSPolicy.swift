/// Cross-origin access for a dashboard served from another origin (`--cors-origin`, repeatable;
/// none by default). `*` allows any origin.
public struct CORSPolicy: Sendable {
    public let allowedOrigins: [String]

    public init(allowedOrigins: [String]) { self.allowedOrigins = allowedOrigins }

    static let allowedHeaders = "Content-Type, Idempotency-Key, Authorization"
    static let exposedHeaders = "Location, Idempotency-Replayed"

    func allows(_ origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    /// Headers for an actual (non-preflight) response.
    func headers(for request: HTTPRequest) -> [(name: String, value: String)] {
        guard let origin = request.header("Origin"), allows(origin) else { return [] }
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", Self.exposedHeaders)]
    }

    /// The answer to an `OPTIONS` request: a preflight when it carries `Origin` and
    /// `Access-Control-Request-Method`, otherwise the methods the path allows.
    func preflight(_ request: HTTPRequest, allowedMethods: [String]) -> HTTPResponse {
        let methods = allowedMethods.joined(separator: ", ")
        guard let origin = request.header("Origin"), request.header("Access-Control-Request-Method") != nil else {
            return HTTPResponse(status: 204, headers: [("Allow", methods)])
        }
        guard allows(origin) else {
            return HTTPResponse(status: 204, headers: [("Allow", methods), ("Vary", "Origin")])
        }
        return HTTPResponse(status: 204, headers: [
            ("Allow", methods),
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", methods),
            ("Access-Control-Allow-Headers", request.header("Access-Control-Request-Headers") ?? Self.allowedHeaders),
            ("Access-Control-Max-Age", "600"),
            ("Vary", "Origin"),
        ])
    }
}
