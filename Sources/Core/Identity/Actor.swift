/// Who caused a change, as audit rows name it (`token:<name>`, `user:<email>`, `worker:<id>`,
/// `reconciler`, or `api` when the server runs without authentication), and the `X-Request-Id` of
/// the HTTP request it came from, when one did.
public struct Actor: Sendable, Hashable, ExpressibleByStringInterpolation {
    public let name: String
    public let requestID: String?

    public init(_ name: String, requestID: String? = nil) {
        self.name = name
        self.requestID = requestID
    }

    public init(stringLiteral value: String) { self.init(value) }
}
