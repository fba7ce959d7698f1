import HTTPTypes

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
    func headerFields(for request: Request) -> HTTPFields {
        guard let origin = request.header(.origin), allows(origin) else { return [:] }
        return [.accessControlAllowOrigin: origin, .vary: "Origin", .accessControlExposeHeaders: Self.exposedHeaders]
    }

    /// The answer to an `OPTIONS` request: a preflight when it carries `Origin` and
    /// `Access-Control-Request-Method`, otherwise the methods the path allows.
    func preflight(_ request: Request, allowedMethods: [HTTPRequest.Method]) -> Response {
        let methods = allowedMethods.map(\.rawValue).joined(separator: ", ")
        guard let origin = request.header(.origin), request.header(.accessControlRequestMethod) != nil else {
            return Response(status: .noContent, headerFields: [.allow: methods])
        }
        guard allows(origin) else {
            return Response(status: .noContent, headerFields: [.allow: methods, .vary: "Origin"])
        }
        return Response(
            status: .noContent,
            headerFields: [
                .allow: methods,
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: methods,
                .accessControlAllowHeaders: request.header(.accessControlRequestHeaders) ?? Self.allowedHeaders,
                .accessControlMaxAge: "600",
                .vary: "Origin",
            ])
    }
}
